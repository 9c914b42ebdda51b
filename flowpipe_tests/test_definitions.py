"""The Definitions load as the UI loads them, with exactly these assets, checks, jobs and schedules."""

import datetime

import dagster as dg
import pytest

from flowpipe.definitions import defs

ASSETS = [
    "address_book",
    "cidr_book",
    "conversations",
    "cross_az_traffic",
    "daily_cross_az_traffic",
    "daily_efs_clients",
    "daily_egress",
    "daily_lambda_to_rds_direct",
    "daily_lb_bypass",
    "daily_nfs_other",
    "daily_rejected_traffic",
    "daily_ssh_rdp_exposure",
    "daily_top_ports",
    "daily_top_talkers",
    "day_vs_night",
    "efs_clients",
    "egress",
    "endpoints",
    "int_conversations_accepted",
    "int_flows_deduplicated",
    "int_flows_oriented",
    "int_interfaces_classified",
    "inventory_snapshot",
    "lambda_to_rds_direct",
    "lb_bypass",
    "new_talkers",
    "nfs_other",
    "raw_flow_log_rejects",
    "raw_flow_logs",
    "rejected_traffic",
    "report",
    "ssh_rdp_exposure",
    "stg_lake__address_book",
    "stg_lake__endpoints",
    "stg_lake__raw_flow_logs",
    "top_ports",
    "top_talkers",
]
CHECKS = [
    "conversations:conversations__bytes_conserved",
    "conversations:freshness_check",
    "raw_flow_logs:freshness_check",
    "raw_flow_logs:raw_flow_logs__rejects_below_threshold",
    "top_talkers:freshness_check",
]
SCHEDULES = {
    "window_job_schedule": "20 6,18 * * *",
    "window_job_sampled_schedule": "20 6,18 * * *",
    "date_job_schedule": "50 6 * * *",
}


@pytest.fixture(scope="module")
def definitions() -> dg.Definitions:
    loaded = defs()
    dg.Definitions.validate_loadable(loaded)
    return loaded


def test_assets_and_checks_are_wired(definitions):
    graph = definitions.resolve_asset_graph()
    assert sorted(key.to_user_string() for key in graph.get_all_asset_keys()) == ASSETS
    checks = sorted(f"{key.asset_key.to_user_string()}:{key.name}" for key in graph.asset_check_keys)
    assert checks == CHECKS


@pytest.mark.parametrize("engine", ["duckdb", "spark"])
def test_sql_assets_show_the_engine_that_runs_them_as_their_kind(engine, monkeypatch):
    monkeypatch.setenv("FLOWPIPE_ENGINE", engine)
    graph = defs().resolve_asset_graph()
    for name in ("conversations", "daily_top_talkers", "int_flows_oriented"):
        assert engine in graph.get(dg.AssetKey(name)).kinds
    assert graph.get(dg.AssetKey("conversations")).kinds == {engine, "parquet"}


def test_lineage_follows_the_sql_refs(definitions):
    graph = definitions.resolve_asset_graph()
    parents = {key.to_user_string() for key in graph.get(dg.AssetKey("conversations")).parent_keys}
    assert parents == {"int_flows_oriented", "stg_lake__endpoints"}
    assert {k.to_user_string() for k in graph.get(dg.AssetKey("stg_lake__raw_flow_logs")).parent_keys} == {
        "raw_flow_logs"
    }


def test_schedules_run_after_each_window_closes(definitions):
    schedules = {s.name: s.cron_schedule for s in definitions.schedules}
    assert schedules == SCHEDULES
    assert {job.name for job in definitions.jobs} == {"window_job", "date_job"}
    assert {sensor.name for sensor in definitions.sensors} == {
        "flow_log_arrival_sensor",
        "freshness_checks_sensor",
    }


def test_window_schedule_requests_the_window_that_just_closed(definitions):
    schedule = definitions.resolve_schedule_def("window_job_schedule")
    context = dg.build_schedule_context(
        scheduled_execution_time=_utc(2026, 3, 14, 18, 20), repository_def=definitions.get_repository_def()
    )
    request = schedule.evaluate_tick(context).run_requests[0]
    assert request.partition_key == "2026-03-14-06:00"


def _utc(*parts: int) -> datetime.datetime:
    return datetime.datetime(*parts, tzinfo=datetime.UTC)


def test_date_schedule_requests_the_date_whose_night_just_closed(definitions):
    schedule = definitions.resolve_schedule_def("date_job_schedule")
    context = dg.build_schedule_context(
        scheduled_execution_time=_utc(2026, 3, 15, 6, 50), repository_def=definitions.get_repository_def()
    )
    assert schedule.evaluate_tick(context).run_requests[0].partition_key == "2026-03-14"


def test_the_sampled_schedule_asks_for_a_five_minute_slice_of_the_closed_window(definitions):
    schedule = definitions.resolve_schedule_def("window_job_sampled_schedule")
    context = dg.build_schedule_context(
        scheduled_execution_time=_utc(2026, 3, 15, 6, 20), repository_def=definitions.get_repository_def()
    )
    request = schedule.evaluate_tick(context).run_requests[0]
    assert request.partition_key == "2026-03-14-18:00"
    config = request.run_config["ops"]["raw_flow_logs"]["config"]
    assert (config["sample_minutes"], config["sample_offset_minutes"]) == (5, 180)
