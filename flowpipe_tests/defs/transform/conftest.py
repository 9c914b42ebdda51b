"""A lake in tmp_path, and the windows of 2026-03-14 that the transform assets are run on."""

import pytest

from flowpipe.lib.lake import Lake

DAY = {"date": "2026-03-14", "window": "day"}
NIGHT = {"date": "2026-03-14", "window": "night"}
DAY_KEY, NIGHT_KEY = "2026-03-14-06:00", "2026-03-14-18:00"
NIGHT_START = 1773525600  # 2026-03-14 22:00 UTC


def range_tags(first: str, last: str) -> dict[str, str]:
    """The tags of a single-run backfill of the windows from `first` to `last`."""
    return {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}


@pytest.fixture
def lake(tmp_path) -> Lake:
    return Lake(str(tmp_path / "lake"))
