"""Extract one window of flow log records as a Spark job: one task per delivery object.

For a window too large for one machine's extraction (a day of a large account): the driver lists the
window's objects with flow_sources, exactly as extract_window does, and Spark runs one task per object
(or per few consecutive objects, when they are small: a task costs Spark tens of milliseconds). Each task
fetches its object and parses it with flowpipe's own parsers (the text parser or the Parquet delivery
reader, through extraction's per-batch step: same window filter, same rejects) into Arrow batches of
raw_schema() with the rejects alongside (output_schema()). The batches cross to the driver as
compressed Arrow IPC (spark_engine.fetch_arrow), never through Spark's row format, and the driver writes
the raw_flow_logs and raw_flow_log_rejects partitions through Lake.partition_writer, which replaces each
whole. Tasks reach S3 through boto3 as the rest of flowpipe does: no Hadoop S3 connector is needed.
`parsed_objects` gives the same batches as a Spark DataFrame, for Spark-side use.
"""

import functools
import logging
import math
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from pyspark.sql import DataFrame, SparkSession

from flowpipe.lib.extraction import extract_objects, objects_to_read, read_range
from flowpipe.lib.extraction_stats import ExtractionStats
from flowpipe.lib.flow_fields import raw_schema
from flowpipe.lib.flow_parser import REJECTS_SCHEMA, ObjectFailure
from flowpipe.lib.flow_sources import FlowLogObject, FlowLogSource, open_flow_log_source
from flowpipe.lib.lake import Lake
from flowpipe.lib.raw_landing import READS_TABLE, RECORDS_TABLE, REJECTS_TABLE
from flowpipe.lib.spark_engine import IPC_SCHEMA, fetch_arrow, ipc_blobs, spark_schema
from flowpipe.lib.windows import Window

logger = logging.getLogger(__name__)

_OBJECT_SCHEMA = "uri string, key string, size bigint, file_time bigint"
_REASON = "reason"  # set on every reject row (a line or a whole object), null on every record row


def output_schema() -> pa.Schema:
    """What a task yields: raw_schema(), then the rejects' own columns; source_uri is shared. A row with
    a reason is a reject, any other a record."""
    records = raw_schema()
    return pa.schema([*records, *(field for field in REJECTS_SCHEMA if field.name not in records.names)])


@dataclass(frozen=True)
class SparkExtraction:
    """What one window's job wrote: rows of both partitions and the objects behind them."""

    window: Window
    objects_listed: int
    objects_read: int  # of those listed (or of their every-Nth-object sample), the ones read whole
    objects_failed: int  # objects that could not be read at all, each one reject row without a line
    records: int
    rejects: int
    seconds: float

    def as_dict(self) -> dict[str, str | int | float]:
        return {
            "window": f"{self.window.date} {self.window.name}",
            "objects_listed": self.objects_listed,
            "objects_read": self.objects_read,
            "objects_failed": self.objects_failed,
            "records": self.records,
            "rejects": self.rejects,
            "seconds": round(self.seconds, 3),
        }


def parsed_objects(
    spark: SparkSession,
    location: str,
    objects: list[FlowLogObject],
    start: datetime,
    end: datetime,
    objects_per_task: int = 1,
) -> DataFrame:
    """The objects' records in [start, end) and their rejects as a DataFrame of output_schema(): one
    partition, hence one task, per object (or per `objects_per_task` consecutive objects)."""
    parse = functools.partial(_parse_objects, location, start, end)
    return _listing(spark, objects, objects_per_task).mapInArrow(parse, spark_schema(output_schema()))


def _listing(spark: SparkSession, objects: list[FlowLogObject], objects_per_task: int) -> DataFrame:
    """The objects as rows, consecutive ones sharing a partition when `objects_per_task` > 1: a task
    costs Spark tens of milliseconds, more than parsing a small delivery."""
    if objects_per_task < 1:
        raise ValueError("objects_per_task must be at least 1")
    rows = [(obj.uri, obj.key, obj.size, _epoch(obj.file_time)) for obj in objects]
    tasks = max(1, math.ceil(len(rows) / objects_per_task))
    return spark.createDataFrame(spark.sparkContext.parallelize(rows, tasks), _OBJECT_SCHEMA)


