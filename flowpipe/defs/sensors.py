"""flow_log_arrival_sensor: run a window as soon as its deliveries are in, instead of at a fixed time."""

from datetime import UTC, datetime, timedelta

import dagster as dg

from flowpipe.lib.cloudwatch_source import CloudWatchFlowLogSource
from flowpipe.lib.resources import FlowLogSourceResource
from flowpipe.lib.windows import window_for
from flowpipe.partitions import window_partitions

# A record starting just before the window ends closes within the 10-minute aggregation interval and
# lands in that 5-minute file: a delivery stamped 15 minutes after the end means the window is complete.
SETTLED_AFTER = timedelta(minutes=15)


def last_closed_window_key(now: datetime) -> str:
    """The newest window whose end has passed."""
    open_key = window_partitions.get_partition_key_for_timestamp(now.timestamp())
    open_start = window_partitions.time_window_for_partition_key(open_key).start
    return window_partitions.get_partition_key_for_timestamp(open_start.timestamp() - 1)


@dg.sensor(job_name="window_job", minimum_interval_seconds=300, default_status=dg.DefaultSensorStatus.STOPPED)
def flow_log_arrival_sensor(
    context: dg.SensorEvaluationContext, flow_log_source: FlowLogSourceResource
) -> dg.RunRequest | dg.SkipReason:
    """Requests the last closed window once a delivery stamped SETTLED_AFTER its end has arrived."""
    key = last_closed_window_key(datetime.now(UTC))
    if context.cursor == key:
        return dg.SkipReason(f"window {key} was already requested")
    source = flow_log_source.open()
    if isinstance(source, CloudWatchFlowLogSource):
        return dg.SkipReason(
            "CloudWatch Logs has no delivery files to watch; its windows run on the schedule"
        )
    window = window_for(window_partitions.time_window_for_partition_key(key))
    stamps = [obj.file_time for obj in source.list_objects(window.start, window.end) if obj.file_time]
    settled_at = window.end.astimezone(UTC) + SETTLED_AFTER
    if not stamps or max(stamps) < settled_at:
        latest = max(stamps).isoformat() if stamps else "none"
        return dg.SkipReason(
            f"window {key}: waiting for a delivery stamped {settled_at:%H:%M}Z, latest {latest}"
        )
    context.update_cursor(key)
    return dg.RunRequest(run_key=key, partition_key=key)
