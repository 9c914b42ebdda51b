"""Window: day or night, the date and lake partition it belongs to, its epoch bounds across DST changes."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from flowpipe.lib.windows import Window, window_for
from flowpipe.partitions import window_partitions_in

NEW_YORK = ZoneInfo("America/New_York")


def _epoch(*utc: int) -> int:
    return int(datetime(*utc, tzinfo=UTC).timestamp())


def test_a_night_belongs_to_the_date_it_starts_on() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    night = Window(datetime(2026, 12, 31, 18, 0, tzinfo=tokyo), datetime(2027, 1, 1, 6, 0, tzinfo=tokyo))
    day = Window(datetime(2027, 1, 1, 6, 0, tzinfo=tokyo), datetime(2027, 1, 1, 18, 0, tzinfo=tokyo))

    assert night.partition == {"date": "2026-12-31", "window": "night"}
    assert day.partition == {"date": "2027-01-01", "window": "day"}
    assert (night.start_epoch, night.end_epoch) == (_epoch(2026, 12, 31, 9), _epoch(2026, 12, 31, 21))


def test_epoch_bounds_are_the_instants_of_the_local_bounds_when_the_clocks_go_back() -> None:
    paris = ZoneInfo("Europe/Paris")
    night = Window(datetime(2026, 10, 24, 18, 0, tzinfo=paris), datetime(2026, 10, 25, 6, 0, tzinfo=paris))

    assert night.start_epoch == _epoch(2026, 10, 24, 16)  # 18:00 summer time, UTC+2
    assert night.end_epoch == _epoch(2026, 10, 25, 5)  # 06:00 winter time, UTC+1
    assert night.end_epoch - night.start_epoch == 13 * 3600


@pytest.mark.parametrize(
    ("key", "name", "date", "start_utc", "end_utc"),
    [
        ("2026-03-07-18:00", "night", "2026-03-07", (2026, 3, 7, 23), (2026, 3, 8, 10)),  # clocks go forward
        ("2026-03-08-06:00", "day", "2026-03-08", (2026, 3, 8, 10), (2026, 3, 8, 22)),
        ("2026-10-31-18:00", "night", "2026-10-31", (2026, 10, 31, 22), (2026, 11, 1, 11)),  # and back
        ("2026-11-01-06:00", "day", "2026-11-01", (2026, 11, 1, 11), (2026, 11, 1, 23)),
    ],
)
def test_window_partitions_across_new_york_dst_changes_keep_local_06_and_18_bounds(
    key: str, name: str, date: str, start_utc: tuple, end_utc: tuple
) -> None:
    window = window_for(window_partitions_in("America/New_York").time_window_for_partition_key(key))

    assert window.partition == {"date": date, "window": name}
    assert (window.start_epoch, window.end_epoch) == (_epoch(*start_utc), _epoch(*end_utc))
    assert window.start.astimezone(NEW_YORK).strftime("%Y-%m-%d-%H:%M") == key
