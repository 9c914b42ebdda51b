"""inventory_snapshot, address_book and cidr_book through dg.materialize on the moto account."""

import dagster as dg
import pytest

from flowpipe.cli import SIMULATED_IP_RANGES
from flowpipe.defs.inventory.address_book import address_book
from flowpipe.defs.inventory.cidr_book import cidr_book
from flowpipe.defs.inventory.inventory_snapshot import inventory_snapshot
from flowpipe.lib.lake import Lake
from flowpipe.lib.resources import AwsInventoryResource, LakeResource
from flowpipe.lib.simulated.account import build_account

WINDOW_KEY = "2026-03-14-06:00"
PARTITION = {"date": "2026-03-14", "window": "day"}


def _materialize(tmp_path, ip_ranges: str) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [inventory_snapshot, address_book, cidr_book],
        partition_key=WINDOW_KEY,
        resources={
            "aws": AwsInventoryResource(regions=["us-east-1"], ip_ranges=ip_ranges),
            "lake": LakeResource(root=str(tmp_path / "lake")),
        },
    )


@pytest.fixture
def account(aws):
    return build_account("us-east-1")


def test_every_address_of_the_account_is_in_the_address_book_as_named(account, tmp_path):
    result = _materialize(tmp_path, str(SIMULATED_IP_RANGES))
    book = Lake(str(tmp_path / "lake")).read_partition("address_book", PARTITION).to_pandas().set_index("ip")
    for endpoint in account.endpoints:
        row = book.loc[endpoint.ip]
        assert (row.entity_type, row.entity_name) == (endpoint.entity_type, endpoint.entity_name), endpoint.ip
        assert row.availability_zone == endpoint.availability_zone
    metadata = result.asset_materializations_for_node("inventory_snapshot")[0].metadata
    assert metadata["failed_calls"].value == 0


def test_without_aws_ranges_the_cidr_book_still_lands_and_says_why(account, tmp_path):
    result = _materialize(tmp_path, str(tmp_path / "missing-ip-ranges.json"))
    cidrs = Lake(str(tmp_path / "lake")).read_partition("cidr_book", PARTITION).to_pandas()
    assert "aws-service" not in set(cidrs.kind)
    assert "vpc" in set(cidrs.kind)
    metadata = result.asset_materializations_for_node("cidr_book")[0].metadata
    assert metadata["ip_ranges_error"].value != "none"
