"""report: a date's Markdown report, written to the lake and shown in the asset's metadata."""

import dagster as dg

from flowpipe.lib.report import render_report
from flowpipe.lib.resources import LakeResource
from flowpipe.partitions import date_partitions, dates_in, single_run

REPORT_FILE = "report.md"


@dg.asset(
    group_name="report",
    kinds={"markdown"},
    partitions_def=date_partitions,
    deps=["daily_top_talkers", "daily_efs_clients"],
    backfill_policy=single_run,
)
def report(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    """One Markdown report per date (its day and night windows): top talkers and EFS clients by name."""
    the_lake = lake.get()
    for date in dates_in(context.partition_time_window):
        text = render_report(the_lake, date)
        folder = the_lake.partition_path("reports", {"date": date})
        the_lake.filesystem.create_dir(folder, recursive=True)
        with the_lake.filesystem.open_output_stream(f"{folder}/{REPORT_FILE}") as stream:
            stream.write(text.encode())
    return dg.MaterializeResult(
        metadata={"path": the_lake.uri(f"{folder}/{REPORT_FILE}"), "report": dg.MetadataValue.md(text)}
    )
