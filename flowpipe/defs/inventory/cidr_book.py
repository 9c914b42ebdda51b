"""cidr_book: the networks addresses fall in (VPCs, AWS service ranges, private ranges)."""

import dagster as dg

from flowpipe.lib.ip_ranges import IpRangesError, build_cidr_book, load_ip_ranges
from flowpipe.lib.resources import AwsInventoryResource, LakeResource
from flowpipe.partitions import single_run, window_partitions, windows_in

NO_RANGES: dict = {"prefixes": [], "ipv6_prefixes": []}


@dg.asset(
    group_name="inventory",
    kinds={"parquet"},
    partitions_def=window_partitions,
    deps=["inventory_snapshot"],
    backfill_policy=single_run,
)
def cidr_book(
    context: dg.AssetExecutionContext, aws: AwsInventoryResource, lake: LakeResource
) -> dg.MaterializeResult:
    """One row per CIDR: a VPC's, a peered VPC's, a managed prefix list's, an AWS service's (service,
    region) or a private range, for longest-prefix matching. Without AWS's published ranges the book
    still lands, and says so."""
    the_lake = lake.get()
    try:
        ranges, ranges_error = load_ip_ranges(aws.ip_ranges), None
    except IpRangesError as error:
        ranges, ranges_error = NO_RANGES, str(error)
        context.log.warning(f"AWS ip ranges not loaded, AWS services will be named 'internet': {error}")
    windows = windows_in(context.partition_time_window)
    rows = 0  # over the run's windows
    for window in windows:
        book = build_cidr_book(
            ranges,
            the_lake.read_partition("inventory_vpcs", window.partition),
            the_lake.read_partition("inventory_vpc_peering_connections", window.partition),
            the_lake.read_partition("inventory_managed_prefix_lists", window.partition),
        )
        the_lake.write_table("cidr_book", window.partition, book)
        rows += book.num_rows
    return dg.MaterializeResult(
        metadata={
            "row_count": rows,
            "windows": len(windows),
            "ip_ranges": aws.ip_ranges,
            "ip_ranges_sync_token": str(ranges.get("syncToken", "")),
            "ip_ranges_error": ranges_error or "none",
        }
    )
