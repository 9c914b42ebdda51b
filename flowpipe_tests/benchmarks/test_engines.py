"""The engines benchmark runs a whole window (extraction, conversations, rollups) in a subprocess and
measures the memory of its whole process tree, children included (Spark's JVM is one)."""

import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.conversations import SQL_ROOT
from benchmarks.engines import TreeMemory, markdown_table, measure, run, window_marts
from benchmarks.generate import Manifest, generate

RECORDS = 3_000


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Manifest]:
    folder = tmp_path_factory.mktemp("engines") / str(RECORDS)
    return folder, generate(folder, RECORDS, seed=7, processes=1)


def test_duckdb_window_is_measured_step_by_step_in_a_subprocess(dataset, tmp_path) -> None:
    folder, _ = dataset

    steps = measure("duckdb", folder, RECORDS, tmp_path / "lake")

    rows = {step.step: step.rows_out for step in steps}
    assert list(rows) == ["extraction", "endpoints", "conversations", "rollups"]
    assert rows["extraction"] == RECORDS and 0 < rows["conversations"] <= RECORDS and rows["rollups"] > 0
    assert all(step.seconds > 0 and 0 < step.peak_rss_bytes < 2**31 for step in steps)
    assert not (tmp_path / "lake").exists()
    table = markdown_table(steps)
    assert f"| {RECORDS:,} | duckdb | conversations | {rows['conversations']:,} |" in table
    assert f"| {RECORDS:,} | duckdb | **window** |" in table


def test_rollups_are_every_window_mart_after_conversations() -> None:
    marts = window_marts(SQL_ROOT)
    assert marts.index("conversations") < marts.index("top_talkers")
    assert {"top_talkers", "egress", "rejected_traffic"} <= set(marts)
    assert "day_vs_night" not in marts and "new_talkers" not in marts


def test_tree_memory_counts_the_children_of_the_process() -> None:
    hold_64_mib = (
        "import time; data = bytearray(64 << 20); data[::4096] = b'x' * len(data[::4096]); time.sleep(3)"
    )
    with TreeMemory() as memory:
        alone = memory.current()
        child = subprocess.Popen([sys.executable, "-c", hold_64_mib])
        try:
            child.wait(timeout=10)
        finally:
            child.kill()
    assert memory.peak - alone > 60 << 20


def test_an_engine_that_fails_is_a_row_of_the_table_and_the_run_goes_on(tmp_path) -> None:
    broken = tmp_path / "5"  # a dataset whose manifest names no window: the subprocess fails
    broken.mkdir()
    (broken / "manifest.json").write_text(
        '{"records": 5, "total_bytes": 0, "files": 0, "seed": 7, '
        '"window_start": "not a time", "window_end": "not a time"}'
    )

    measurements = run([5], spark_max_records=0, seed=7, data_dir=tmp_path)

    assert [m.engine for m in measurements] == ["duckdb"]
    assert measurements[0].step.startswith("failed: ")
    assert "| 5 | duckdb | failed: " in markdown_table(measurements)
