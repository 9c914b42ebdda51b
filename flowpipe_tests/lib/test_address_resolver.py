import ipaddress
import random
import time
from pathlib import Path

import pyarrow as pa
import pytest

from flowpipe.lib.address_book import ADDRESS_BOOK_SCHEMA
from flowpipe.lib.address_resolver import RESOLVED_SCHEMA, resolve_addresses
from flowpipe.lib.inventory import table_schema
from flowpipe.lib.ip_ranges import CIDR_BOOK_SCHEMA, build_cidr_book, load_ip_ranges

FIXTURE = Path(__file__).parents[1] / "fixtures" / "inventory" / "ip_ranges.json"


@pytest.fixture(scope="module")
def cidr_book() -> pa.Table:
    vpcs = pa.Table.from_pylist(
        [
            {
                "region": "us-east-1",
                "vpc_id": "vpc-1",
                "cidr_blocks": "10.0.0.0/16",
                "ipv6_cidr_blocks": "2600:1f18:0:100::/56",
            }
        ],
        schema=table_schema("inventory_vpcs"),
    )
    return build_cidr_book(load_ip_ranges(str(FIXTURE)), vpcs)


@pytest.fixture(scope="module")
def address_book() -> pa.Table:
    shared = {"entity_type": "ec2:instance", "entity_id": "i-1", "vpc_id": "vpc-1", "is_public": False}
    rows = [
        {**shared, "ip": "10.0.1.10", "entity_name": "web"},
        {**shared, "ip": "2600:1f18:0:100::10", "entity_name": "web", "is_public": True},
        {**shared, "ip": "3.5.70.9", "entity_name": "web", "is_public": True},
    ]
    return pa.Table.from_pylist(rows, schema=ADDRESS_BOOK_SCHEMA)


def _resolve(addresses: list, address_book: pa.Table, cidr_book: pa.Table) -> dict[str, dict]:
    table = resolve_addresses(addresses, address_book, cidr_book)
    assert table.schema == RESOLVED_SCHEMA
    return {row["ip"]: row for row in table.to_pylist()}


@pytest.mark.parametrize(
    ("address", "entity_type", "entity_name", "network_kind"),
    [
        pytest.param("10.0.1.10", "ec2:instance", "web", "vpc", id="address-book"),
        pytest.param("2600:1f18:0:100:0:0:0:10", "ec2:instance", "web", "vpc", id="ipv6-in-another-spelling"),
        pytest.param("3.5.70.9", "ec2:instance", "web", "aws-service", id="book-beats-ip-ranges"),
        pytest.param(
            "52.216.10.5", "aws:service", "S3 us-east-1", "aws-service", id="s3-over-amazon-same-prefix"
        ),
        pytest.param("3.5.10.1", "aws:service", "AMAZON eu-west-1", "aws-service", id="longest-prefix"),
        pytest.param("3.5.70.1", "aws:service", "EC2 us-east-1", "aws-service", id="ec2-over-amazon"),
        pytest.param(
            "18.60.5.9", "aws:service", "CLOUDFRONT us-west-2", "aws-service", id="service-over-longer-amazon"
        ),
        pytest.param("18.1.2.3", "aws:service", "AMAZON GLOBAL", "aws-service", id="amazon-only"),
        pytest.param("2600:1f18:7000::1", "aws:service", "AMAZON us-east-1", "aws-service", id="ipv6-amazon"),
        pytest.param("2600:1f18:0:200::1", "aws:service", "EC2 us-east-1", "aws-service", id="ipv6-ec2"),
        pytest.param("2600:1ff9:c0ff::1", "aws:service", "S3 us-east-1", "aws-service", id="ipv6-s3"),
        pytest.param("8.8.8.8", "internet", "8.8.8.8", "internet", id="internet"),
        pytest.param(
            "203.0.113.5", "internet", "203.0.113.5", "internet", id="documentation-range-is-internet"
        ),
        pytest.param("10.0.9.9", "unknown-private", "10.0.9.9", "vpc", id="unknown-in-vpc"),
        pytest.param("172.16.5.5", "unknown-private", "172.16.5.5", "rfc1918", id="unknown-rfc1918"),
        pytest.param("100.64.1.1", "unknown-private", "100.64.1.1", "private-other", id="cgnat"),
        pytest.param("fd12::1", "unknown-private", "fd12::1", "private-other", id="ipv6-ula"),
    ],
)
def test_address_is_named_by_book_then_aws_ranges_then_internet_or_private(
    address: str,
    entity_type: str,
    entity_name: str,
    network_kind: str,
    address_book: pa.Table,
    cidr_book: pa.Table,
) -> None:
    row = _resolve([address], address_book, cidr_book)[address]
    assert (row["entity_type"], row["entity_name"], row["network_kind"]) == (
        entity_type,
        entity_name,
        network_kind,
    )


