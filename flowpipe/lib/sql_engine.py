"""Builds one SQL model for one lake partition, streaming the result into the lake; DuckDB here.

What every engine shares lives in ModelEngine: which inputs a model reads and in which order they are
registered (seeds, lake sources, upstream table models, then upstream view models as temp views of their
rendered SQL), the model's SQL rendered in the engine's dialect, the lake partition files behind each
input, and the write of the result through the lake's partition writer. An engine only says how to
register a seed, a set of Parquet files and a view, and how to stream a query's rows as Arrow batches.
On DuckDB the rows are written batch by batch, so memory holds a batch, not the table.
"""

import contextlib
import logging
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import duckdb
import pyarrow as pa

from flowpipe.lib.lake import Lake
from flowpipe.lib.lake_duckdb import register_files
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


class ModelEngine(ABC):
    """Runs the dbt-like models of one project folder against one lake, on one SQL engine.

    `build` and `describe` are the interface the assets use; a subclass names its `dialect` (what
    dbt_like_sql/macros/dialect.sql switches on) and implements the hooks below on its own session type.
    """

    dialect: ClassVar[str]

    def __init__(self, lake: Lake, sql_root: Path) -> None:
        self.lake = lake
        self.sql_root = sql_root

    @abstractmethod
    def _session(self) -> contextlib.AbstractContextManager[Any]:
        """A fresh session for one build: registered inputs never leak into the next build."""

    @abstractmethod
    def _register_seed(self, session: Any, name: str, path: Path) -> None: ...

    @abstractmethod
    def _register_files(self, session: Any, relation: str, table: str, files: list[str]) -> None:
        """A relation over lake Parquet files (paths as the lake's filesystem names them), with the
        partition columns (date, window) from their hive paths."""

    @abstractmethod
    def _register_view(self, session: Any, name: str, sql: str, chained: bool) -> None:
        """A view model as a temp view. `chained`: it reads views and other views read it, a link of a
        chain that an engine inlining views (and their CTEs) would compute again for every reference."""

    @abstractmethod
    def _stream(self, session: Any, sql: str) -> tuple[pa.Schema, Iterable[pa.RecordBatch]]:
        """The query's Arrow schema and its rows as batches, never the whole result at once."""

    @abstractmethod
    def _columns(self, session: Any, sql: str) -> list[tuple[str, str]]:
        """(column, engine type name) of the query, from planning it only."""

    def render(self, model: SqlModel, variables: Mapping[str, Any] | None = None) -> str:
        return render(model, variables, self.dialect)

    def input_files(self, table: str, partitions: Sequence[Mapping[str, str]]) -> list[str]:
        """The Parquet files of a table's partitions; every partition must have been written."""
        files = []
        for partition in partitions:
            found = self.lake.partition_files(table, partition)
            if not found:
                where = self.lake.uri(self.lake.partition_path(table, partition))
                raise MissingInputError(f"input {table} has no partition at {where}; materialize it first")
            files += found
        return files

    def prepare(
        self,
        session: Any,
        models: Mapping[str, SqlModel],
        name: str,
        inputs: Sequence[Mapping[str, str]],
        variables: Mapping[str, Any] | None = None,
    ) -> str:
        """Registers everything `name` reads from the input partitions (one window, or a date's two) and
        returns its rendered SQL, ready to run in `session`."""
        for seed, path in discover_seeds(self.sql_root).items():
            self._register_seed(session, seed, path)
        sources, tables = lake_inputs(models, name)
        for table in sorted(sources):
            self._register_files(session, source_relation(table), table, self.input_files(table, inputs))
        for table in sorted(tables):
            self._register_files(session, table, table, self.input_files(table, inputs))
        views = upstream_views(models, name)
        read_by_views = {ref for view in views for ref in models[view].refs}
        for view in views:
            chained = view in read_by_views and any(ref in views for ref in models[view].refs)
            self._register_view(session, view, self.render(models[view], variables), chained)
        return self.render(models[name], variables)

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
        with self._session() as session:
            sql = self.prepare(session, models, name, inputs or [partition], variables)
            schema, batches = self._stream(session, sql)
            with self.lake.partition_writer(output, partition, schema) as writer:
                for batch in batches:
                    writer.write(batch)
        logger.info("built %s for %s on %s: %s rows", output, dict(partition), self.dialect, writer.rows)
        return writer.rows

    def describe(
        self,
        models: Mapping[str, SqlModel],
        name: str,
        partition: Mapping[str, str],
        variables: Mapping[str, Any] | None = None,
    ) -> list[tuple[str, str]]:
        """A view model's columns and types, from planning its SQL over the partition's inputs."""
        with self._session() as session:
            return self._columns(session, self.prepare(session, models, name, [partition], variables))


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


class SqlEngine(ModelEngine):
    """DuckDB over the lake's Parquet, memory capped (it spills beyond the cap)."""

    dialect = "duckdb"

    def __init__(self, lake: Lake, sql_root: Path, settings: DuckDBSettings | None = None) -> None:
        super().__init__(lake, sql_root)
        self.settings = settings or DuckDBSettings()

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(":memory:", config=self.settings.connection_config())

    @contextlib.contextmanager
    def _session(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self.connect() as conn:
            yield conn

    def _register_seed(self, session: duckdb.DuckDBPyConnection, name: str, path: Path) -> None:
        session.read_csv(str(path), header=True).create_view(name)

    def _register_files(
        self, session: duckdb.DuckDBPyConnection, relation: str, table: str, files: list[str]
    ) -> None:
        register_files(session, self.lake, relation, files)

    def _register_view(self, session: duckdb.DuckDBPyConnection, name: str, sql: str, chained: bool) -> None:
        session.execute(f"create or replace temp view {name} as {sql}")

    def _stream(
        self, session: duckdb.DuckDBPyConnection, sql: str
    ) -> tuple[pa.Schema, Iterable[pa.RecordBatch]]:
        reader = session.sql(sql).fetch_record_batch(BATCH_ROWS)
        return reader.schema, reader

    def _columns(self, session: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[str, str]]:
        relation = session.sql(sql)
        return list(zip(relation.columns, [str(dtype) for dtype in relation.dtypes], strict=True))
