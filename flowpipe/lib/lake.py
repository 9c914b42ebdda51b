"""The lake: Hive-partitioned, zstd Parquet tables under one root, a local folder or s3://bucket/prefix.

A partition is one Parquet file, `{table}/{column}={value}/.../data.parquet`, replaced whole: on disk it
is staged in the lake's hidden `.staging` folder and renamed into place, on S3 it is one upload that
appears when it completes. So a reader sees the old partition or the new one, a failed or killed write
leaves the old one, and two writers of one partition leave one of their results, not a mix.
"""

import contextlib
import datetime
import logging
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq
from botocore.client import BaseClient

from flowpipe.lib import lake_s3
from flowpipe.lib.lake_local import StagedFile, sweep_staging
from flowpipe.lib.lake_sink import LakeWriteError, PartitionSink

logger = logging.getLogger(__name__)

COMPRESSION = "zstd"
DATA_FILE = "data.parquet"
STAGING_FOLDER = ".staging"
# an unfinished upload this old has no live writer left (a partition takes minutes to write)
STALE_UPLOAD_AGE = datetime.timedelta(days=1)
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.:\-]*$")


def _checked(name: str, what: str) -> str:
    """Table names and partition values become path segments: refuse anything that could leave the lake."""
    if not _SAFE_NAME.match(name) or ".." in name:
        raise ValueError(f"unsafe {what} for a lake path: {name!r}")
    return name


def _columns_with_statistics(schema: pa.Schema) -> list[str]:
    """Columns that get min/max statistics: all but text. A string's min/max costs about a tenth of
    writing raw_flow_logs and prunes nothing a query asks (addresses and ids are in no useful order);
    numbers and times are cheap and let readers skip row groups by start, end, port or bytes."""
    text = (pa.types.is_string, pa.types.is_large_string, pa.types.is_binary, pa.types.is_dictionary)
    return [field.name for field in schema if not any(is_text(field.type) for is_text in text)]


def _hive_keys(files: Sequence[str]) -> list[str]:
    """The partition columns named in a partition file's folders (`.../date=.../window=.../x.parquet`)."""
    folders = files[0].split("/")[:-1] if files else []
    return [folder.split("=", 1)[0] for folder in folders if "=" in folder]


def _is_data_file(name: str) -> bool:
    """Hidden and underscore names (staging, markers) are never data, as in Hive, Athena and Spark."""
    return name.endswith(".parquet") and not name.startswith((".", "_"))


class PartitionWriter:
    """Streams tables or record batches into one partition's Parquet file, row group by row group."""

    def __init__(self, sink: PartitionSink, schema: pa.Schema, where: str) -> None:
        self.schema = schema
        self.where = where
        self.rows = 0
        self._sink = sink
        try:
            self._writer = pq.ParquetWriter(
                sink, schema, compression=COMPRESSION, write_statistics=_columns_with_statistics(schema)
            )
        except BaseException:
            sink.discard()
            raise

    def write(self, data: pa.Table | pa.RecordBatch) -> None:
        if data.num_rows == 0:
            return
        table = data if isinstance(data, pa.Table) else pa.Table.from_batches([data])
        with self._io_errors():
            self._writer.write_table(table.select(self.schema.names).cast(self.schema))
        self.rows += data.num_rows

    def _publish(self) -> None:
        """Writes the footer and makes the file visible; an empty partition still has its schema."""
        with self._io_errors():
            self._writer.close()
            self._sink.publish()

    def _discard(self) -> None:
        """Throws the file away; a failure to clean up is logged, so the error that led here propagates."""
        try:
            self._sink.discard()
        except LakeWriteError as error:
            logger.warning("%s (the partition was not replaced)", error)
        # the footer goes nowhere now; a writer broken by the failure may refuse even that
        with contextlib.suppress(OSError, pa.ArrowException):
            self._writer.close()

    def _io_errors(self) -> contextlib.AbstractContextManager[None]:
        return _naming_the_partition(self.where)


@contextlib.contextmanager
def _naming_the_partition(where: str) -> Iterator[None]:
    """OS errors (a full disk, ...) become LakeWriteError with the errno and the partition's path."""
    try:
        yield
    except LakeWriteError:
        raise
    except OSError as error:
        if error.errno is None:
            raise LakeWriteError(f"writing {where} failed: {error}") from error
        raise LakeWriteError(error.errno, f"writing the partition failed: {error.strerror}", where) from error


