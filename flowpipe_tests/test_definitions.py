"""The Definitions load as the UI loads them, with exactly these assets, checks, jobs and schedules."""

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


def test_schedules_run_after_each_window_closes(definitions):
    schedules = {s.name: s.cron_schedule for s in definitions.schedules}
    assert schedules == SCHEDULES
    assert {job.name for job in definitions.jobs} == {"window_job", "date_job"}
    assert {sensor.name for sensor in definitions.sensors} == {
        "flow_log_arrival_sensor",
        "freshness_checks_sensor",
    }
