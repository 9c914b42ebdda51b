"""The lake's tables as Athena sees them: columns from a Parquet footer, partition keys from the folders.

Each table folder is read cheaply: its `date=` folders are listed, and the footer of one file in the
newest partition gives the columns (the newest, so columns added later are there; Athena reads Parquet
by column name, so older files without them read NULL). A folder with no Parquet file gets no DDL: its
table has not been written yet (or it is not a table, as `reports/` is), and nothing is guessed for it.
"""

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from flowpipe.lib.athena_ddl import (
    PARQUET,
    Column,
    TableDefinition,
    columns_of,
    date_projection,
    enum_projection,
    projected,
    s3_folder,
)
from flowpipe.lib.lake import Lake
from flowpipe.lib.windows import DAY, NIGHT

logger = logging.getLogger(__name__)

DATE_KEY = "date"
WINDOW_KEY = "window"
DATE_FORMAT = "yyyy-MM-dd"  # Java DateTimeFormatter pattern of the lake's date=YYYY-MM-DD folders
# Projection ranges are evaluated in UTC; a day ahead covers lake dates of timezones east of UTC.
LAST_DATE = "NOW+1DAYS"
_DATE_FOLDER = re.compile(r"^date=(\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True)
class LakeTable:
    name: str
    schema: pa.Schema
    partition_keys: tuple[str, ...]  # ("date",) or ("date", "window")
    dates: tuple[str, ...]  # every date partition, sorted
    sample: str  # the file whose footer gave the schema


@dataclass
class LakeScan:
    tables: list[LakeTable] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # folder -> why it has no DDL

    @property
    def first_date(self) -> str | None:
        return min((table.dates[0] for table in self.tables), default=None)


def scan_lake(lake: Lake, only: Sequence[str] = ()) -> LakeScan:
    """Every table folder of the lake (or only those named), each read from one Parquet footer."""
    # Lake.location is the root as a user types it; without its s3:// it is the filesystem path.
    names = list(only) or _folders(lake.filesystem, lake.location.removeprefix("s3://"))
    scan = LakeScan()
    for name in names:
        try:
            table = _table(lake, name)
        except (OSError, pa.ArrowException, ValueError) as error:  # a name unfit for a path, a bad footer
            table = f"cannot be read: {error}"
        if isinstance(table, LakeTable):
            scan.tables.append(table)
        else:
            scan.skipped[name] = table
    return scan


def lake_table_definition(table: LakeTable, lake_location: str, first_date: str) -> TableDefinition:
    """A projected Parquet table at {lake_location}/{table}/, partitioned as its folders are."""
    location = f"{s3_folder(lake_location)}{table.name}/"
    clashes = sorted(set(table.schema.names) & set(table.partition_keys))
    if clashes:
        raise ValueError(f"{table.name}: column {', '.join(clashes)} is also a partition folder")
    projections = [date_projection(DATE_KEY, DATE_FORMAT, first_date, LAST_DATE)]
    template = f"{location}{DATE_KEY}=${{{DATE_KEY}}}/"
    if WINDOW_KEY in table.partition_keys:
        projections.append(enum_projection(WINDOW_KEY, [DAY, NIGHT]))
        template += f"{WINDOW_KEY}=${{{WINDOW_KEY}}}/"
    return TableDefinition(
        name=table.name,
        columns=columns_of(table.schema, table.name),
        partition_keys=tuple(Column(key, "string") for key in table.partition_keys),
        location=location,
        storage=PARQUET,
        properties={"classification": "parquet", **projected(template, *projections)},
        notes=(f"{table.name}: columns from {table.sample}",),
    )


def _table(lake: Lake, name: str) -> LakeTable | str:
    """The table in the folder, or why there is none."""
    path = lake.table_path(name)
    dates = sorted(
        match.group(1) for folder in _folders(lake.filesystem, path) if (match := _DATE_FOLDER.match(folder))
    )
    if not dates:
        return f"no date= partitions under {lake.uri(path)}: not written yet, or not a table"
    newest = {DATE_KEY: dates[-1]}
    candidates = [newest] + [
        {**newest, WINDOW_KEY: folder.removeprefix(f"{WINDOW_KEY}=")}
        for folder in _folders(lake.filesystem, lake.partition_path(name, newest))
        if folder.startswith(f"{WINDOW_KEY}=")
    ]
    for partition in candidates:
        files = lake.partition_files(name, partition)
        if files:
            schema = pq.read_schema(files[0], filesystem=lake.filesystem)
            logger.debug("%s: %s columns from %s", name, len(schema), lake.uri(files[0]))
            return LakeTable(name, schema, tuple(partition), tuple(dates), lake.uri(files[0]))
    return (
        f"no Parquet files in {lake.uri(lake.partition_path(name, newest))}: not written yet, or not a table"
    )


def _folders(filesystem: pafs.FileSystem, path: str) -> list[str]:
    """Names of the visible sub-folders (staging folders start with a dot)."""
    infos = filesystem.get_file_info(pafs.FileSelector(path, allow_not_found=True))
    return sorted(
        info.base_name
        for info in infos
        if info.type == pafs.FileType.Directory and not info.base_name.startswith(".")
    )
