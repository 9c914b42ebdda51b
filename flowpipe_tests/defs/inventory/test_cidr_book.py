"""cidr_book through dg.materialize on the moto account: the VPCs, peers, prefix lists and AWS's ranges, or
the book without the ranges."""

import json

from flowpipe.cli import SIMULATED_IP_RANGES
from flowpipe.defs.inventory.cidr_book import cidr_book
from flowpipe.lib.lake import Lake

PARTITION = {"date": "2026-03-14", "window": "day"}


def test_without_aws_ranges_the_cidr_book_still_lands_and_says_why(account, materialize_inventory, tmp_path):
    result = materialize_inventory(cidr_book, ip_ranges=str(tmp_path / "missing-ip-ranges.json"))
    cidrs = Lake(str(tmp_path / "lake")).read_partition("cidr_book", PARTITION).to_pandas()
    assert "aws-service" not in set(cidrs.kind)
    assert "vpc" in set(cidrs.kind)
    metadata = result.asset_materializations_for_node("cidr_book")[0].metadata
    assert metadata["ip_ranges_error"].value != "none"


def test_aws_ranges_and_the_vpc_land_and_the_metadata_names_the_ranges_read(
    account, materialize_inventory, tmp_path
):
    result = materialize_inventory(cidr_book, ip_ranges=str(SIMULATED_IP_RANGES))
    cidrs = Lake(str(tmp_path / "lake")).read_partition("cidr_book", PARTITION).to_pandas()
    assert account.vpc_cidr in set(cidrs[cidrs.kind == "vpc"].cidr)
    assert {(n.cidr, n.kind) for n in account.networks} <= set(zip(cidrs.cidr, cidrs.kind, strict=True))
    published = json.loads(SIMULATED_IP_RANGES.read_text())
    assert {p["ip_prefix"] for p in published["prefixes"]} <= set(cidrs[cidrs.kind == "aws-service"].cidr)
    metadata = result.asset_materializations_for_node("cidr_book")[0].metadata
    assert metadata["row_count"].value == len(cidrs)
    assert metadata["ip_ranges"].value == str(SIMULATED_IP_RANGES)
    assert metadata["ip_ranges_sync_token"].value == published["syncToken"]
    assert metadata["ip_ranges_error"].value == "none"
