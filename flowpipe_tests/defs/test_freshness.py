"""The window freshness checks: raw_flow_logs, conversations and top_talkers are due an hour after each
window closes, evaluated against a real instance's materializations, and the sensor that runs them."""

import datetime
import zoneinfo

import dagster as dg
import pytest

from flowpipe.defs.freshness import freshness_checks_sensor, window_freshness_checks
from flowpipe.partitions import configured_timezone, window_partitions

WATCHED = ["conversations", "raw_flow_logs", "top_talkers"]
WINDOW = datetime.timedelta(hours=12)


@pytest.fixture
def instance() -> dg.DagsterInstance:
    return dg.DagsterInstance.ephemeral()


def _evaluate(instance: dg.DagsterInstance) -> dict[str, dg.AssetCheckEvaluation]:
    specs = [dg.AssetSpec(name, partitions_def=window_partitions) for name in WATCHED]
    result = dg.materialize(
        [*specs, *window_freshness_checks],
        instance=instance,
        selection=dg.AssetSelection.checks(*window_freshness_checks),
    )
    return {e.asset_key.to_user_string(): e for e in result.get_asset_check_evaluations()}


def _due_window(deadline: float) -> str:
    """The window the check expects at a deadline: the one that closed an hour before it."""
    local = datetime.datetime.fromtimestamp(deadline, zoneinfo.ZoneInfo(configured_timezone()))
    assert (local.hour, local.minute, local.second) in {(7, 0, 0), (19, 0, 0)}
    return (local - datetime.timedelta(hours=1) - WINDOW).strftime("%Y-%m-%d-%H:%M")


def test_a_window_nowhere_in_the_instance_fails_each_check_naming_the_window_due(instance):
    before = datetime.datetime.now(datetime.UTC).timestamp()
    evaluations = _evaluate(instance)
    assert sorted(evaluations) == WATCHED
    for evaluation in evaluations.values():
        deadline = evaluation.metadata["dagster/latest_cron_tick_timestamp"].value
        assert before - WINDOW.total_seconds() < deadline <= before
        assert not evaluation.passed
        assert f"expect partition {_due_window(deadline)} to have arrived" in evaluation.description


def test_only_the_asset_whose_due_window_landed_passes(instance):
    due = _due_window(
        _evaluate(instance)["raw_flow_logs"].metadata["dagster/latest_cron_tick_timestamp"].value
    )
    earlier = window_partitions.get_partition_key_for_timestamp(
        window_partitions.time_window_for_partition_key(due).start.timestamp() - 1
    )
    instance.report_runless_asset_event(dg.AssetMaterialization("raw_flow_logs", partition=due))
    instance.report_runless_asset_event(dg.AssetMaterialization("conversations", partition=earlier))
    evaluations = _evaluate(instance)
    assert evaluations["raw_flow_logs"].passed
    assert not evaluations["conversations"].passed
    assert (
        f"We expected partition {due} to have arrived, and it has not"
        in evaluations["conversations"].description
    )
    assert not evaluations["top_talkers"].passed
    assert "never been observed/materialized" in evaluations["top_talkers"].description


def test_the_sensor_asks_for_the_three_checks_in_one_run(instance):
    definitions = dg.Definitions(
        assets=[dg.AssetSpec(name, partitions_def=window_partitions) for name in WATCHED],
        asset_checks=window_freshness_checks,
        sensors=[freshness_checks_sensor],
    )
    context = dg.build_sensor_context(instance=instance, definitions=definitions)
    requests = freshness_checks_sensor.evaluate_tick(context).run_requests
    assert len(requests) == 1
    assert sorted(key.asset_key.to_user_string() for key in requests[0].asset_check_keys) == WATCHED
    assert {key.name for key in requests[0].asset_check_keys} == {"freshness_check"}
