"""day_vs_night, a date-grain model, on literal rows of both windows and on the simulated account."""

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from flowpipe.lib.lake import Lake
from flowpipe.lib.simulated.moto_server import patched_environment
from flowpipe.lib.sql_config import SqlModelConfig
from flowpipe.lib.sql_engine import SqlEngine
from flowpipe.lib.sql_models import DATE_GRAIN, SQL_ROOT, discover_models
from flowpipe_tests.dbt_like_sql.conftest import START, endpoint, record, write_window
from flowpipe_tests.simulated_run import (
    DATE,
    SimulatedRun,
    materialize_window,
    reset_account,
    simulate_date,
    simulated_environment,
)

DAY = "2026-03-14"
NIGHT_START = START + 12 * 3600  # 2026-03-14 22:00 UTC
MANAGEMENT = endpoint("10.0.0.5", "ec2:instance", "management", "i-mgmt", "eni-mgmt", "a")
BATCH = endpoint("10.0.0.6", "ec2:instance", "batch", "i-batch", "eni-batch", "a")
WEB = endpoint("10.0.1.10", "ec2:instance", "web", "i-web", "eni-web", "a")
APP = endpoint("10.0.1.20", "ec2:instance", "app", "i-app", "eni-app", "a")
EFS = endpoint("10.0.1.4", "efs:mount-target", "shared-fs", "fs-1", "eni-efs", "a")
NAT = endpoint("10.0.2.99", "nat-gateway", "nat-b", "nat-1", "eni-nat", "b")
S3 = endpoint("52.216.8.9", "aws:service", "S3 us-east-1")
HOST = endpoint("203.0.113.5", "internet", "203.0.113.5")
PROBER = endpoint("198.51.100.7", "internet", "198.51.100.7")
ENDPOINTS = [MANAGEMENT, BATCH, WEB, APP, EFS, NAT, S3, HOST, PROBER]


def _exchange(eni, client, server, client_port, server_port, up, down, start=START, action="ACCEPT"):
    """Both directions of one connection as the ENI `eni` logged them."""
    return [
        record(eni, client["ip"], server["ip"], client_port, server_port, up, start=start, action=action),
        record(eni, server["ip"], client["ip"], server_port, client_port, down, start=start, action=action),
    ]


@pytest.fixture
def build_date_model(tmp_path: Path) -> Callable[..., pd.DataFrame]:
    """build_date_model(name, day_records, night_records) -> the date model's rows, as a DataFrame."""

    def build(name: str, day: list[dict], night: list[dict], **variables) -> pd.DataFrame:
        lake = Lake(str(tmp_path / "lake"))
        models = discover_models(SQL_ROOT)
        engine = SqlEngine(lake, SQL_ROOT)
        variables = {**SqlModelConfig().model_dump(), **variables}
        windows = [{"date": DAY, "window": "day"}, {"date": DAY, "window": "night"}]
        for window, records in zip(windows, (day, night), strict=True):
            write_window(lake, window, records, ENDPOINTS)
            engine.build(models, "conversations", window, variables)
        engine.build(models, name, {"date": DAY}, variables, inputs=windows)
        return lake.read_partition(name, {"date": DAY}).to_pandas()

    return build


def test_day_vs_night_is_built_per_date_only():
    assert discover_models(SQL_ROOT)["day_vs_night"].grain == DATE_GRAIN


def test_day_vs_night_ranks_what_grows_at_night_first(build_date_model):
    day = _exchange("eni-mgmt", MANAGEMENT, EFS, 50001, 2049, 10, 90) + _exchange(
        "eni-web", WEB, APP, 50002, 8080, 1000, 4000
    )
    night = (
        _exchange("eni-mgmt", MANAGEMENT, EFS, 50001, 2049, 1000, 9000, start=NIGHT_START)
        + _exchange("eni-web", WEB, APP, 50002, 8080, 200, 800, start=NIGHT_START)
        + _exchange("eni-batch", BATCH, S3, 50003, 443, 2900, 100, start=NIGHT_START)
    )
    rows = build_date_model("day_vs_night", day, night).sort_values("rank")
    assert list(zip(rows.client_name, rows.server_name, rows.server_port, strict=True)) == [
        ("management", "shared-fs", 2049),
        ("batch", "S3 us-east-1", 443),
        ("web", "app", 8080),
    ]
    assert rows["rank"].tolist() == [1, 2, 3]
    assert rows.day_bytes.tolist() == [100, 0, 5000]
    assert rows.night_bytes.tolist() == [10000, 3000, 1000]
    assert rows.night_growth_bytes.tolist() == [9900, 3000, -4000]
    assert rows.night_share.tolist() == pytest.approx([10000 / 10100, 1.0, 1000 / 6000])
    assert rows.night_to_day_ratio.iloc[0] == pytest.approx(100.0)
    assert pd.isna(rows.night_to_day_ratio.iloc[1])  # nothing by day: no ratio
    assert rows.night_to_day_ratio.iloc[2] == pytest.approx(0.2)
    assert rows.service.tolist() == ["nfs", "https", "http-alt"]
    assert rows.protocol.tolist() == ["tcp"] * 3


