"""Builds SQL models on a few literal rows: a tiny lake with raw records, endpoints and an address book."""

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from flowpipe.lib.flow_fields import raw_schema
from flowpipe.lib.lake import Lake
from flowpipe.lib.sql_config import SqlModelConfig
from flowpipe.lib.sql_engine import SqlEngine
from flowpipe.lib.sql_models import SQL_ROOT, discover_models

PARTITION = {"date": "2026-03-14", "window": "day"}
START = 1773482400  # 2026-03-14 10:00 UTC

ENDPOINT_COLUMNS = [
    "ip",
    "entity_type",
    "entity_name",
    "entity_id",
    "interface_id",
    "account_id",
    "vpc_id",
    "subnet_id",
    "availability_zone",
    "availability_zone_id",
    "network_kind",
]


def record(eni, src, dst, sport, dport, nbytes, packets=1, action="ACCEPT", status="OK", proto=6, **fields):
    """One default-format record (plus any extra fields) as the raw_flow_logs table holds it."""
    row = {name: None for name in raw_schema().names}
    row.update(
        version=2,
        account_id="123456789012",
        interface_id=eni,
        srcaddr=src,
        dstaddr=dst,
        srcport=sport,
        dstport=dport,
        protocol=proto,
        packets=packets,
        bytes=nbytes,
        start=START,
        end=START + 60,
        action=action,
        log_status=status,
        source_uri="s3://bucket/key.log.gz",
    )
    row.update(fields)
    return row


def endpoint(ip, entity_type, name, entity_id=None, eni=None, az=None):
    return {
        "ip": ip,
        "entity_type": entity_type,
        "entity_name": name,
        "entity_id": entity_id,
        "interface_id": eni,
        "account_id": "123456789012" if eni else None,
        "vpc_id": "vpc-1" if eni else None,
        "subnet_id": f"subnet-{az}" if az else None,
        "availability_zone": f"us-east-1{az}" if az else None,
        "availability_zone_id": f"use1-az{ord(az) - 96}" if az else None,
        "network_kind": "vpc" if eni else "internet",
    }


def write_window(lake: Lake, partition: dict[str, str], records: list[dict], endpoints: list[dict]) -> None:
    """One window's inputs of the SQL models: raw records, the named endpoints and the address book."""
    lake.write_table("raw_flow_logs", partition, pa.Table.from_pylist(records, schema=raw_schema()))
    validity = [("valid_from", pa.int64()), ("valid_to", pa.int64())]
    schema = pa.schema([(c, pa.string()) for c in ENDPOINT_COLUMNS] + validity)
    table = pa.Table.from_pylist(endpoints, schema=schema)
    lake.write_table("endpoints", partition, table)
    book = pa.Table.from_pylist([row for row in endpoints if row["interface_id"]], schema=table.schema)
    lake.write_table(
        "address_book",
        partition,
        book.select(["ip", "interface_id", "entity_type", "entity_name", "entity_id"]),
    )


@pytest.fixture
def build_model(tmp_path: Path) -> Callable[..., pd.DataFrame]:
    """build_model(name, records, endpoints) -> the model's rows for the window, as a DataFrame."""

    def build(name: str, records: list[dict], endpoints: list[dict], **variables) -> pd.DataFrame:
        lake = Lake(str(tmp_path / "lake"))
        write_window(lake, PARTITION, records, endpoints)
        models = discover_models(SQL_ROOT)
        engine = SqlEngine(lake, SQL_ROOT)
        settings = {**SqlModelConfig().model_dump(), **variables}
        for model in ("conversations", name):
            engine.build(models, model, PARTITION, settings)
        return lake.read_partition(name, PARTITION).to_pandas()

    return build
