"""Athena tables over AWS's own flow log deliveries: AWS's columns, and projections that find its files."""

import gzip
from datetime import UTC, datetime

import pandas as pd
import pytest

from flowpipe.lib.athena_ddl import PARQUET, SPACE_DELIMITED_TEXT, Column
from flowpipe.lib.athena_flow_logs import (
    FlowLogDelivery,
    flow_log_columns,
    flow_log_table_definition,
)
from flowpipe.lib.flow_fields import DEFAULT_FORMAT, column_name
from flowpipe.lib.simulated.delivery import log_files

# AWS's CREATE TABLE for flow logs versions 2 through 5 (Athena User Guide, "Query Amazon VPC flow logs").
AWS_DOCUMENTED_COLUMNS = """version int, account_id string, interface_id string, srcaddr string,
dstaddr string, srcport int, dstport int, protocol bigint, packets bigint, bytes bigint, start bigint,
end bigint, action string, log_status string, vpc_id string, subnet_id string, instance_id string,
tcp_flags int, type string, pkt_srcaddr string, pkt_dstaddr string, region string, az_id string,
sublocation_type string, sublocation_id string, pkt_src_aws_service string, pkt_dst_aws_service string,
flow_direction string, traffic_path int"""
ACCOUNT, REGION = "123456789012", "eu-west-1"
CAPTURED = datetime(2026, 3, 14, 7, 42, tzinfo=UTC)


def _documented() -> list[Column]:
    return [Column(*item.split()) for item in AWS_DOCUMENTED_COLUMNS.replace("\n", " ").split(", ")]


def test_all_v2_to_v5_fields_are_named_and_typed_as_aws_documents():
    documented = _documented()
    fields = tuple(column.name.replace("_", "-") for column in documented)
    assert list(flow_log_columns(fields)) == documented


def test_a_custom_format_keeps_its_order_and_unknown_fields_are_strings():
    columns = flow_log_columns(("srcaddr", "end", "ecs-task-id", "encryption-status", "instance-tag"))
    assert columns == (
        Column("srcaddr", "string"),
        Column("end", "bigint"),
        Column("ecs_task_id", "string"),
        Column("encryption_status", "int"),
        Column("instance_tag", "string"),
    )


def test_a_format_repeating_a_field_is_refused():
    with pytest.raises(ValueError, match="repeats srcaddr"):
        flow_log_columns(("srcaddr", "dstaddr", "srcaddr"))


def test_text_deliveries_skip_the_header_and_project_the_default_layout():
    delivery = FlowLogDelivery("s3://logs-bucket/vpc")
    table = flow_log_table_definition("vpc_flow_logs", DEFAULT_FORMAT, delivery, "2026-01-01")
    assert table.storage == SPACE_DELIMITED_TEXT
    assert table.location == "s3://logs-bucket/vpc/AWSLogs/"
    assert [key.name for key in table.partition_keys] == ["aws_account_id", "aws_region", "day"]
    assert table.properties == {
        "skip.header.line.count": "1",
        "projection.enabled": "true",
        "projection.aws_account_id.type": "injected",
        "projection.aws_region.type": "injected",
        "projection.day.type": "date",
        "projection.day.format": "yyyy/MM/dd",
        "projection.day.range": "2026/01/01,NOW",
        "projection.day.interval": "1",
        "projection.day.interval.unit": "DAYS",
        "storage.location.template": (
            "s3://logs-bucket/vpc/AWSLogs/${aws_account_id}/vpcflowlogs/${aws_region}/${day}/"
        ),
    }


def test_parquet_deliveries_with_hive_prefixes_project_year_month_day_and_hour():
    delivery = FlowLogDelivery(
        "s3://logs-bucket",
        file_format="parquet",
        hive_prefixes=True,
        hourly=True,
        accounts=(ACCOUNT, "210987654321"),
        regions=(REGION,),
    )
    table = flow_log_table_definition("vpc_flow_logs_parquet", DEFAULT_FORMAT, delivery)
    assert table.storage == PARQUET
    assert "skip.header.line.count" not in table.properties
    assert [key.name for key in table.partition_keys] == [
        "aws_account_id",
        "aws_region",
        "year",
        "month",
        "day",
        "hour",
    ]
    assert table.properties["projection.aws_account_id.values"] == f"{ACCOUNT},210987654321"
    assert table.properties["projection.aws_region.type"] == "enum"
    assert table.properties["projection.year.range"] == "NOW-1YEARS,NOW"
    assert table.properties["projection.year.interval.unit"] == "YEARS"
    assert table.properties["projection.month.range"] == "1,12"
    assert table.properties["projection.hour.digits"] == "2"


