"""The benchmark data looks like AWS's deliveries, and every contender reads all of it (a fair race)."""

import gzip
import re
from pathlib import Path

import pyarrow.compute as pc
import pytest

from benchmarks import contenders
from benchmarks.generate import WINDOW, WINDOW_START, Manifest, flow_log_text, generate, plan_files
from benchmarks.run import markdown_table, measure
from flowpipe.lib.flow_fields import DEFAULT_FORMAT
from flowpipe.lib.flow_parser import parse_files
from flowpipe.lib.flow_sources import LocalFlowLogSource

RECORDS = 3_000
AWS_KEY = re.compile(
    r"AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/03/14/"
    r"123456789012_vpcflowlogs_us-east-1_fl-[0-9a-f]{8}_20260314T\d{4}Z_[0-9a-f]{8}\.log\.gz"
)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Manifest]:
    folder = tmp_path_factory.mktemp("benchmark") / str(RECORDS)
    return folder, generate(folder, RECORDS, seed=7, processes=1)


def test_files_follow_aws_key_layout_and_names_every_five_minutes(dataset) -> None:
    folder, manifest = dataset

    keys = [path.relative_to(folder).as_posix() for path in contenders.data_files(folder)]

    assert len(keys) == manifest.files == 144  # one flow log, 12 hours of 5-minute files
    assert all(AWS_KEY.fullmatch(key) for key in keys), keys[:3]
    stamps = sorted(re.search(r"_(\d{8}T\d{4})Z_", key).group(1) for key in keys)
    assert (stamps[0], stamps[-1]) == ("20260314T0605", "20260314T1800")


def test_files_start_with_the_default_format_header(dataset) -> None:
    folder, _ = dataset

    with gzip.open(contenders.data_files(folder)[0], "rt") as stream:
        assert stream.readline().split() == list(DEFAULT_FORMAT)


def test_flowpipe_parses_every_generated_record_without_rejects(dataset) -> None:
    folder, manifest = dataset
    objects = LocalFlowLogSource(str(folder)).list_objects(WINDOW_START, WINDOW_START + WINDOW)

    result = parse_files({obj.key: obj.uri for obj in objects})

    assert len(objects) == manifest.files
    assert (result.records.num_rows, result.rejects.num_rows, result.failures) == (manifest.records, 0, [])
    records = result.records
    assert pc.sum(records["bytes"]).as_py() == manifest.total_bytes
    assert set(records["action"].drop_null().to_pylist()) == {"ACCEPT", "REJECT"}
    assert set(records["protocol"].drop_null().to_pylist()) == {1, 6, 17}
    starts = records["start"].to_numpy()
    assert starts.min() >= WINDOW_START.timestamp() and starts.max() < (WINDOW_START + WINDOW).timestamp()


def test_generation_is_seeded() -> None:
    plan = plan_files(1_000, seed=3)[5]

    assert flow_log_text(plan, 3) == flow_log_text(plan, 3)
    assert flow_log_text(plan, 3) != flow_log_text(plan, 4)


def test_a_dataset_has_a_few_nodata_records() -> None:
    plan = plan_files(500_000, seed=3)[0]

    text, _ = flow_log_text(plan, 3)

    nodata = text.count(b" - NODATA\n")
    assert 0 < nodata < plan.records / 100


def test_every_contender_reads_every_record_and_byte(dataset) -> None:
    folder, manifest = dataset

    results = {name: contender(folder) for name, contender in contenders.CONTENDERS.items()}

    assert {name: result["total_bytes"] for name, result in results.items()} == {
        "decompression_floor": None,  # it only inflates and counts lines
        "shell_pipeline": manifest.total_bytes,
        "flowlogs_reader": manifest.total_bytes,
        "flowpipe": manifest.total_bytes,
    }
    counted = [results[name]["records"] for name in ("decompression_floor", "flowlogs_reader", "flowpipe")]
    assert counted == [manifest.records] * 3
    assert all(result["seconds"] > 0 for result in results.values())


def test_runner_measures_a_contender_in_a_subprocess_with_its_peak_memory(dataset) -> None:
    folder, manifest = dataset

    measurement = measure("shell_pipeline", folder, manifest.records)

    assert measurement.total_bytes == manifest.total_bytes
    assert 0 < measurement.peak_rss_bytes < 2**30
    table = markdown_table([measurement])
    assert f"| {RECORDS:,} | shell_pipeline |" in table


def test_shell_pipeline_total_is_exact_beyond_32_bits(tmp_path: Path) -> None:
    # awk prints large numbers as %.6g unless told otherwise: the check would compare rounded totals.
    record = "2 123456789012 eni-1 10.0.0.1 10.0.0.2 4242 443 6 9 3000000001 1773468000 1773468060 ACCEPT OK"
    path = tmp_path / "AWSLogs" / "big.log.gz"
    path.parent.mkdir()
    path.write_bytes(gzip.compress((" ".join(DEFAULT_FORMAT) + "\n" + f"{record}\n" * 3).encode()))

    assert contenders.shell_pipeline(tmp_path)["total_bytes"] == 9_000_000_003
