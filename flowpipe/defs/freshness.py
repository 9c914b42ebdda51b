"""Freshness: a window that has closed but is not in the lake an hour later is flagged in the UI."""

import dagster as dg

from flowpipe.partitions import configured_timezone

# An hour after each window closes: the 20-minute schedule delay plus the run itself, with room to spare.
WINDOW_DEADLINE_CRON = "0 7,19 * * *"
WATCHED_ASSETS = ["raw_flow_logs", "conversations", "top_talkers"]

window_freshness_checks = dg.build_time_partition_freshness_checks(
    assets=WATCHED_ASSETS, deadline_cron=WINDOW_DEADLINE_CRON, timezone=configured_timezone()
)

freshness_checks_sensor = dg.build_sensor_for_freshness_checks(freshness_checks=window_freshness_checks)
