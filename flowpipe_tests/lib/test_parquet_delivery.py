"""Parquet deliveries in AWS's schema: typed mapping to raw_schema(), failures, and extraction over moto."""

import gzip
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flowpipe.lib.extraction import extract_window
from flowpipe.lib.flow_fields import DEFAULT_FORMAT, raw_schema
from flowpipe.lib.flow_sources import open_flow_log_source
from flowpipe.lib.parquet_delivery import parse_parquet_files, read_parquet_delivery

START = datetime(2026, 3, 14, 6, 0, tzinfo=UTC)
END = datetime(2026, 3, 14, 7, 0, tzinfo=UTC)
# AWS's Parquet schema: Athena's column names, the Parquet types of the flow log record table (v2-5).
AWS_PARQUET_SCHEMA = pa.schema(
    [
        ("version", pa.int32()),
        ("account_id", pa.string()),
        ("interface_id", pa.string()),
        ("srcaddr", pa.string()),
        ("dstaddr", pa.string()),
        ("srcport", pa.int32()),
        ("dstport", pa.int32()),
        ("protocol", pa.int32()),
        ("packets", pa.int64()),
        ("bytes", pa.int64()),
        ("start", pa.int64()),
        ("end", pa.int64()),
        ("action", pa.string()),
        ("log_status", pa.string()),
        ("vpc_id", pa.string()),
        ("subnet_id", pa.string()),
        ("instance_id", pa.string()),
        ("tcp_flags", pa.int32()),
        ("type", pa.string()),
        ("pkt_srcaddr", pa.string()),
        ("pkt_dstaddr", pa.string()),
        ("region", pa.string()),
        ("az_id", pa.string()),
        ("sublocation_type", pa.string()),
        ("sublocation_id", pa.string()),
        ("pkt_src_aws_service", pa.string()),
        ("pkt_dst_aws_service", pa.string()),
        ("flow_direction", pa.string()),
        ("traffic_path", pa.int32()),
    ]
)
HIVE_HOURLY = (
    "AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=us-east-1/"
    "year=2026/month=03/day=14/hour={hour}/"
)
PLAIN_HOURLY = "AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/03/14/{hour}/"


def _row(start: datetime, nbytes: int = 100, **overrides) -> dict:
    begin = int(start.timestamp())
    row = {field.name: None for field in AWS_PARQUET_SCHEMA}
    row.update(
        version=5,
        account_id="123456789012",
        interface_id="eni-1",
        srcaddr="10.0.0.1",
        dstaddr="10.0.0.2",
        srcport=4242,
        dstport=443,
        protocol=6,
        packets=1,
        bytes=nbytes,
        start=begin,
        end=begin + 60,
        action="ACCEPT",
        log_status="OK",
        vpc_id="vpc-1",
        subnet_id="subnet-1",
        instance_id="-",
        tcp_flags=19,
        type="IPv4",
        region="us-east-1",
        az_id="use1-az1",
        flow_direction="egress",
        traffic_path=1,
    )
    row.update(overrides)
    return row


def _write(path: Path, rows: list[dict], schema: pa.Schema = AWS_PARQUET_SCHEMA) -> Path:
    pq.write_table(pa.Table.from_pylist(rows, schema), path, compression="gzip")
    return path


def test_aws_schema_maps_to_raw_schema_with_aws_types_cast(tmp_path) -> None:
    path = _write(tmp_path / "a.log.parquet", [_row(START, nbytes=7)])

    table = read_parquet_delivery(str(path), "s3://flows/a.log.parquet")

    assert table.schema == raw_schema()
    row = table.to_pylist()[0]
    assert (row["version"], row["protocol"], row["bytes"], row["start"]) == (5, 6, 7, int(START.timestamp()))
    assert (row["tcp_flags"], row["traffic_path"], row["flow_direction"]) == (19, 1, "egress")
    assert row["instance_id"] is None  # "-" is null, as in text deliveries
    assert row["reject_reason"] is None and row["extra_fields"] is None
    assert row["source_uri"] == "s3://flows/a.log.parquet"


