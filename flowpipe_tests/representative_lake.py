"""A lake with one partition of every kind of table flowpipe writes, for the Athena DDL tests."""

import datetime
import decimal
from pathlib import Path

import pyarrow as pa

from flowpipe.lib.address_book import ADDRESS_BOOK_SCHEMA
from flowpipe.lib.flow_fields import raw_schema
from flowpipe.lib.flow_parser import REJECTS_SCHEMA
from flowpipe.lib.inventory import table_schema
from flowpipe.lib.inventory_schemas import TABLE_COLUMNS
from flowpipe.lib.lake import Lake

WINDOWS = [("2026-03-13", "night"), ("2026-03-14", "day"), ("2026-03-14", "night")]
DATES = ["2026-03-13", "2026-03-14"]
# The columns of daily_top_talkers as the SQL model writes them (read from a real run's lake).
TOP_TALKERS_SCHEMA = pa.schema(
    [
        ("rank", pa.int64()),
        ("client_name", pa.string()),
        ("client_type", pa.string()),
        ("client_count", pa.int64()),
        ("server_name", pa.string()),
        ("server_type", pa.string()),
        ("server_count", pa.int64()),
        ("server_port", pa.int32()),
        ("protocol", pa.string()),
        ("service", pa.string()),
        ("bytes", pa.int64()),
        ("bytes_up", pa.int64()),
        ("bytes_down", pa.int64()),
        ("packets", pa.int64()),
        ("flows", pa.int64()),
        ("cross_az", pa.bool_()),
    ]
)
# Types a SQL model may produce beyond those: a DuckDB sum is a decimal, lists, dates, timestamps.
TYPES_TABLE = pa.table(
    {
        "amount": pa.array([decimal.Decimal(12345)], pa.decimal128(38, 0)),
        "share": pa.array([0.25], pa.float64()),
        "ports": pa.array([["22", "3389"]], pa.list_(pa.string())),
        "first_day": pa.array([datetime.date(2026, 3, 14)], pa.date32()),
        "seen": pa.array([datetime.datetime(2026, 3, 14, 7, tzinfo=datetime.UTC)], pa.timestamp("us", "UTC")),
        "probe": pa.array(
            [{"port": 22, "name": "ssh"}], pa.struct([("port", pa.int32()), ("name", pa.string())])
        ),
    }
)


def _raw_rows() -> pa.Table:
    schema = raw_schema()
    row = {name: None for name in schema.names}
    row.update(version=2, srcaddr="10.0.1.5", dstaddr="10.0.2.4", dstport=2049, protocol=6, bytes=840)
    row.update(action="ACCEPT", log_status="OK", extra_fields=[("instance_tag", "web")])
    row.update(source_uri="s3://logs/AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/03/14/f.log.gz")
    return pa.Table.from_pylist([row], schema=schema)


def write_representative_lake(root: str) -> Lake:
    """A lake of the tables a run writes, with the schemas the code writes them with: window tables over
    two dates, date tables, a reports folder (no Parquet) and a table whose only folder is staging."""
    lake = Lake(root)
    for date, window in WINDOWS:
        partition = {"date": date, "window": window}
        lake.write_table("raw_flow_logs", partition, _raw_rows())
        lake.write_table("raw_flow_log_rejects", partition, REJECTS_SCHEMA.empty_table())
        lake.write_table("address_book", partition, ADDRESS_BOOK_SCHEMA.empty_table())
        for name in TABLE_COLUMNS:
            lake.write_table(name, partition, table_schema(name).empty_table())
    for date in DATES:
        lake.write_table("daily_top_talkers", {"date": date}, TOP_TALKERS_SCHEMA.empty_table())
        lake.write_table("daily_types", {"date": date}, TYPES_TABLE)
    report = Path(lake.partition_path("reports", {"date": DATES[-1]}))
    report.mkdir(parents=True)
    (report / "report.md").write_text("# flowpipe report\n")
    (Path(lake.table_path("unfinished")) / ".staging-0123").mkdir(parents=True)
    return lake
