"""Lake tables as Athena tables: columns from Parquet footers, partition keys and projection from folders."""

from pathlib import Path

import boto3
import pyarrow as pa
import pytest

from flowpipe.lib.address_book import ADDRESS_BOOK_SCHEMA
from flowpipe.lib.athena_ddl import PARQUET, Column
from flowpipe.lib.athena_lake import lake_table_definition, scan_lake
from flowpipe.lib.flow_fields import raw_schema
from flowpipe.lib.inventory_schemas import TABLE_COLUMNS
from flowpipe.lib.lake import Lake
from flowpipe_tests.representative_lake import (
    write_representative_lake,
)


@pytest.fixture(scope="module")
def lake(tmp_path_factory) -> Lake:
    return write_representative_lake(str(tmp_path_factory.mktemp("athena") / "lake"))


def test_every_written_table_is_found_with_its_partition_folders(lake):
    scan = scan_lake(lake)
    keys = {table.name: table.partition_keys for table in scan.tables}
    assert keys["raw_flow_logs"] == ("date", "window")
    assert keys["inventory_instances"] == ("date", "window")
    assert keys["daily_top_talkers"] == ("date",)
    assert set(keys) == {"raw_flow_logs", "raw_flow_log_rejects", "address_book", "daily_top_talkers"} | {
        "daily_types",
        *TABLE_COLUMNS,
    }
    assert scan.first_date == "2026-03-13"


def test_folders_without_parquet_files_get_no_ddl_and_say_why(lake):
    scan = scan_lake(lake)
    assert set(scan.skipped) == {"reports", "unfinished"}
    assert "no Parquet files in" in scan.skipped["reports"]
    assert "not written yet, or not a table" in scan.skipped["unfinished"]


def test_a_named_table_that_was_never_written_is_skipped_not_guessed(lake):
    scan = scan_lake(lake, ["top_talkers", "address_book"])
    assert [table.name for table in scan.tables] == ["address_book"]
    assert "no date= partitions under" in scan.skipped["top_talkers"]


def test_columns_come_from_the_files_as_written(lake):
    (raw,) = scan_lake(lake, ["raw_flow_logs"]).tables
    definition = lake_table_definition(raw, "s3://bucket/lake", "2026-03-13")
    types = {column.name: column.type for column in definition.columns}
    assert list(types) == raw_schema().names
    assert types["version"] == "int" and types["protocol"] == "bigint" and types["end"] == "bigint"
    assert types["extra_fields"] == "map<string,string>"
    assert types["source_uri"] == "string"
    (other,) = scan_lake(lake, ["daily_types"]).tables
    types = {
        column.name: column.type for column in lake_table_definition(other, "s3://b/l", "2026-03-13").columns
    }
    assert types == {
        "amount": "decimal(38,0)",
        "share": "double",
        "ports": "array<string>",
        "first_day": "date",
        "seen": "timestamp",
        "probe": "struct<port:int,name:string>",
    }


def test_window_tables_project_date_and_window_over_the_lake_layout(lake):
    (raw,) = scan_lake(lake, ["raw_flow_logs"]).tables
    definition = lake_table_definition(raw, "s3://bucket/lake/", "2026-03-13")
    assert definition.location == "s3://bucket/lake/raw_flow_logs/"
    assert definition.storage == PARQUET
    assert definition.partition_keys == (Column("date", "string"), Column("window", "string"))
    assert definition.properties == {
        "classification": "parquet",
        "projection.enabled": "true",
        "projection.date.type": "date",
        "projection.date.format": "yyyy-MM-dd",
        "projection.date.range": "2026-03-13,NOW+1DAYS",
        "projection.date.interval": "1",
        "projection.date.interval.unit": "DAYS",
        "projection.window.type": "enum",
        "projection.window.values": "day,night",
        "storage.location.template": "s3://bucket/lake/raw_flow_logs/date=${date}/window=${window}/",
    }


def test_the_projection_template_names_the_folders_the_lake_writes(lake):
    """Filled in with a partition's values, the template is that partition's folder (as an S3 URI)."""
    (raw,) = scan_lake(lake, ["raw_flow_logs"]).tables
    template = lake_table_definition(raw, "s3://bucket/lake", "2026-03-13").properties[
        "storage.location.template"
    ]
    partition = {"date": "2026-03-14", "window": "night"}
    filled = template.replace("${date}", partition["date"]).replace("${window}", partition["window"])
    folder = lake.partition_path("raw_flow_logs", partition).removeprefix(lake.location)
    assert filled == f"s3://bucket/lake{folder}/"


def test_date_tables_project_only_the_date(lake):
    (daily,) = scan_lake(lake, ["daily_top_talkers"]).tables
    definition = lake_table_definition(daily, "s3://bucket/lake", "2026-03-13")
    assert definition.partition_keys == (Column("date", "string"),)
    assert not any(key.startswith("projection.window") for key in definition.properties)
    assert definition.properties["storage.location.template"] == (
        "s3://bucket/lake/daily_top_talkers/date=${date}/"
    )


def test_the_newest_partition_gives_the_columns(tmp_path):
    lake = Lake(str(tmp_path / "lake"))
    lake.write_table("egress", {"date": "2026-03-13"}, pa.table({"bytes": pa.array([1], pa.int64())}))
    newer = pa.table({"bytes": pa.array([1], pa.int64()), "path": pa.array(["igw"])})
    lake.write_table("egress", {"date": "2026-03-14"}, newer)
    (table,) = scan_lake(lake).tables
    assert table.schema.names == ["bytes", "path"]
    assert table.dates == ("2026-03-13", "2026-03-14")


def test_a_column_named_like_a_partition_folder_is_refused(tmp_path):
    lake = Lake(str(tmp_path / "lake"))
    lake.write_table("bad", {"date": "2026-03-14"}, pa.table({"date": ["2026-03-14"]}))
    (table,) = scan_lake(lake).tables
    with pytest.raises(ValueError, match="bad: column date is also a partition folder"):
        lake_table_definition(table, "s3://bucket/lake", "2026-03-14")


def test_an_unreadable_file_or_folder_name_skips_that_table_alone(tmp_path):
    lake = Lake(str(tmp_path / "lake"))
    lake.write_table("egress", {"date": "2026-03-14"}, pa.table({"bytes": [1]}))
    lake.write_table("cross_az_traffic", {"date": "2026-03-14"}, pa.table({"bytes": [1]}))
    (data,) = lake.partition_files("cross_az_traffic", {"date": "2026-03-14"})
    Path(data).write_bytes(b"not parquet")
    (tmp_path / "lake" / "a folder").mkdir()
    scan = scan_lake(lake)
    assert [table.name for table in scan.tables] == ["egress"]
    assert scan.skipped["cross_az_traffic"].startswith("cannot be read: ")
    assert "unsafe table name" in scan.skipped["a folder"]


def test_a_lake_on_s3_is_read_the_same_way(aws):
    boto3.client("s3").create_bucket(Bucket="flowpipe-lake")
    lake = Lake("s3://flowpipe-lake/prod")
    lake.write_table(
        "address_book", {"date": "2026-03-14", "window": "day"}, ADDRESS_BOOK_SCHEMA.empty_table()
    )
    (table,) = scan_lake(lake).tables
    assert table.partition_keys == ("date", "window")
    assert table.sample.startswith("s3://flowpipe-lake/prod/address_book/date=2026-03-14/window=day/")
    definition = lake_table_definition(table, lake.location, "2026-03-14")
    assert definition.location == "s3://flowpipe-lake/prod/address_book/"
    assert [column.name for column in definition.columns] == ADDRESS_BOOK_SCHEMA.names
