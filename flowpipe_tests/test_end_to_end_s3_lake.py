"""The simulated account's day window with the lake in an S3 bucket (FLOWPIPE_LAKE=s3://...): the same
rollups as the ground truth, and a re-run leaves one object per partition."""

import boto3
import pytest

from flowpipe.lib.lake import Lake
from flowpipe.lib.simulated.moto_server import patched_environment
from flowpipe_tests import test_end_to_end as local
from flowpipe_tests.simulated_run import (
    SimulatedRun,
    materialize_window,
    reset_account,
    simulate_date,
    simulated_environment,
)

LAKE_BUCKET = "flowpipe-test-lake"
LAKE_PREFIX = "lake"
WINDOW = "day"


def _objects() -> dict[str, object]:
    """Every object in the lake bucket, key -> when it was last written."""
    pages = boto3.client("s3").get_paginator("list_objects_v2").paginate(Bucket=LAKE_BUCKET)
    return {item["Key"]: item["LastModified"] for page in pages for item in page.get("Contents", [])}


@pytest.fixture(scope="module")
def run(moto_server, tmp_path_factory) -> SimulatedRun:
    reset_account(moto_server)
    environment = {
        **simulated_environment(moto_server, tmp_path_factory.mktemp("unused-lake")),
        "FLOWPIPE_LAKE": f"s3://{LAKE_BUCKET}/{LAKE_PREFIX}",
    }
    with patched_environment(environment):
        boto3.client("s3").create_bucket(Bucket=LAKE_BUCKET)
        simulation = simulate_date()
        result = materialize_window(WINDOW)
        assert result.success
        return SimulatedRun(simulation, Lake(environment["FLOWPIPE_LAKE"]), environment)


def test_conversations_have_the_bytes_the_account_sent(run):
    local.test_every_exchange_has_the_bytes_the_account_sent(run, WINDOW)
    local.test_both_ends_are_named_typed_and_placed_as_the_account_knows_them(run, WINDOW)


def test_top_talkers_are_the_named_pairs_of_the_ground_truth(run):
    local.test_top_talkers_are_the_named_pairs_of_the_ground_truth(run, WINDOW)


def test_every_table_is_in_the_bucket_in_the_hive_layout_one_object_per_partition(run):
    with patched_environment(run.environment):
        objects = _objects()
    tables = {key.split("/")[1] for key in objects}
    assert {"raw_flow_logs", "raw_flow_log_rejects", "address_book", "conversations", "top_talkers"} <= tables
    parquet = [key for key in objects if key.endswith(".parquet")]
    assert all(key.startswith(f"{LAKE_PREFIX}/") for key in objects)
    assert all(key.endswith(f"/date=2026-03-14/window={WINDOW}/data.parquet") for key in parquet), parquet
    assert len(parquet) == len(tables)


def test_rerunning_the_window_replaces_each_partition_object_and_adds_none(run):
    with patched_environment(run.environment):
        before = _objects()
        assert materialize_window(WINDOW).success
        after = _objects()
        unfinished = boto3.client("s3").list_multipart_uploads(Bucket=LAKE_BUCKET).get("Uploads")
    assert sorted(after) == sorted(before)
    assert all(after[key] > before[key] for key in after if key.endswith(".parquet"))
    assert unfinished is None
    local.test_every_exchange_has_the_bytes_the_account_sent(run, WINDOW)
