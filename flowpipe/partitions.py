"""Every partitions definition of flowpipe, 12-hour windows and the dates made of two of them, and the
windows a run covers.

A date runs 06:00 -> 06:00 (daily partitions with hour offset 6), so each date is exactly its `day`
window [06:00, 18:00) and the `night` window [18:00, 06:00) that follows it, in FLOWPIPE_TIMEZONE.
Dagster needs the timezone when the definitions are built, so it is read here, once, at load.
"""

import datetime
import os
import zoneinfo

import dagster as dg

from flowpipe.lib.windows import (
    DAY_STARTS_AT_HOUR,
    NIGHT_STARTS_AT_HOUR,
    WINDOW_KEY_FORMAT,
    Window,
    window_for,
)

DEFAULT_TIMEZONE = "UTC"
DEFAULT_START_DATE = "2025-01-01"
WINDOW_CRON = "0 6,18 * * *"
# What a key that is not a window partition is told, wherever one is refused.
WINDOW_KEYS_EXPLAINED = (
    f"a window starts at {DAY_STARTS_AT_HOUR:02d}:00 or {NIGHT_STARTS_AT_HOUR:02d}:00 in FLOWPIPE_TIMEZONE, "
    "from FLOWPIPE_START_DATE to the last one that has ended"
)


def configured_timezone() -> str:
    """FLOWPIPE_TIMEZONE, an IANA name such as Europe/Paris; a name the tz database lacks is refused here,
    with the variable named, rather than deep inside Dagster."""
    name = os.environ.get("FLOWPIPE_TIMEZONE") or DEFAULT_TIMEZONE
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError) as error:
        raise ValueError(
            f"FLOWPIPE_TIMEZONE={name!r} is not a timezone name such as UTC or Europe/Paris"
        ) from error
    return name


def _start_date() -> str:
    """FLOWPIPE_START_DATE, YYYY-MM-DD between 1970 and 9000 (Dagster's partitions need Unix time)."""
    value = os.environ.get("FLOWPIPE_START_DATE") or DEFAULT_START_DATE
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError as error:
        raise ValueError(f"FLOWPIPE_START_DATE={value!r} is not a date YYYY-MM-DD") from error
    if not 1970 <= day.year <= 9000 or value != day.isoformat():
        raise ValueError(f"FLOWPIPE_START_DATE={value!r} must be YYYY-MM-DD between 1970 and 9000")
    return value


def window_partitions_in(timezone: str) -> dg.TimeWindowPartitionsDefinition:
    """The 12-hour windows from FLOWPIPE_START_DATE in `timezone`, each keyed by its local start."""
    return dg.TimeWindowPartitionsDefinition(
        start=f"{_start_date()}-{DAY_STARTS_AT_HOUR:02d}:00",
        cron_schedule=WINDOW_CRON,
        fmt=WINDOW_KEY_FORMAT,
        timezone=timezone,
    )


window_partitions = window_partitions_in(configured_timezone())

date_partitions = dg.DailyPartitionsDefinition(
    start_date=_start_date(), hour_offset=DAY_STARTS_AT_HOUR, timezone=configured_timezone()
)


def windows_in(time_window: dg.TimeWindow) -> list[Window]:
    """The windows a run covers: one for a single partition, several for a single-run backfill."""
    keys = window_partitions.get_partition_keys_in_time_window(time_window)
    return [window_for(window_partitions.time_window_for_partition_key(key)) for key in keys]


def dates_in(time_window: dg.TimeWindow) -> list[str]:
    """The date partition keys a run covers."""
    return list(date_partitions.get_partition_keys_in_time_window(time_window))


# Backfills of many windows run as one run per asset, window after window, in bounded memory.
single_run = dg.BackfillPolicy.single_run()