class Lake:
    """A local folder (default) or an s3:// location holding the lake tables."""

    def __init__(self, root: str) -> None:
        self.root = root
        self._s3: BaseClient | None = None
        if root.startswith("s3://"):
            self._base = _s3_base(root)
            self.filesystem, self._s3 = lake_s3.connect()
        else:
            path = Path(root).expanduser().resolve()
            path.mkdir(parents=True, exist_ok=True)
            self.filesystem = pafs.LocalFileSystem()
            self._base = path.as_posix()
        self._staging_dir = f"{self._base}/{STAGING_FOLDER}"

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
        return f"s3://{path}" if self._s3 is not None else path

    def partition_files(self, table: str, partition: Mapping[str, str]) -> list[str]:
        """The Parquet files of one partition (empty if it was never written): its data.parquet, or the
        part files of a partition written before partitions were one file."""
        folder = self.partition_path(table, partition)
        infos = self.filesystem.get_file_info(pafs.FileSelector(folder, allow_not_found=True))
        files = sorted(info.path for info in infos if info.is_file and _is_data_file(info.base_name))
        current = f"{folder}/{DATA_FILE}"
        return [current] if current in files else files

    def read_partition(self, table: str, partition: Mapping[str, str]) -> pa.Table:
        files = self.partition_files(table, partition)
        if not files:
            raise FileNotFoundError(f"{self.uri(self.partition_path(table, partition))} has not been written")
        if self._s3 is not None:
            return pa.concat_tables(lake_s3.read_object(self._s3, path) for path in files)
        return pa.concat_tables(_read_local_file(self.filesystem, path) for path in files)

    def dataset(self, files: Sequence[str]) -> ds.Dataset:
        """Partition files (from partition_files) as one Arrow dataset with their hive columns, on disk or
        on S3: DuckDB scans it after `conn.register(name, dataset)` (it has no S3 reader of its own here).
        The hive columns are text, as written: inferred, "07" would read as 7."""
        partitioning = ds.partitioning(
            pa.schema([(key, pa.string()) for key in _hive_keys(files)]), flavor="hive"
        )
        return ds.dataset(
            list(files), filesystem=self.filesystem, format="parquet", partitioning=partitioning
        )

    @contextlib.contextmanager
    def partition_writer(
        self, table: str, partition: Mapping[str, str], schema: pa.Schema
    ) -> Iterator[PartitionWriter]:
        """Write a partition whole: on success it replaces the old one, on error nothing changes."""
        folder = self.partition_path(table, partition)
        target = f"{folder}/{DATA_FILE}"
        with _naming_the_partition(self.uri(folder)):
            sink = self._open_sink(table, target)
        writer = PartitionWriter(sink, schema, self.uri(folder))
        try:
            yield writer
            writer._publish()
        except BaseException:
            writer._discard()
            raise
        self._remove_older_files(folder, keep=target)
        logger.info("wrote %s rows to %s", writer.rows, self.uri(target))

    def write_table(self, table: str, partition: Mapping[str, str], data: pa.Table) -> int:
        with self.partition_writer(table, partition, data.schema) as writer:
            writer.write(data)
        return writer.rows

    def abort_stale_uploads(self, table: str, older_than: datetime.timedelta = STALE_UPLOAD_AGE) -> int:
        """S3: aborts the table's unfinished partition uploads older than older_than (left by writers that
        were killed) and returns how many. Readers never see them; aborting stops S3 billing their parts. A
        bucket lifecycle rule (AbortIncompleteMultipartUpload) does the same without a call."""
        if self._s3 is None:
            return 0
        return lake_s3.abort_stale_uploads(self._s3, f"{self.table_path(table)}/", older_than)

    def _open_sink(self, table: str, target: str) -> PartitionSink:
        if self._s3 is None:
            sweep_staging(self._staging_dir)
            return StagedFile(self._staging_dir, table, target)
        return lake_s3.S3Upload(self._s3, target)

    def _remove_older_files(self, folder: str, keep: str) -> None:
        """Part files of a partition written before partitions were one file; readers already skip them."""
        infos = self.filesystem.get_file_info(pafs.FileSelector(folder, allow_not_found=True))
        for info in infos:
            if info.is_file and _is_data_file(info.base_name) and info.path != keep:
                self._delete(info.path)
                logger.info("removed %s, replaced by %s", self.uri(info.path), DATA_FILE)

    def _delete(self, path: str) -> None:
        if self._s3 is None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
            return
        # pyarrow's delete_file would leave a "folder/" marker object behind
        bucket, key = lake_s3.split_path(path)
        self._s3.delete_object(Bucket=bucket, Key=key)


def _s3_base(root: str) -> str:
    """bucket/prefix from s3://bucket/prefix; the endpoint and credentials come from the AWS settings."""
    location = root.removeprefix("s3://").strip("/")
    if "?" in location:
        raise ValueError(f"{root}: give s3://bucket/prefix; set AWS_ENDPOINT_URL for another endpoint")
    if not location or any(segment in ("", ".", "..") for segment in location.split("/")):
        raise ValueError(f"unsafe lake root: {root!r}")
    return location


def _read_local_file(filesystem: pafs.FileSystem, path: str) -> pa.Table:
    """Footer and pages through one open handle: a writer may rename a new data.parquet over the path
    between two opens, and pages read from the new file against the old footer are garbage."""
    with filesystem.open_input_file(path) as handle:
        return pq.read_table(handle)
