"""The lake: Hive-partitioned, zstd Parquet tables under one root, written a whole partition at a time.

A partition is written into a hidden staging folder beside the table and then moved into place, so a
reader sees the old partition or the new one, and a failed run leaves the old one untouched.
"""

import contextlib
import logging
import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

logger = logging.getLogger(__name__)

COMPRESSION = "zstd"
ROWS_PER_FILE = 5_000_000
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.:\-]*$")


def _checked(name: str, what: str) -> str:
    """Table names and partition values become path segments: refuse anything that could leave the lake."""
    if not _SAFE_NAME.match(name) or ".." in name:
        raise ValueError(f"unsafe {what} for a lake path: {name!r}")
    return name


@dataclass
class PartitionWriter:
    """Streams record batches into the staging folder of one partition; rolls files every ROWS_PER_FILE."""

    filesystem: pafs.FileSystem
    staging_path: str
    schema: pa.Schema
    rows: int = 0
    files: list[str] = field(default_factory=list)
    _writer: pq.ParquetWriter | None = None
    _rows_in_file: int = 0

    def write(self, data: pa.Table | pa.RecordBatch) -> None:
        if data.num_rows == 0:
            return
        if self._writer is None or self._rows_in_file >= ROWS_PER_FILE:
            self._open_next_file()
        table = data if isinstance(data, pa.Table) else pa.Table.from_batches([data])
        self._writer.write_table(table.select(self.schema.names).cast(self.schema))
        self.rows += data.num_rows
        self._rows_in_file += data.num_rows

    def _open_next_file(self) -> None:
        self.close()
        path = f"{self.staging_path}/part-{len(self.files):05d}.parquet"
        self._writer = pq.ParquetWriter(
            path, self.schema, compression=COMPRESSION, filesystem=self.filesystem
        )
        self.files.append(path)
        self._rows_in_file = 0

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def finish(self) -> None:
        """An empty partition still gets one file, so readers see the schema and 'ran, found nothing'."""
        if not self.files:
            self._open_next_file()
        self.close()


class Lake:
    """A local folder (default) or an s3:// location holding the lake tables."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.filesystem, self._base = _filesystem_for(root)

    @property
    def location(self) -> str:
        """The lake's root as a user would type it."""
        return self.uri(self._base)

    def table_path(self, table: str) -> str:
        return f"{self._base}/{_checked(table, 'table name')}"

    def partition_path(self, table: str, partition: Mapping[str, str]) -> str:
        segments = [
            f"{_checked(key, 'partition column')}={_checked(value, 'partition value')}"
            for key, value in partition.items()
        ]
        return "/".join([self.table_path(table), *segments])

    def uri(self, path: str) -> str:
        """A path inside the lake as a user would type it (s3://... or a local path)."""
        return f"s3://{path}" if self.root.startswith("s3://") else path

    def partition_files(self, table: str, partition: Mapping[str, str]) -> list[str]:
        """The Parquet files of one partition (empty if it was never written)."""
        selector = pafs.FileSelector(self.partition_path(table, partition), allow_not_found=True)
        infos = self.filesystem.get_file_info(selector)
        return sorted(info.path for info in infos if info.is_file and info.path.endswith(".parquet"))

    def read_partition(self, table: str, partition: Mapping[str, str]) -> pa.Table:
        files = self.partition_files(table, partition)
        if not files:
            raise FileNotFoundError(f"{self.uri(self.partition_path(table, partition))} has not been written")
        return pa.concat_tables(pq.read_table(path, filesystem=self.filesystem) for path in files)

    @contextlib.contextmanager
    def partition_writer(
        self, table: str, partition: Mapping[str, str], schema: pa.Schema
    ) -> Iterator[PartitionWriter]:
        """Write a partition whole: on success it replaces the old one, on error nothing changes."""
        target = self.partition_path(table, partition)
        staging = f"{self.table_path(table)}/.staging-{uuid.uuid4().hex}"
        self.filesystem.create_dir(staging, recursive=True)
        writer = PartitionWriter(self.filesystem, staging, schema)
        try:
            yield writer
            writer.finish()
        except BaseException:
            writer.close()
            self.filesystem.delete_dir(staging)
            raise
        self._swap_into_place(staging, target)
        logger.info("wrote %s rows to %s", writer.rows, self.uri(target))

    def write_table(self, table: str, partition: Mapping[str, str], data: pa.Table) -> int:
        with self.partition_writer(table, partition, data.schema) as writer:
            writer.write(data)
        return writer.rows

    def _swap_into_place(self, staging: str, target: str) -> None:
        parent = target.rsplit("/", 1)[0]
        self.filesystem.create_dir(parent, recursive=True)
        retired = f"{staging}-retired"
        if self.filesystem.get_file_info(target).type != pafs.FileType.NotFound:
            self.filesystem.move(target, retired)
        self.filesystem.move(staging, target)
        if self.filesystem.get_file_info(retired).type != pafs.FileType.NotFound:
            self.filesystem.delete_dir(retired)


def _filesystem_for(root: str) -> tuple[pafs.FileSystem, str]:
    if root.startswith("s3://"):
        filesystem, path = pafs.FileSystem.from_uri(root)
        return filesystem, path.rstrip("/")
    path = Path(root).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return pafs.LocalFileSystem(), path.as_posix()
