"""Window and date partitions: local 06:00/18:00 keys across DST changes, and the windows a run covers."""

import datetime

import dagster as dg
import pytest

from flowpipe.partitions import (
    date_partitions,
    dates_in,
    window_partitions,
    window_partitions_in,
    windows_in,
)


def _utc(*parts: int) -> datetime.datetime:
    return datetime.datetime(*parts, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("instant", "key"),
    [
        ((2026, 3, 28, 16, 59), "2026-03-28-06:00"),  # 17:59 CET
        ((2026, 3, 28, 17, 0), "2026-03-28-18:00"),
        ((2026, 3, 29, 3, 59), "2026-03-28-18:00"),  # 05:59 CEST, clocks went forward at 02:00
        ((2026, 3, 29, 4, 0), "2026-03-29-06:00"),
        ((2026, 10, 25, 4, 59), "2026-10-24-18:00"),  # 05:59 CET, clocks went back at 03:00
        ((2026, 10, 25, 5, 0), "2026-10-25-06:00"),
    ],
)
def test_an_instant_falls_in_the_paris_window_keyed_by_its_local_start(instant, key):
    paris = window_partitions_in("Europe/Paris")
    assert paris.get_partition_key_for_timestamp(_utc(*instant).timestamp()) == key


def test_the_first_window_starts_at_06_00_local_on_flowpipe_start_date(monkeypatch):
    monkeypatch.setenv("FLOWPIPE_START_DATE", "2026-03-01")
    tokyo = window_partitions_in("Asia/Tokyo")
    assert tokyo.get_first_partition_key() == "2026-03-01-06:00"
    assert tokyo.start == _utc(2026, 2, 28, 21)


def test_a_date_is_its_day_window_and_the_night_that_follows():
    windows = windows_in(date_partitions.time_window_for_partition_key("2026-03-14"))
    assert [window.partition for window in windows] == [
        {"date": "2026-03-14", "window": "day"},
        {"date": "2026-03-14", "window": "night"},
    ]
    assert (windows[0].start, windows[-1].end) == (_utc(2026, 3, 14, 6), _utc(2026, 3, 15, 6))


def test_a_single_run_backfill_covers_each_window_of_its_range_in_order():
    time_window = dg.TimeWindow(
        window_partitions.time_window_for_partition_key("2026-03-14-18:00").start,
        window_partitions.time_window_for_partition_key("2026-03-16-06:00").end,
    )
    windows = windows_in(time_window)
    assert [(w.partition["date"], w.partition["window"]) for w in windows] == [
        ("2026-03-14", "night"),
        ("2026-03-15", "day"),
        ("2026-03-15", "night"),
        ("2026-03-16", "day"),
    ]
    assert dates_in(dg.TimeWindow(_utc(2026, 3, 14, 6), _utc(2026, 3, 17, 6))) == [
        "2026-03-14",
        "2026-03-15",
        "2026-03-16",
    ]
