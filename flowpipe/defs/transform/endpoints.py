"""endpoints: every address a window's records mention, named (inventory, AWS ranges, CIDR book)."""

import dagster as dg

from flowpipe.lib.address_resolver import resolve_addresses
from flowpipe.lib.resources import LakeResource
from flowpipe.lib.window_addresses import addresses_in_partition
from flowpipe.partitions import single_run, window_partitions, windows_in


@dg.asset(
    group_name="transform",
    kinds={"parquet"},
    partitions_def=window_partitions,
    deps=["raw_flow_logs", "address_book", "cidr_book"],
    backfill_policy=single_run,
)
def endpoints(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    """One row per distinct address in the window's records and owner valid in the window, with the
    entity it belongs to and when (valid_from, valid_to: a flow is named by the row its start falls in)."""
    the_lake = lake.get()
    for window in windows_in(context.partition_time_window):
        named = resolve_addresses(
            addresses_in_partition(the_lake, window.partition),
            the_lake.read_partition("address_book", window.partition),
            the_lake.read_partition("cidr_book", window.partition),
            (window.start_epoch, window.end_epoch),
        )
        the_lake.write_table("endpoints", window.partition, named)
    counts = named.group_by("entity_type").aggregate([("ip", "count")]).to_pylist()
    return dg.MaterializeResult(
        metadata={
            "row_count": named.num_rows,
            **{f"addresses_{r['entity_type']}": r["ip_count"] for r in counts},
        }
    )
