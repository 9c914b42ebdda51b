"""Builds the dbt-like SQL models on Spark SQL, reading and writing the same lake as the DuckDB engine.

Everything but the engine calls is ModelEngine's (sql_engine.py): the same inputs in the same order, the
models rendered with dialect='spark', the same partition writer. The Parquet files must not depend on
the engine that wrote them, so the result's Arrow schema is Spark's schema with every column nullable
(as DuckDB's is) and seeds are typed by DuckDB's CSV reader on both engines.

Rows reach the lake through the driver, where Lake.partition_writer replaces the partition atomically:
each Spark partition of the result becomes lz4-compressed Arrow IPC on its executor (mapInArrow), and
the driver fetches a few partitions per job, so the last stage still runs in parallel while the driver
holds those partitions, never the table. Rollups are small; conversations, the one large table, is
encoded by the driver's one Parquet writer, the price of the lake's atomic replace.
"""

import contextlib
import os
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.pandas.types import from_arrow_schema, to_arrow_schema

from flowpipe.lib.lake import Lake
from flowpipe.lib.settings import DEFAULT_SPARK_S3_SCHEME
from flowpipe.lib.sql_engine import ModelEngine

_IPC_COLUMN = "arrow_ipc"
IPC_SCHEMA = f"{_IPC_COLUMN} binary"
_IPC_OPTIONS = pa.ipc.IpcWriteOptions(compression="lz4")


class SparkEngine(ModelEngine):
    """Spark SQL over the lake's Parquet; each build runs in its own SparkSession (newSession), so
    temp views of one build never meet another's."""

    dialect = "spark"

    def __init__(
        self, lake: Lake, sql_root: Path, spark: SparkSession, s3_scheme: str = DEFAULT_SPARK_S3_SCHEME
    ) -> None:
        super().__init__(lake, sql_root)
        self.spark = spark
        self.s3_scheme = s3_scheme

    def spark_path(self, path: str) -> str:
        """A path of the lake's filesystem as Spark names it: local as is, S3 through `s3_scheme`."""
        uri = self.lake.uri(path)
        return f"{self.s3_scheme}://{uri.removeprefix('s3://')}" if uri.startswith("s3://") else uri

    @contextlib.contextmanager
    def _session(self) -> Iterator["_Build"]:
        build = _Build(self.spark.newSession())
        try:
            yield build
        finally:
            for frame in build.persisted:
                frame.unpersist()

    def _register_seed(self, session: "_Build", name: str, path: Path) -> None:
        # Read on the driver: a cluster's executors cannot see the driver's copy of dbt_like_sql/.
        with duckdb.connect(":memory:") as conn:
            seed = conn.read_csv(str(path), header=True).to_arrow_table()
        session.spark.createDataFrame(seed).createOrReplaceTempView(name)

    def _register_files(self, session: "_Build", relation: str, table: str, files: list[str]) -> None:
        base = self.spark_path(self.lake.table_path(table))
        reader = session.spark.read.option("basePath", base)
        reader.parquet(*[self.spark_path(file) for file in files]).createOrReplaceTempView(relation)

    def _register_view(self, session: "_Build", name: str, sql: str, chained: bool) -> None:
        frame = session.spark.sql(sql)
        if chained:
            # Spark inlines views and CTEs: int_flows_oriented reads int_flows_deduplicated in several
            # CTEs, each a recomputation of the window's deduplication unless its rows are kept.
            frame = frame.persist(StorageLevel.MEMORY_AND_DISK)
            session.persisted.append(frame)
        frame.createOrReplaceTempView(name)

    def _stream(self, session: "_Build", sql: str) -> tuple[pa.Schema, Iterable[pa.RecordBatch]]:
        frame = session.spark.sql(sql)
        return arrow_schema(frame), arrow_batches(frame)

    def _columns(self, session: "_Build", sql: str) -> list[tuple[str, str]]:
        return [(field.name, field.dataType.simpleString()) for field in session.spark.sql(sql).schema.fields]


@dataclass
class _Build:
    """One build's session and the frames it persisted, unpersisted when the build ends (Spark's cache
    is shared by every session of the application)."""

    spark: SparkSession
    persisted: list[DataFrame] = field(default_factory=list)


def arrow_schema(frame: DataFrame) -> pa.Schema:
    """The frame's columns as Arrow types, all nullable, as DuckDB reports them: a Parquet file's
    schema must not depend on the engine that wrote it."""
    schema = to_arrow_schema(frame.schema)
    return pa.schema([field.with_nullable(True) for field in schema])


def spark_schema(schema: pa.Schema) -> str:
    """An Arrow schema as mapInArrow's output schema; dictionary columns as their values (Spark has no
    dictionary type: the lake's writer encodes them again)."""
    plain = [
        field.with_type(field.type.value_type) if pa.types.is_dictionary(field.type) else field
        for field in schema
    ]
    return from_arrow_schema(pa.schema(plain)).simpleString()


def arrow_batches(frame: DataFrame, partitions_per_fetch: int | None = None) -> Iterator[pa.RecordBatch]:
    """The frame's rows on the driver as Arrow batches, in bounded memory (see fetch_arrow)."""
    return fetch_arrow(frame.mapInArrow(ipc_blobs, IPC_SCHEMA), partitions_per_fetch)


def fetch_arrow(blobs: DataFrame, partitions_per_fetch: int | None = None) -> Iterator[pa.RecordBatch]:
    """The Arrow batches of a frame of IPC_SCHEMA (ipc_blobs' rows) on the driver. The driver fetches
    `partitions_per_fetch` partitions per job (default: the cluster's parallelism), so the last stage
    still runs in parallel while the driver holds only those partitions' blobs, never the table.
    (toLocalIterator would run the last stage one partition at a time.)
    """
    rows = blobs.rdd
    context = rows.context
    step = max(1, partitions_per_fetch or context.defaultParallelism)
    partitions = rows.getNumPartitions()
    for first in range(0, partitions, step):
        for row in context.runJob(rows, list, range(first, min(first + step, partitions))):
            with pa.ipc.open_stream(row[_IPC_COLUMN]) as reader:
                yield from reader


def ipc_blobs(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """On an executor (mapInArrow to IPC_SCHEMA): each non-empty batch as one row holding its
    lz4-compressed Arrow IPC stream, so Arrow data crosses to the driver without Spark's row format."""
    for batch in batches:
        if batch.num_rows == 0:
            continue
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, batch.schema, options=_IPC_OPTIONS) as writer:
            writer.write_batch(batch)
        blob = sink.getvalue()
        offsets = pa.array([0, blob.size], pa.int32()).buffers()[1]
        column = pa.Array.from_buffers(pa.binary(), 1, [None, offsets, blob])
        yield pa.RecordBatch.from_arrays([column], [_IPC_COLUMN])


def spark_session(config: Mapping[str, str]) -> SparkSession:
    """A SparkSession with `config` (settings.Settings.spark_config); a local master runs its Python
    workers on this interpreter, which has flowpipe and pyarrow (PYSPARK_PYTHON, when unset)."""
    if config.get("spark.master", "").startswith("local"):
        use_this_python_for_local_workers()
    builder = SparkSession.builder
    for key, value in config.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def use_this_python_for_local_workers() -> None:
    """Local Spark starts Python workers with $PYSPARK_PYTHON, else `python3` on the PATH, which need not
    be this virtualenv's; only for local masters: a cluster's executors have their own interpreter."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