def test_aws_service_rows_carry_prefix_and_region(address_book: pa.Table, cidr_book: pa.Table) -> None:
    row = _resolve(["52.216.10.5"], address_book, cidr_book)["52.216.10.5"]
    assert (row["entity_id"], row["region"], row["is_public"]) == ("52.216.0.0/15", "us-east-1", True)


def test_each_distinct_address_is_one_row_and_non_addresses_are_skipped(
    address_book: pa.Table, cidr_book: pa.Table
) -> None:
    rows = _resolve(["8.8.8.8", "8.8.8.8", None, "", "-", "10.0.1.10"], address_book, cidr_book)
    assert sorted(rows) == ["10.0.1.10", "8.8.8.8"]


def test_resolving_100k_addresses_against_thousands_of_prefixes_takes_seconds(address_book: pa.Table) -> None:
    rng = random.Random(7)
    prefixes = [
        {
            "cidr": str(ipaddress.ip_network((rng.getrandbits(32), length), strict=False)),
            "kind": "aws-service",
            "service": rng.choice(["AMAZON", "EC2", "S3"]),
            "region": "us-east-1",
            "prefix_length": length,
        }
        for length in (rng.randint(10, 28) for _ in range(8000))
    ]
    cidr_book = pa.Table.from_pylist(prefixes, schema=CIDR_BOOK_SCHEMA)
    addresses = [str(ipaddress.IPv4Address(rng.getrandbits(32))) for _ in range(100_000)]
    started = time.perf_counter()
    resolved = resolve_addresses(addresses, address_book, cidr_book)
    elapsed = time.perf_counter() - started
    assert resolved.num_rows == len(set(addresses))
    assert elapsed < 10, f"{elapsed:.1f} s"


WINDOW = (1_000_000, 1_043_200)  # [start, end) of a 12-hour window, unix seconds


def _owners(*spans: tuple[str, int | None, int | None]) -> pa.Table:
    """Owners of 10.0.1.20 through time: (name, valid_from, valid_to)."""
    shared = {"ip": "10.0.1.20", "entity_type": "lambda:function", "vpc_id": "vpc-1", "is_public": False}
    rows = [
        {
            **shared,
            "entity_name": name,
            "entity_id": name,
            "interface_id": f"eni-{name}",
            "valid_from": start,
            "valid_to": end,
        }
        for name, start, end in spans
    ]
    return pa.Table.from_pylist(rows, schema=ADDRESS_BOOK_SCHEMA)


def _timeline(book: pa.Table, cidr_book: pa.Table, window=WINDOW) -> list[tuple[str, int | None, int | None]]:
    table = resolve_addresses(["10.0.1.20"], book, cidr_book, window)
    assert table.schema == RESOLVED_SCHEMA
    return [(row["entity_name"], row["valid_from"], row["valid_to"]) for row in table.to_pylist()]


def test_a_reused_address_gets_a_row_per_owner_valid_in_the_window(cidr_book: pa.Table) -> None:
    start, end = WINDOW
    book = _owners(("old", None, start - 10), ("a", start - 10, start + 600), ("b", start + 600, None))
    assert _timeline(book, cidr_book) == [("a", start - 10, start + 600), ("b", start + 600, None)]


def test_times_no_owner_held_the_address_are_named_as_if_the_book_did_not_know_it(
    cidr_book: pa.Table,
) -> None:
    start, end = WINDOW
    book = _owners(("a", None, start + 100), ("b", start + 200, start + 300), ("c", end - 50, None))
    assert _timeline(book, cidr_book) == [
        ("a", None, start + 100),
        ("10.0.1.20", start + 100, start + 200),
        ("b", start + 200, start + 300),
        ("10.0.1.20", start + 300, end - 50),
        ("c", end - 50, None),
    ]
    row = resolve_addresses(["10.0.1.20"], book, cidr_book, WINDOW).to_pylist()[1]
    assert (row["entity_type"], row["network_kind"]) == ("unknown-private", "vpc")


def test_an_owner_created_after_the_window_names_none_of_it(cidr_book: pa.Table) -> None:
    start, end = WINDOW
    assert _timeline(_owners(("late", end + 60, None)), cidr_book) == [("10.0.1.20", None, end + 60)]


def test_without_a_window_every_owner_and_gap_is_kept(cidr_book: pa.Table) -> None:
    book = _owners(("a", None, 10), ("b", 20, None))
    assert _timeline(book, cidr_book, None) == [("a", None, 10), ("10.0.1.20", 10, 20), ("b", 20, None)]
