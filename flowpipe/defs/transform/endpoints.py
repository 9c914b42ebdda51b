"""endpoints: every address a window's records mention, named (inventory, AWS ranges, CIDR book)."""

from collections import Counter

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
    windows = windows_in(context.partition_time_window)
    per_type: Counter[str] = Counter()  # over the run's windows, as the SQL assets count their rows
    for window in windows:
        named = resolve_addresses(
            addresses_in_partition(the_lake, window.partition),
            the_lake.read_partition("address_book", window.partition),
            the_lake.read_partition("cidr_book", window.partition),
            (window.start_epoch, window.end_epoch),
        )
        the_lake.write_table("endpoints", window.partition, named)
        per_type.update(named.column("entity_type").to_pylist())
    return dg.MaterializeResult(
        metadata={
            "row_count": per_type.total(),
            "windows": len(windows),
            **{f"addresses_{entity_type}": count for entity_type, count in sorted(per_type.items())},
        }
    )