def test_day_vs_night_counts_accepted_traffic_once_without_nat_transit(build_date_model):
    client_port, nat_port = 50010, 61000
    night = (
        _exchange("eni-app", APP, HOST, client_port, 443, 300, 700, start=NIGHT_START)
        + _exchange("eni-nat", APP, NAT, client_port, 443, 300, 700, start=NIGHT_START)
        + _exchange("eni-nat", NAT, HOST, nat_port, 443, 300, 700, start=NIGHT_START)
        + _exchange("eni-web", PROBER, WEB, 40000, 22, 60, 0, start=NIGHT_START, action="REJECT")
    )
    rows = build_date_model("day_vs_night", [], night)
    assert rows[["client_name", "server_name", "day_bytes", "night_bytes"]].to_dict("records") == [
        {"client_name": "app", "server_name": "203.0.113.5", "day_bytes": 0, "night_bytes": 1000}
    ]


def test_day_vs_night_keeps_the_top_n_by_growth(build_date_model):
    night = _exchange("eni-mgmt", MANAGEMENT, EFS, 50001, 2049, 10, 90, start=NIGHT_START) + _exchange(
        "eni-batch", BATCH, S3, 50003, 443, 1, 1, start=NIGHT_START
    )
    rows = build_date_model("day_vs_night", [], night, top_n=1)
    assert rows.client_name.tolist() == ["management"]


@pytest.fixture(scope="module")
def run(moto_server, tmp_path_factory) -> SimulatedRun:
    """The simulated date's two windows, then day_vs_night over them (every pair: top_n above their count)."""
    reset_account(moto_server)
    lake_root = tmp_path_factory.mktemp("lake")
    environment = simulated_environment(moto_server, lake_root)
    with patched_environment(environment):
        simulation = simulate_date(scale=0.1)
        results = [materialize_window(window) for window in ("day", "night")]
    assert all(result.success for result in results)
    lake = Lake(str(lake_root))
    date = DATE.isoformat()
    inputs = [{"date": date, "window": window} for window in ("day", "night")]
    SqlEngine(lake, SQL_ROOT).build(
        discover_models(SQL_ROOT), "day_vs_night", {"date": date}, {"top_n": 100_000}, inputs=inputs
    )
    return SimulatedRun(simulation, lake, environment)


def _truth_by_window(run: SimulatedRun) -> pd.DataFrame:
    """Accepted bytes the account sent per (client, server, port), one column per window."""
    truth = run.simulation.ground_truth
    accepted = truth[truth.action == "ACCEPT"].assign(bytes=lambda frame: frame.bytes_up + frame.bytes_down)
    by_window = accepted.pivot_table(
        index=["client_name", "server_name", "server_port"],
        columns="window",
        values="bytes",
        aggfunc="sum",
        fill_value=0,
    )
    return by_window.astype(int)


def test_day_vs_night_has_each_pairs_bytes_the_account_sent_in_each_window(run):
    truth = _truth_by_window(run)
    found = run.lake.read_partition("day_vs_night", {"date": DATE.isoformat()}).to_pandas()
    found = found.groupby(["client_name", "server_name", "server_port"])[["day_bytes", "night_bytes"]].sum()
    assert found.day_bytes.to_dict() == truth["day"].to_dict()
    assert found.night_bytes.to_dict() == truth["night"].to_dict()


def test_the_management_servers_night_efs_backup_grows_the_most_at_night(run):
    found = run.lake.read_partition("day_vs_night", {"date": DATE.isoformat()}).to_pandas()
    first = found.sort_values("rank").iloc[0]
    efs = run.simulation.model.by_type("efs:mount-target")[0].entity_name
    assert (first.client_name, first.server_name, first.server_port) == ("management-server", efs, 2049)
    truth = _truth_by_window(run)
    growth = truth["night"] - truth["day"]
    assert growth.idxmax() == ("management-server", efs, 2049)
    assert first.night_growth_bytes == growth.max()
    assert list(found.sort_values("rank").night_growth_bytes) == sorted(
        found.night_growth_bytes, reverse=True
    )
