"""Checks on conversations: every byte and packet AWS logged in the window is accounted for."""

import dagster as dg

from flowpipe.lib.conservation import window_totals
from flowpipe.lib.resources import LakeResource
from flowpipe.partitions import window_partitions, windows_in


@dg.asset_check(asset="conversations", blocking=True, partitions_def=window_partitions)
def conversations__bytes_conserved(
    context: dg.AssetCheckExecutionContext, lake: LakeResource
) -> dg.AssetCheckResult:
    """Bytes and packets of OK records are equal in raw_flow_logs and in conversations' logged totals."""
    totals = [
        window_totals(lake.get(), window.partition) for window in windows_in(context.partition_time_window)
    ]
    return dg.AssetCheckResult(
        passed=all(total.conserved for total in totals),
        metadata={
            "raw_bytes": sum(total.raw_bytes for total in totals),
            "logged_bytes": sum(total.logged_bytes for total in totals),
            "raw_packets": sum(total.raw_packets for total in totals),
            "logged_packets": sum(total.logged_packets for total in totals),
            "counted_bytes": sum(total.counted_bytes for total in totals),
            "duplicate_bytes_removed": sum(total.duplicate_bytes for total in totals),
            "windows_not_conserved": sum(not total.conserved for total in totals),
        },
    )