def extract_window_spark(
    spark: SparkSession,
    location: str,
    lake: Lake,
    window: Window,
    *,
    sample_minutes: int | None = None,
    sample_offset_minutes: int = 0,
    sample_every_nth_object: int | None = None,
    objects_per_task: int = 1,
) -> SparkExtraction:
    """Lists the window's objects (or its sample's), parses them on the cluster and writes the window's
    raw_flow_logs and raw_flow_log_rejects partitions, then its raw_flow_log_reads row, as land_window."""
    began = time.perf_counter()
    source = _object_source(location)
    start, end = read_range(window.start, window.end, sample_minutes, sample_offset_minutes)
    stats = ExtractionStats(
        window.start, window.end, start, end, sample_minutes, sample_offset_minutes, sample_every_nth_object
    )
    objects = objects_to_read(source, stats, logger.info)
    # The batches go to the driver's writer as Arrow IPC, never through Spark's row format and back.
    parse = functools.partial(_parsed_blobs, location, start, end)
    blobs = _listing(spark, objects, objects_per_task).mapInArrow(parse, IPC_SCHEMA)
    with (
        lake.partition_writer(RECORDS_TABLE, window.partition, raw_schema()) as records,
        lake.partition_writer(REJECTS_TABLE, window.partition, REJECTS_SCHEMA) as rejects,
    ):
        for batch in fetch_arrow(blobs):
            is_reject = pc.is_valid(batch[_REASON])
            records.write(batch.filter(pc.invert(is_reject)).select(raw_schema().names))
            rejected = batch.filter(is_reject).select(REJECTS_SCHEMA.names)
            rejects.write(rejected)
            whole_objects = rejected.filter(pc.is_null(rejected["line_number"]))
            stats.objects_failed += [
                ObjectFailure(row["source_uri"], row["reason"]) for row in whole_objects.to_pylist()
            ]
    stats.objects_read = len(objects) - len(stats.objects_failed)
    stats.records_in_window = records.rows
    stats.rejects = rejects.rows - len(stats.objects_failed)
    stats.seconds = time.perf_counter() - began
    lake.write_table(READS_TABLE, window.partition, stats.as_table())
    return SparkExtraction(
        window,
        stats.objects_listed,
        stats.objects_read,
        len(stats.objects_failed),
        records.rows,
        rejects.rows,
        stats.seconds,
    )


def _object_source(location: str) -> FlowLogSource:
    source = open_flow_log_source(location)
    if not isinstance(source, FlowLogSource):
        raise ValueError(f"{location}: the Spark job reads S3 or folder deliveries, not CloudWatch Logs")
    return source


def _parsed_blobs(
    location: str, start: datetime, end: datetime, listings: Iterator[pa.RecordBatch]
) -> Iterator[pa.RecordBatch]:
    return ipc_blobs(_parse_objects(location, start, end, listings))


def _parse_objects(
    location: str, start: datetime, end: datetime, listings: Iterator[pa.RecordBatch]
) -> Iterator[pa.RecordBatch]:
    """On an executor: fetch and parse each object of the task as extract_window does, records and
    rejects (an unreadable object is one reject) as batches of output_schema()."""
    source = _object_source(location)
    schema = output_schema()
    for listing in listings:
        for row in listing.to_pylist():
            obj = FlowLogObject(row["uri"], row["key"], row["size"], _time(row["file_time"]))
            stats = ExtractionStats(start, end, start, end)
            with tempfile.TemporaryDirectory(prefix="flowpipe-spark-extract-") as scratch:
                extracted = extract_objects(source, [obj], stats, Path(scratch))
            yield from _as_output(extracted.records, schema)
            failures = stats.failed_objects_as_rejects()
            yield from _as_output(pa.concat_tables([extracted.rejects, failures]), schema)


def _as_output(table: pa.Table, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    """Records or rejects as batches of `schema`, the other kind's columns null; dictionary columns
    decoded, as Spark has no dictionary type."""
    if table.num_rows == 0:
        return
    columns = []
    for field in schema:
        plain = field.type.value_type if pa.types.is_dictionary(field.type) else field.type
        if field.name in table.column_names:
            columns.append(table[field.name].cast(plain))
        else:
            columns.append(pa.nulls(table.num_rows, plain))
    names = schema.names
    yield from pa.Table.from_arrays(columns, names=names).combine_chunks().to_batches()


def _epoch(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp())


def _time(epoch: int | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC)
