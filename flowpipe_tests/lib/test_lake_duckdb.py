"""register_files gives DuckDB a view over partition files with their hive columns, on disk and on S3."""

import boto3
import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flowpipe.lib.lake import Lake
from flowpipe.lib.lake_duckdb import register_files

BUCKET = "flowpipe-test-lake"
DAY = {"date": "2026-03-14", "window": "day"}
NIGHT = {"date": "2026-03-14", "window": "night"}


@pytest.fixture(params=["local", "s3"])
def lake(request, tmp_path) -> Lake:
    if request.param == "local":
        return Lake(str(tmp_path / "lake"))
    request.getfixturevalue("aws")
    boto3.client("s3").create_bucket(Bucket=BUCKET)
    return Lake(f"s3://{BUCKET}/lake")


def _bytes(values: list[int]) -> pa.Table:
    return pa.table({"bytes": pa.array(values, pa.int64())})


def test_the_view_holds_the_files_rows_with_their_hive_columns(lake):
    lake.write_table("conversations", DAY, _bytes([4]))
    lake.write_table("conversations", NIGHT, _bytes([1, 2]))
    lake.write_table("conversations", {"date": "2026-03-15", "window": "day"}, _bytes([99]))
    files = lake.partition_files("conversations", DAY) + lake.partition_files("conversations", NIGHT)
    with duckdb.connect(":memory:") as conn:
        register_files(conn, lake, "seen", files)
        rows = conn.sql('select date, "window", bytes from seen order by all').fetchall()
    assert rows == [("2026-03-14", "day", 4), ("2026-03-14", "night", 1), ("2026-03-14", "night", 2)]


def test_a_partition_of_part_files_is_one_view_of_all_their_rows(lake):
    """Partitions written before a partition was one file hold part-NNNNN files."""
    folder = lake.partition_path("conversations", DAY)
    lake.filesystem.create_dir(folder)
    for number, values in enumerate([[1, 2], [3]]):
        pq.write_table(_bytes(values), f"{folder}/part-{number:05d}.parquet", filesystem=lake.filesystem)
    files = lake.partition_files("conversations", DAY)
    with duckdb.connect(":memory:") as conn:
        register_files(conn, lake, "parts", files)
        rows = conn.sql('select "window", sum(bytes), count(*) from parts group by all').fetchall()
    assert len(files) == 2
    assert rows == [("day", 6, 3)]


def test_hive_columns_are_the_text_the_lake_wrote_on_disk_and_on_s3(lake):
    """Left to guess, DuckDB read a date as DATE on disk and Arrow "07" as the number 7 on S3."""
    partition = {"date": "2026-03-14", "hour": "07"}
    lake.write_table("t", partition, _bytes([1]))
    with duckdb.connect(":memory:") as conn:
        register_files(conn, lake, "t", lake.partition_files("t", partition))
        assert conn.sql("select date, hour from t").fetchall() == [("2026-03-14", "07")]