def test_the_region_field_stays_a_column_beside_the_aws_region_key():
    table = flow_log_table_definition("logs", ("srcaddr", "region"), FlowLogDelivery("s3://b"))
    assert [column.name for column in table.columns] == ["srcaddr", "region"]
    assert "aws_region" in [key.name for key in table.partition_keys]


def _records() -> pd.DataFrame:
    end = int(CAPTURED.timestamp())
    return pd.DataFrame(
        {
            "account-id": [ACCOUNT, ACCOUNT],
            "interface-id": ["eni-0a1b2c3d4e5f60718", "eni-0a1b2c3d4e5f60718"],
            "srcaddr": ["10.0.1.5", None],
            "dstaddr": ["10.0.2.4", None],
            "srcport": [41000, None],
            "dstport": [2049, None],
            "protocol": [6, None],
            "packets": [10, None],
            "bytes": [840, None],
            "start": [end - 60, end - 60],
            "end": [end, end],
            "action": ["ACCEPT", None],
            "log-status": ["OK", "NODATA"],
        }
    )


def _filled(template: str, hive: bool, hourly: bool) -> str:
    """The template with the partition values of the capture time, formatted as the projection says."""
    values = {"aws_account_id": ACCOUNT, "aws_region": REGION, "hour": f"{CAPTURED:%H}"}
    if hive:
        values.update(year=f"{CAPTURED:%Y}", month=f"{CAPTURED:%m}", day=f"{CAPTURED:%d}")
    else:
        values["day"] = f"{CAPTURED:%Y/%m/%d}"
    for key, value in values.items():
        template = template.replace(f"${{{key}}}", value)
    assert "${" not in template
    return template


@pytest.mark.parametrize(("hive", "hourly"), [(False, False), (False, True), (True, False), (True, True)])
def test_the_projected_folder_holds_the_files_aws_delivers_for_that_partition(hive, hourly):
    delivery = FlowLogDelivery("s3://logs-bucket/vpc", hive_prefixes=hive, hourly=hourly)
    table = flow_log_table_definition("vpc_flow_logs", DEFAULT_FORMAT, delivery, "2026-01-01")
    folder = _filled(table.properties["storage.location.template"], hive, hourly)
    first = table.properties["projection.year.range" if hive else "projection.day.range"]
    assert first == ("2026,NOW" if hive else "2026/01/01,NOW")
    files = list(log_files(_records(), "vpc", ACCOUNT, REGION, "fl-0123", hive, hourly, DEFAULT_FORMAT))
    assert files
    for key, _ in files:
        uri = f"s3://logs-bucket/{key}"
        assert uri.startswith(folder) and "/" not in uri.removeprefix(folder)
        assert folder.startswith(table.location)


def test_a_delivered_text_file_splits_into_the_table_columns_after_its_header():
    fields = ("version", "srcaddr", "dstaddr", "dstport", "bytes", "end", "action", "log-status")
    table = flow_log_table_definition("logs", fields, FlowLogDelivery("s3://b"))
    ((_, body),) = log_files(_records(), "", ACCOUNT, REGION, "fl-0123", False, False, fields)
    header, *lines = gzip.decompress(body).decode().splitlines()
    assert [column_name(name) for name in header.split(" ")] == [column.name for column in table.columns]
    delimiter = SPACE_DELIMITED_TEXT.serde_parameters["field.delim"]
    null = SPACE_DELIMITED_TEXT.serde_parameters["serialization.null.format"]
    rows = [line.split(delimiter) for line in lines]
    assert all(len(row) == len(table.columns) for row in rows)
    nodata = dict(zip([column.name for column in table.columns], rows[1], strict=True))
    assert nodata["srcaddr"] == null and nodata["log_status"] == "NODATA"
