"""endpoints materialized on a window's records, a small address book and a cidr book."""

import dagster as dg
import pyarrow as pa

from flowpipe.defs.transform.endpoints import endpoints
from flowpipe.lib.address_book import ADDRESS_BOOK_SCHEMA
from flowpipe.lib.flow_fields import raw_schema
from flowpipe.lib.ip_ranges import CIDR_BOOK_SCHEMA
from flowpipe.lib.lake import Lake
from flowpipe.lib.resources import LakeResource
from flowpipe_tests.dbt_like_sql.conftest import START, record
from flowpipe_tests.defs.transform.conftest import DAY, DAY_KEY, NIGHT, NIGHT_KEY, NIGHT_START, range_tags

CIDRS = [
    {"cidr": "10.0.0.0/16", "kind": "vpc", "vpc_id": "vpc-1", "prefix_length": 16},
    {
        "cidr": "52.216.0.0/15",
        "kind": "aws-service",
        "service": "S3",
        "region": "us-east-1",
        "prefix_length": 15,
    },
    {"cidr": "10.0.0.0/8", "kind": "rfc1918", "prefix_length": 8},
]
DESTINATIONS = ("10.0.1.20", "10.0.1.30", "10.0.9.9", "52.216.8.1", "198.51.100.7")


def _owner(ip: str, name: str, valid_from: int | None = None, valid_to: int | None = None) -> dict:
    return {
        "ip": ip,
        "entity_type": "ec2:instance",
        "entity_name": name,
        "entity_id": f"i-{name}",
        "interface_id": f"eni-{name}",
        "vpc_id": "vpc-1",
        "is_public": False,
        "valid_from": valid_from,
        "valid_to": valid_to,
    }


def _write_window(lake: Lake, partition: dict[str, str], start: int, book: list[dict]) -> None:
    """web's records to every destination in the window, and the window's address and cidr books."""
    records = [record("eni-web", "10.0.1.10", ip, 40000, 443, 100, start=start) for ip in DESTINATIONS]
    lake.write_table("raw_flow_logs", partition, pa.Table.from_pylist(records, schema=raw_schema()))
    lake.write_table("address_book", partition, pa.Table.from_pylist(book, schema=ADDRESS_BOOK_SCHEMA))
    lake.write_table("cidr_book", partition, pa.Table.from_pylist(CIDRS, schema=CIDR_BOOK_SCHEMA))


def _names(lake: Lake, partition: dict[str, str]) -> list[tuple]:
    rows = lake.read_partition("endpoints", partition).to_pylist()
    columns = ("ip", "entity_type", "entity_name", "valid_from", "valid_to", "network_kind")
    return sorted(tuple(row[column] for column in columns) for row in rows)


def test_every_address_of_the_window_is_named_by_its_owner_at_the_time_or_its_network(lake):
    handover = START + 3600
    book = [
        _owner("10.0.1.10", "web"),
        _owner("10.0.1.20", "app-old", valid_to=handover),
        _owner("10.0.1.20", "app-new", valid_from=handover),
        _owner("10.0.1.30", "retired", valid_to=START - 86_400),  # gone a day before the window
    ]
    _write_window(lake, DAY, START, book)

    result = dg.materialize(
        [endpoints], partition_key=DAY_KEY, resources={"lake": LakeResource(root=lake.root)}
    )

    assert _names(lake, DAY) == [
        ("10.0.1.10", "ec2:instance", "web", None, None, "vpc"),
        ("10.0.1.20", "ec2:instance", "app-new", handover, None, "vpc"),
        ("10.0.1.20", "ec2:instance", "app-old", None, handover, "vpc"),
        ("10.0.1.30", "unknown-private", "10.0.1.30", START - 86_400, None, "vpc"),
        ("10.0.9.9", "unknown-private", "10.0.9.9", None, None, "vpc"),
        ("198.51.100.7", "internet", "198.51.100.7", None, None, "internet"),
        ("52.216.8.1", "aws:service", "S3 us-east-1", None, None, "aws-service"),
    ]
    metadata = result.asset_materializations_for_node("endpoints")[0].metadata
    counts = {name: value.value for name, value in metadata.items()}
    assert counts == {
        "row_count": 7,
        "windows": 1,
        "addresses_ec2:instance": 3,
        "addresses_unknown-private": 2,
        "addresses_internet": 1,
        "addresses_aws:service": 1,
    }


def test_a_run_over_two_windows_names_each_from_its_own_address_book(lake):
    _write_window(lake, DAY, START, [_owner("10.0.1.20", "app")])
    _write_window(lake, NIGHT, NIGHT_START, [_owner("10.0.1.20", "batch")])

    dg.materialize(
        [endpoints], tags=range_tags(DAY_KEY, NIGHT_KEY), resources={"lake": LakeResource(root=lake.root)}
    )

    named = {
        window["window"]: {row[0]: row[2] for row in _names(lake, window) if row[1] == "ec2:instance"}
        for window in (DAY, NIGHT)
    }
    assert named == {"day": {"10.0.1.20": "app"}, "night": {"10.0.1.20": "batch"}}


def test_a_run_over_two_windows_counts_the_rows_of_both(lake):
    _write_window(lake, DAY, START, [_owner("10.0.1.20", "app")])
    _write_window(lake, NIGHT, NIGHT_START, [])

    result = dg.materialize(
        [endpoints], tags=range_tags(DAY_KEY, NIGHT_KEY), resources={"lake": LakeResource(root=lake.root)}
    )

    metadata = result.asset_materializations_for_node("endpoints")[0].metadata
    rows = len(_names(lake, DAY)) + len(_names(lake, NIGHT))
    assert (metadata["row_count"].value, metadata["windows"].value) == (rows, 2)
    assert metadata["addresses_ec2:instance"].value == 1  # the day's owner; the night has none
