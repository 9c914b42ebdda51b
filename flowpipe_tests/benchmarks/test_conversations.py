"""The conversations stage reads the partition extraction wrote and keeps every byte AWS logged."""

from pathlib import Path

import duckdb
import pytest

from benchmarks import contenders
from benchmarks.conversations import MODEL_VARIABLES, build_conversations
from benchmarks.generate import Manifest, generate
from benchmarks.run import conversations_table, measure_conversations
from flowpipe.lib.lake import Lake

RECORDS = 3_000


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Manifest]:
    root = tmp_path_factory.mktemp("conversations")
    folder, lake_dir = root / str(RECORDS), root / "lake"
    manifest = generate(folder, RECORDS, seed=7, processes=1)
    contenders.flowpipe(folder, lake_dir)
    return folder, lake_dir, manifest


def _raw_ok_bytes(lake_dir: Path, partition: dict[str, str]) -> int:
    files = Lake(str(lake_dir)).partition_files("raw_flow_logs", partition)
    with duckdb.connect() as conn:
        conn.read_parquet(files).create_view("raw")
        return conn.sql("select sum(bytes) from raw where log_status = 'OK'").fetchall()[0][0]


def test_stage_conversations_log_every_ok_byte_of_the_raw_partition(extracted) -> None:
    folder, lake_dir, _ = extracted
    _, _, partition = contenders.window_of(folder)

    result = build_conversations(folder, lake_dir, memory_limit="256MB")

    assert result["records"] == RECORDS
    assert result["bytes_logged"] == _raw_ok_bytes(lake_dir, partition)
    steps = {step["step"]: step for step in result["steps"]}
    assert list(steps) == ["endpoints", "conversations", "top_talkers"]
    assert 0 < steps["conversations"]["rows_out"] <= RECORDS
    assert steps["top_talkers"]["rows_in"] == steps["conversations"]["rows_out"]
    assert 0 < steps["top_talkers"]["rows_out"] <= MODEL_VARIABLES["top_n"]
    endpoints = Lake(str(lake_dir)).read_partition("endpoints", partition)
    named = dict(zip(endpoints["ip"].to_pylist(), endpoints["entity_type"].to_pylist(), strict=True))
    assert {"ec2:instance", "aws:service", "internet"} <= set(named.values())
    assert not any(kind == "internet" for ip, kind in named.items() if ip.startswith("10."))


def test_runner_measures_the_stage_in_a_subprocess(extracted) -> None:
    folder, lake_dir, manifest = extracted

    steps = measure_conversations(folder, lake_dir, "256MB", manifest.total_bytes)

    assert [step.step for step in steps] == ["endpoints", "conversations", "top_talkers"]
    assert all(step.rows_in > 0 and step.seconds > 0 for step in steps)
    assert 0 < steps[-1].peak_rss_bytes < 2**30
    assert f"| {RECORDS:,} | 256MB | conversations | {RECORDS:,} |" in conversations_table(steps)


def test_stage_records_duckdb_running_out_of_memory_as_a_failed_step(extracted) -> None:
    folder, lake_dir, _ = extracted

    result = build_conversations(folder, lake_dir, memory_limit="2MB")

    failed = result["steps"][-1]
    assert (failed["step"], failed["rows_out"], result["bytes_logged"]) == ("conversations", 0, None)
    assert failed["error"].startswith("Out of Memory Error")


def test_stage_uses_the_assets_variables() -> None:
    from flowpipe.lib.sql_config import SqlModelConfig

    assert SqlModelConfig().model_dump() == MODEL_VARIABLES
