"""Builds one SQL model for one lake partition on DuckDB, streaming the result into the lake.

Inputs are registered as views over the partition's Parquet files (lake sources and upstream table
models), seeds over their CSV files, and upstream view models as temp views of their rendered SQL; then the
model's own SQL runs and its rows are written batch by batch, so memory holds a batch, not the table.
"""

import logging
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.dataset as ds
import pyarrow.fs as pafs

from flowpipe.lib.lake import Lake
from flowpipe.lib.sql_models import (
    SqlModel,
    discover_seeds,
    lake_inputs,
    render,
    source_relation,
    upstream_views,
)

logger = logging.getLogger(__name__)

BATCH_ROWS = 1_000_000
# benchmarks/README.md: conversations of a 10M-record window finished by spilling at 1GB and 2GB and ran
# out of memory at 3GB and 4GB on the 2-core, 24 GiB machine; 2GB is the largest limit that finished.
DEFAULT_MEMORY_LIMIT = "2GB"


class MissingInputError(RuntimeError):
    """A model's input partition has not been materialized yet."""


@dataclass(frozen=True)
class DuckDBSettings:
    memory_limit: str = DEFAULT_MEMORY_LIMIT
    threads: int | None = None
    temp_directory: str | None = None

    def connection_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {
            "memory_limit": self.memory_limit,
            "preserve_insertion_order": False,
            # spill files go to the system's temp folder, never into the user's working directory
            "temp_directory": self.temp_directory or str(Path(tempfile.gettempdir()) / "flowpipe-duckdb"),
        }
        if self.threads:
            config["threads"] = self.threads
        return config


class SqlEngine:
    """Runs the dbt-like models of one project folder against one lake."""

    def __init__(self, lake: Lake, sql_root: Path, settings: DuckDBSettings | None = None) -> None:
        self.lake = lake
        self.sql_root = sql_root
        self.settings = settings or DuckDBSettings()

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(":memory:", config=self.settings.connection_config())

    def prepare(
        self,
        conn: duckdb.DuckDBPyConnection,
        models: Mapping[str, SqlModel],
        name: str,
        inputs: Sequence[Mapping[str, str]],
        variables: Mapping[str, Any] | None = None,
    ) -> str:
        """Registers everything `name` reads from the input partitions (one window, or a date's two) and
        returns its rendered SQL, ready to run on `conn`."""
        for seed, path in discover_seeds(self.sql_root).items():
            conn.read_csv(str(path), header=True).create_view(seed)
        sources, tables = lake_inputs(models, name)
        for table in sorted(sources):
            self._register_partitions(conn, table, source_relation(table), inputs)
        for table in sorted(tables):
            self._register_partitions(conn, table, table, inputs)
        for view in upstream_views(models, name):
            conn.execute(f"create or replace temp view {view} as {render(models[view], variables)}")
        return render(models[name], variables)

    def _register_partitions(
        self,
        conn: duckdb.DuckDBPyConnection,
        table: str,
        relation: str,
        partitions: Sequence[Mapping[str, str]],
    ) -> None:
        """A view over the partitions' files; the rows carry their partition columns (date, window)."""
        files = []
        for partition in partitions:
            found = self.lake.partition_files(table, partition)
            if not found:
                where = self.lake.uri(self.lake.partition_path(table, partition))
                raise MissingInputError(f"input {table} has no partition at {where}; materialize it first")
            files += found
        if isinstance(self.lake.filesystem, pafs.LocalFileSystem):
            conn.read_parquet(files, hive_partitioning=True).create_view(relation)
        else:
            # DuckDB has no S3 access of its own here (no httpfs); Arrow reads the objects for it.
            dataset = ds.dataset(
                files, filesystem=self.lake.filesystem, format="parquet", partitioning="hive"
            )
            conn.register(relation, dataset)

    def build(
        self,
        models: Mapping[str, SqlModel],
        name: str,
        partition: Mapping[str, str],
        variables: Mapping[str, Any] | None = None,
        *,
        inputs: Sequence[Mapping[str, str]] | None = None,
        table: str | None = None,
    ) -> int:
        """Materializes a table model's partition in the lake and returns its row count. By default it
        reads the same partition it writes; a daily build reads the date's windows (`inputs`) and writes
        `table` (daily_<model>)."""
        output = table or name
        with self.connect() as conn:
            sql = self.prepare(conn, models, name, inputs or [partition], variables)
            reader = conn.sql(sql).fetch_record_batch(BATCH_ROWS)
            with self.lake.partition_writer(output, partition, reader.schema) as writer:
                for batch in reader:
                    writer.write(batch)
        logger.info("built %s for %s: %s rows", output, dict(partition), writer.rows)
        return writer.rows

    def describe(
        self,
        models: Mapping[str, SqlModel],
        name: str,
        partition: Mapping[str, str],
        variables: Mapping[str, Any] | None = None,
    ) -> list[tuple[str, str]]:
        """A view model's columns and types, from planning its SQL over the partition's inputs."""
        with self.connect() as conn:
            sql = self.prepare(conn, models, name, [partition], variables)
            relation = conn.sql(sql)
            return list(zip(relation.columns, [str(dtype) for dtype in relation.dtypes], strict=True))
