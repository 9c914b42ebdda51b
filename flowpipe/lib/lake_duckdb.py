"""Lake partitions as DuckDB views, on disk or on S3 (DuckDB has no S3 reader of its own here)."""

from collections.abc import Sequence

import duckdb
import pyarrow.fs as pafs

from flowpipe.lib.lake import Lake


def register_files(conn: duckdb.DuckDBPyConnection, lake: Lake, name: str, files: Sequence[str]) -> None:
    """A view `name` over partition files (from Lake.partition_files), with their hive columns (date,
    window): DuckDB's own Parquet reader for a local lake, Arrow's dataset over the lake's S3 filesystem
    otherwise."""
    if isinstance(lake.filesystem, pafs.LocalFileSystem):
        conn.read_parquet(list(files), hive_partitioning=True).create_view(name)
    else:
        conn.register(name, lake.dataset(files))
