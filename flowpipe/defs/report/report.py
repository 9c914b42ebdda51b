"""report: a date's Markdown report and its charts, written to the lake and shown in the asset's metadata."""

import base64

import dagster as dg

from flowpipe.lib.report import render_report, write_report
from flowpipe.lib.report_charts import TOP_PAIRS_FILE, render_charts
from flowpipe.lib.resources import LakeResource
from flowpipe.partitions import configured_timezone, date_partitions, dates_in, single_run

DAILY_INPUTS = [
    "daily_top_talkers",
    "daily_efs_clients",
    "daily_cross_az_traffic",
    "daily_egress",
    "daily_rejected_traffic",
    "daily_ssh_rdp_exposure",
    "day_vs_night",
]


@dg.asset(
    group_name="report",
    kinds={"markdown"},
    partitions_def=date_partitions,
    deps=[
        *DAILY_INPUTS,
        # the hourly chart reads the date's two windows of raw records; "Names missing" the windows'
        # failed inventory calls and unnamed addresses
        *[
            dg.AssetDep(window_asset, partition_mapping=dg.TimeWindowPartitionMapping())
            for window_asset in ("raw_flow_logs", "inventory_snapshot", "endpoints")
        ],
    ],
    backfill_policy=single_run,
)
def report(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    """One Markdown report per date (its day and night windows): why names are missing (failed inventory
    calls), top talkers, EFS clients, day vs night, cross-AZ cost, egress, rejected probes, new talkers,
    and PNG charts beside it."""
    the_lake = lake.get()
    for date in dates_in(context.partition_time_window):
        charts = render_charts(the_lake, date, configured_timezone())
        text = render_report(the_lake, date, {chart.file: chart.title for chart in charts})
        path = write_report(the_lake, date, text, {chart.file: chart.png for chart in charts})
    top_pairs = next(chart for chart in charts if chart.file == TOP_PAIRS_FILE)
    image = base64.b64encode(top_pairs.png).decode()
    return dg.MaterializeResult(
        metadata={
            "path": the_lake.uri(path),
            "report": dg.MetadataValue.md(text),
            "top_pairs": dg.MetadataValue.md(f"![{top_pairs.title}](data:image/png;base64,{image})"),
        }
    )
