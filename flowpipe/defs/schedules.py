"""Jobs and schedules: each window's chain runs once the window has closed and late deliveries are in."""

import dagster as dg

from flowpipe.partitions import configured_timezone, date_partitions, window_partitions

# AWS delivers flow logs to S3 up to 10-15 minutes after a capture interval ends.
LATE_DELIVERY_MINUTES = 20
DATE_DELAY_MINUTES = LATE_DELIVERY_MINUTES + 30
# The sampled schedule reads 5 minutes of each window, 3 hours in, as engineers sample by hand today.
SAMPLE_MINUTES = 5
SAMPLE_OFFSET_MINUTES = 180
SAMPLED_RUN_CONFIG = {
    "ops": {
        "raw_flow_logs": {
            "config": {"sample_minutes": SAMPLE_MINUTES, "sample_offset_minutes": SAMPLE_OFFSET_MINUTES}
        }
    }
}

DATE_GROUPS = ("daily", "report")

window_job = dg.define_asset_job(
    "window_job",
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups(*DATE_GROUPS),
    description="Every window-partitioned asset: extraction, inventory, enrichment and rollups.",
)

date_job = dg.define_asset_job(
    "date_job",
    selection=dg.AssetSelection.groups(*DATE_GROUPS),
    description="A date's rollups and report, from its day and night windows.",
)


@dg.schedule(
    cron_schedule=f"{LATE_DELIVERY_MINUTES} 6,18 * * *",
    job=window_job,
    execution_timezone=configured_timezone(),
)
def window_job_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
    """The window that closed LATE_DELIVERY_MINUTES ago."""
    return _request_closed(window_partitions, context, LATE_DELIVERY_MINUTES)


@dg.schedule(
    cron_schedule=f"{LATE_DELIVERY_MINUTES} 6,18 * * *",
    job=window_job,
    execution_timezone=configured_timezone(),
)
def window_job_sampled_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
    """The window that just closed, read as a sample (SAMPLE_MINUTES at +SAMPLE_OFFSET_MINUTES) to keep
    the cost of large groups down; turn on this one or window_job_schedule."""
    return _request_closed(window_partitions, context, LATE_DELIVERY_MINUTES, SAMPLED_RUN_CONFIG)


@dg.schedule(
    cron_schedule=f"{DATE_DELAY_MINUTES} 6 * * *",
    job=date_job,
    execution_timezone=configured_timezone(),
)
def date_job_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
    """The date whose night closed this morning, after its night window's run."""
    return _request_closed(date_partitions, context, DATE_DELAY_MINUTES)


def _request_closed(
    partitions: dg.TimeWindowPartitionsDefinition,
    context: dg.ScheduleEvaluationContext,
    delay_minutes: int,
    run_config: dict | None = None,
) -> dg.RunRequest | dg.SkipReason:
    """A run of the partition that ended `delay_minutes` before this tick."""
    closed_at = context.scheduled_execution_time.timestamp() - delay_minutes * 60
    if closed_at <= partitions.start.timestamp():
        return dg.SkipReason("no partition has closed yet")
    key = partitions.get_partition_key_for_timestamp(closed_at - 1)
    return dg.RunRequest(run_key=key, partition_key=key, run_config=run_config or {})