def test_unknown_columns_land_in_extra_fields_as_text_and_hyphenated_names_match(tmp_path) -> None:
    schema = pa.schema([("version", pa.int32()), ("log-status", pa.string()), ("resource_id", pa.string())])
    schema = schema.append(pa.field("interface-tag-count", pa.int64()))
    rows = [
        {"version": 8, "log-status": "OK", "resource_id": "nat-1", "interface-tag-count": 2},
        {"version": 8, "log-status": "NODATA", "resource_id": "-", "interface-tag-count": None},
    ]
    path = _write(tmp_path / "b.parquet", rows, schema)

    table = read_parquet_delivery(str(path), "s3://flows/b.parquet")

    assert table.schema == raw_schema()
    assert table.select(["version", "log_status", "extra_fields", "srcaddr"]).to_pylist() == [
        {
            "version": 8,
            "log_status": "OK",
            "extra_fields": [("resource_id", "nat-1"), ("interface_tag_count", "2")],
            "srcaddr": None,
        },
        {"version": 8, "log_status": "NODATA", "extra_fields": None, "srcaddr": None},
    ]


def test_corrupt_footer_fails_that_object_and_the_rest_lands(tmp_path) -> None:
    good = _write(tmp_path / "good.parquet", [_row(START)])
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(good.read_bytes()[:-16])
    text_in_number = _write(
        tmp_path / "text.parquet",
        [{"version": "5", "srcport": "http"}],
        pa.schema([("version", pa.string()), ("srcport", pa.string())]),
    )

    result = parse_parquet_files(
        {str(broken): "s3://f/broken", str(good): "s3://f/good", str(text_in_number): "t"}
    )

    assert result.records["source_uri"].to_pylist() == ["s3://f/good"]
    assert [failure.uri for failure in result.failures] == ["s3://f/broken", "t"]
    assert "ArrowInvalid" in result.failures[0].error
    assert result.rejects.num_rows == 0


@pytest.fixture
def bucket(aws):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="flows")
    return s3


def _file_name(flow_log_id: str, stamp: str) -> str:
    return f"123456789012_vpcflowlogs_us-east-1_{flow_log_id}_{stamp}_abc"


def _put_parquet(s3, tmp_path: Path, folder: str, stamp: str, rows: list[dict]) -> str:
    key = f"{folder}{_file_name('fl-1', stamp)}.log.parquet"
    path = _write(tmp_path / f"{stamp}.parquet", rows)
    s3.put_object(Bucket="flows", Key=key, Body=path.read_bytes())
    return f"s3://flows/{key}"


def test_extraction_reads_parquet_in_hive_and_hourly_layouts_next_to_text(bucket, tmp_path) -> None:
    _put_parquet(
        bucket, tmp_path, HIVE_HOURLY.format(hour="05"), "20260314T0555Z", [_row(START.replace(hour=5))]
    )
    _put_parquet(
        bucket,
        tmp_path,
        HIVE_HOURLY.format(hour="06"),
        "20260314T0610Z",
        [_row(START.replace(minute=8), nbytes=1), _row(START.replace(minute=9), nbytes=2)],
    )
    _put_parquet(bucket, tmp_path, PLAIN_HOURLY.format(hour="07"), "20260314T0700Z", [_row(END, nbytes=99)])
    _put_parquet(
        bucket,
        tmp_path,
        PLAIN_HOURLY.format(hour="06"),
        "20260314T0655Z",
        [_row(START.replace(minute=54), nbytes=3)],
    )
    broken_key = f"{PLAIN_HOURLY.format(hour='06')}{_file_name('fl-1', '20260314T0630Z')}.log.parquet"
    bucket.put_object(Bucket="flows", Key=broken_key, Body=b"PAR1 truncated")
    text = (
        " ".join(DEFAULT_FORMAT)
        + "\n"
        + f"2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 4 {int(START.timestamp())} 1 ACCEPT OK\n"
    )
    text_key = (
        f"AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/03/14/{_file_name('fl-2', '20260314T0605Z')}.log.gz"
    )
    bucket.put_object(Bucket="flows", Key=text_key, Body=gzip.compress(text.encode()))

    extraction = extract_window(open_flow_log_source("s3://flows"), START, END, batch_objects=2)
    batches = list(extraction)

    records = [row for batch in batches for row in batch.records.to_pylist()]
    assert sorted(row["bytes"] for row in records) == [1, 2, 3, 4]
    assert all(batch.records.schema == raw_schema() for batch in batches)
    assert {row["protocol"] for row in records} == {6}
    stats = extraction.stats
    assert (stats.objects_listed, stats.objects_read, stats.objects_skipped) == (6, 5, [])
    assert [failure.uri for failure in stats.objects_failed] == [f"s3://flows/{broken_key}"]
    assert (stats.records_parsed, stats.records_in_window) == (6, 4)
