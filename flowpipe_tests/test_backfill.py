"""Backfills: many windows in one run (the UI's single-run policy) and `flowpipe run --from --to`."""

import datetime

import pandas as pd
import pytest

from flowpipe.cli import dates_between, main
from flowpipe.lib.lake import Lake
from flowpipe.lib.simulated.moto_server import patched_environment
from flowpipe.lib.simulated.simulation import simulate
from flowpipe_tests.simulated_run import BUCKET, reset_account, simulated_environment

DATES = (datetime.date(2026, 3, 14), datetime.date(2026, 3, 15))
RANGE_TAGS = {
    "dagster/asset_partition_range_start": "2026-03-14-06:00",
    "dagster/asset_partition_range_end": "2026-03-15-18:00",
}


@pytest.fixture(scope="module")
def two_dates(moto_server, tmp_path_factory):
    reset_account(moto_server)
    lake_root = tmp_path_factory.mktemp("lake")
    environment = simulated_environment(moto_server, lake_root)
    with patched_environment(environment):
        first = simulate(DATES[0], bucket=BUCKET, scale=0.05)
        second = simulate(DATES[1], bucket=BUCKET, scale=0.05, seed=8, model=first.model)
    return environment, lake_root, (first, second)


def _assert_windows_match_truth(lake: Lake, simulations) -> None:
    """Each window holds the bytes of every simulated exchange that starts in it, whichever date sent it
    (a date's traffic model also sends a little just before its own 06:00, into the previous night)."""
    exchanges = pd.concat([simulation.traffic.exchanges for simulation in simulations])
    for date in DATES:
        for window, hours in (("day", (6, 18)), ("night", (18, 30))):
            start, end = (_epoch(date, hour) for hour in hours)
            sent = exchanges[(exchanges.start >= start) & (exchanges.start < end)]
            partition = {"date": date.isoformat(), "window": window}
            found = lake.read_partition("conversations", partition).to_pandas()
            found = found[found.traffic_class != "nat-gateway-transit"]
            assert found.bytes.sum() == sent.bytes_up.sum() + sent.bytes_down.sum(), partition


def _epoch(date: datetime.date, hours: int) -> int:
    midnight = datetime.datetime.combine(date, datetime.time(), tzinfo=datetime.UTC)
    return int((midnight + datetime.timedelta(hours=hours)).timestamp())


def test_a_single_run_backfill_materializes_every_window_of_the_range(two_dates):
    from flowpipe.definitions import defs

    environment, lake_root, simulations = two_dates
    with patched_environment(environment):
        result = defs().resolve_job_def("window_job").execute_in_process(tags=RANGE_TAGS)
    assert result.success
    _assert_windows_match_truth(Lake(str(lake_root)), simulations)
    [check] = [
        c for c in result.get_asset_check_evaluations() if c.check_name == "conversations__bytes_conserved"
    ]
    assert check.passed and check.metadata["windows_not_conserved"].value == 0


def test_flowpipe_run_from_to_runs_each_date_and_its_report(two_dates, tmp_path):
    environment, _, simulations = two_dates
    lake_root = tmp_path / "lake"
    settings = {**environment, "FLOWPIPE_LAKE": str(lake_root), "DAGSTER_HOME": str(tmp_path / "dagster")}
    with patched_environment(settings):
        assert main(["run", "--from", "2026-03-14", "--to", "2026-03-15"]) == 0
    lake = Lake(str(lake_root))
    _assert_windows_match_truth(lake, simulations)
    for date in DATES:
        assert (lake_root / "reports" / f"date={date.isoformat()}" / "report.md").exists()


def test_a_range_that_ends_before_it_starts_is_refused():
    assert dates_between("2026-03-14", "2026-03-16") == ["2026-03-14", "2026-03-15", "2026-03-16"]
    with pytest.raises(ValueError, match="before"):
        dates_between("2026-03-15", "2026-03-14")
