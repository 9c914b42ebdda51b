"""Lake partitions as DuckDB views, on disk or on S3 (DuckDB has no S3 reader of its own here)."""

from collections.abc import Sequence

import duckdb
import pyarrow.fs as pafs

from flowpipe.lib.lake import Lake


def register_files(conn: duckdb.DuckDBPyConnection, lake: Lake, name: str, files: Sequence[str]) -> None:
    """A view `name` over partition files (from Lake.partition_files), with their hive columns (date,
    window) as text, as the lake writes them: DuckDB's own Parquet reader for a local lake, Arrow's dataset
    over the lake's S3 filesystem otherwise. (Left to guess, DuckDB reads a date as DATE and Arrow "07" as
    7, so the same query would give other types on another lake.)"""
    if isinstance(lake.filesystem, pafs.LocalFileSystem):
        # read_parquet() of the Python API does not take hive_types_autocast; the SQL function does
        query = "select * from read_parquet($files, hive_partitioning = true, hive_types_autocast = false)"
        conn.sql(query, params={"files": list(files)}).create_view(name)
    else:
        conn.register(name, lake.dataset(files))
