"""Schedules: each tick asks for the window or date that closed just before it, in FLOWPIPE_TIMEZONE."""

import datetime
import importlib
from collections.abc import Iterator
from types import ModuleType
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from flowpipe import partitions
from flowpipe.definitions import defs
from flowpipe.defs import schedules

NEW_YORK = "America/New_York"


@pytest.fixture(scope="module")
def repository() -> dg.RepositoryDefinition:
    """The code location as the UI loads it: a tick resolves its partitioned job there."""
    return defs().get_repository_def()


@pytest.fixture
def new_york_schedules() -> Iterator[ModuleType]:
    """flowpipe.defs.schedules as loaded with FLOWPIPE_TIMEZONE=America/New_York, then restored."""
    modules = (partitions, schedules)
    saved = [dict(module.__dict__) for module in modules]
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("FLOWPIPE_TIMEZONE", NEW_YORK)
            for module in modules:
                importlib.reload(module)
            yield schedules
    finally:
        for module, namespace in zip(modules, saved, strict=True):
            module.__dict__.clear()
            module.__dict__.update(namespace)


def test_window_schedule_requests_the_window_that_just_closed(repository):
    schedule = repository.get_schedule_def("window_job_schedule")
    context = dg.build_schedule_context(
        scheduled_execution_time=_utc(2026, 3, 14, 18, 20), repository_def=repository
    )
    request = schedule.evaluate_tick(context).run_requests[0]
    assert request.partition_key == "2026-03-14-06:00"


def _utc(*parts: int) -> datetime.datetime:
    return datetime.datetime(*parts, tzinfo=datetime.UTC)


def test_date_schedule_requests_the_date_whose_night_just_closed(repository):
    schedule = repository.get_schedule_def("date_job_schedule")
    context = dg.build_schedule_context(
        scheduled_execution_time=_utc(2026, 3, 15, 6, 50), repository_def=repository
    )
    assert schedule.evaluate_tick(context).run_requests[0].partition_key == "2026-03-14"


def test_the_sampled_schedule_asks_for_a_five_minute_slice_of_the_closed_window(repository):
    schedule = repository.get_schedule_def("window_job_sampled_schedule")
    context = dg.build_schedule_context(
        scheduled_execution_time=_utc(2026, 3, 15, 6, 20), repository_def=repository
    )
    request = schedule.evaluate_tick(context).run_requests[0]
    assert request.partition_key == "2026-03-14-18:00"
    config = request.run_config["ops"]["raw_flow_logs"]["config"]
    assert (config["sample_minutes"], config["sample_offset_minutes"]) == (5, 180)


def test_no_run_is_requested_before_the_first_window_has_closed():
    start = partitions.window_partitions.start
    first_tick = dg.build_schedule_context(scheduled_execution_time=start + datetime.timedelta(minutes=20))
    assert isinstance(schedules.window_job_schedule(first_tick), dg.SkipReason)
    next_tick = dg.build_schedule_context(
        scheduled_execution_time=start + datetime.timedelta(hours=12, minutes=20)
    )
    request = schedules.window_job_schedule(next_tick)
    assert request.partition_key == request.run_key == start.strftime("%Y-%m-%d-%H:%M")


def test_every_schedule_ticks_at_its_cron_in_the_configured_timezone(new_york_schedules):
    ticks = {
        name: (schedule.cron_schedule, schedule.execution_timezone)
        for name, schedule in vars(new_york_schedules).items()
        if isinstance(schedule, dg.ScheduleDefinition)
    }
    assert ticks == {
        "window_job_schedule": ("20 6,18 * * *", NEW_YORK),
        "window_job_sampled_schedule": ("20 6,18 * * *", NEW_YORK),
        "date_job_schedule": ("50 6 * * *", NEW_YORK),
    }


@pytest.mark.parametrize(
    ("name", "local_tick", "partition_key"),
    [
        ("window_job_schedule", (2026, 3, 7, 18, 20), "2026-03-07-06:00"),  # 23:20 UTC
        # clocks went forward at 02:00: the night that closed at 06:00 EDT (10:00 UTC) lasted 11 hours
        ("window_job_schedule", (2026, 3, 8, 6, 20), "2026-03-07-18:00"),
        ("date_job_schedule", (2026, 3, 8, 6, 50), "2026-03-07"),
        # clocks went back at 02:00: that night lasted 13 hours and closed at 06:00 EST (11:00 UTC)
        ("window_job_sampled_schedule", (2026, 11, 1, 6, 20), "2026-10-31-18:00"),
        ("date_job_schedule", (2026, 11, 1, 6, 50), "2026-10-31"),
    ],
)
def test_a_new_york_tick_asks_for_the_local_window_or_date_that_closed_across_dst_changes(
    new_york_schedules, name, local_tick, partition_key
):
    tick = datetime.datetime(*local_tick, tzinfo=ZoneInfo(NEW_YORK))
    schedule = getattr(new_york_schedules, name)
    request = schedule(dg.build_schedule_context(scheduled_execution_time=tick))
    assert (request.partition_key, request.run_key) == (partition_key, partition_key)
