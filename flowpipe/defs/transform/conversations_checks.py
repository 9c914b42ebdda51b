"""Checks on conversations: every byte and packet AWS logged in the window is accounted for."""

import dagster as dg

from flowpipe.lib.conservation import window_totals
from flowpipe.lib.resources import LakeResource
from flowpipe.lib.windows import window_for
from flowpipe.partitions import window_partitions


@dg.asset_check(asset="conversations", blocking=True, partitions_def=window_partitions)
def conversations__bytes_conserved(
    context: dg.AssetCheckExecutionContext, lake: LakeResource
) -> dg.AssetCheckResult:
    """Bytes and packets of OK records are equal in raw_flow_logs and in conversations' logged totals."""
    window = window_for(context.partition_time_window)
    totals = window_totals(lake.get(), window.partition)
    return dg.AssetCheckResult(
        passed=totals.conserved,
        metadata={
            "raw_bytes": totals.raw_bytes,
            "logged_bytes": totals.logged_bytes,
            "raw_packets": totals.raw_packets,
            "logged_packets": totals.logged_packets,
            "counted_bytes": totals.counted_bytes,
            "duplicate_bytes_removed": totals.duplicate_bytes,
        },
    )
