from pathlib import Path

import pyarrow as pa
import pytest

from flowpipe.lib.inventory import table_schema
from flowpipe.lib.ip_ranges import IpRangesError, build_cidr_book, is_private_address, load_ip_ranges

FIXTURE = Path(__file__).parents[1] / "fixtures" / "inventory" / "ip_ranges.json"


def _vpcs() -> pa.Table:
    rows = [
        {
            "account_id": "123456789012",
            "region": "us-east-1",
            "vpc_id": "vpc-1",
            "cidr_block": "10.0.0.0/16",
            "cidr_blocks": "10.0.0.0/16,100.64.0.0/16",
            "ipv6_cidr_blocks": "2600:1f18:0:100::/56",
        }
    ]
    return pa.Table.from_pylist(rows, schema=table_schema("inventory_vpcs"))


@pytest.mark.parametrize("location", [str(FIXTURE), FIXTURE.as_uri()])
def test_ip_ranges_load_from_a_path_or_a_file_url(location: str) -> None:
    ip_ranges = load_ip_ranges(location)
    assert len(ip_ranges["prefixes"]) == 11
    assert len(ip_ranges["ipv6_prefixes"]) == 3


def test_unreachable_url_raises_a_clear_error() -> None:
    with pytest.raises(IpRangesError, match="could not fetch AWS ip ranges from http://127.0.0.1:9/"):
        load_ip_ranges("http://127.0.0.1:9/ip-ranges.json")


def test_missing_file_and_foreign_json_raise_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(IpRangesError, match="could not read"):
        load_ip_ranges(str(tmp_path / "absent.json"))
    (tmp_path / "other.json").write_text('{"items": []}')
    with pytest.raises(IpRangesError, match="not in AWS's ip-ranges.json format"):
        load_ip_ranges(str(tmp_path / "other.json"))


def test_cidr_book_holds_vpc_cidrs_aws_prefixes_and_private_space() -> None:
    book = build_cidr_book(load_ip_ranges(str(FIXTURE)), _vpcs()).to_pylist()
    by_cidr = {row["cidr"]: row for row in book}
    assert len(by_cidr) == len(book), "one row per cidr"
    assert {row["cidr"] for row in book if row["kind"] == "vpc"} == {
        "10.0.0.0/16",
        "100.64.0.0/16",
        "2600:1f18:0:100::/56",
    }
    assert by_cidr["10.0.0.0/16"]["vpc_id"] == "vpc-1"
    assert by_cidr["52.216.0.0/15"] == {
        "cidr": "52.216.0.0/15",
        "kind": "aws-service",
        "service": "S3",
        "region": "us-east-1",
        "network_border_group": "us-east-1",
        "vpc_id": None,
        "prefix_length": 15,
        "account_id": None,
        "name": None,
        "resource_id": None,
    }
    assert by_cidr["2600:1ff9:c000::/40"]["service"] == "S3"
    assert by_cidr["172.16.0.0/12"]["kind"] == "rfc1918"
    assert by_cidr["fc00::/7"]["kind"] == "private-other"


@pytest.mark.parametrize(
    ("address", "private"),
    [("10.1.2.3", True), ("100.64.0.1", True), ("fd00::1", True), ("203.0.113.5", False), ("8.8.8.8", False)],
)
def test_documentation_ranges_count_as_internet_but_rfc1918_and_cgnat_do_not(
    address: str, private: bool
) -> None:
    assert is_private_address(address) is private
