"""The raw parse as a Spark job (one task per delivery object) lands what extract_window lands, row for row.

The simulated account's S3 deliveries are copied into a local folder (AWS's key layout), with a corrupt
object and one holding a malformed line added; one sample slice of the day window is extracted by the
Spark job and by extract_window (pyarrow and DuckDB, one machine) into two lakes, which must hold the same
raw_flow_logs and raw_flow_log_rejects rows with the same Parquet schemas. A slice, not the window: one
task per object costs Spark a fraction of a second each on this machine, the objects only milliseconds.
"""

import gzip
import json
import math
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from pyspark.sql import SparkSession

from flowpipe.jobs import spark_extract
from flowpipe.lib.flow_sources import LocalFlowLogSource
from flowpipe.lib.lake import Lake
from flowpipe.lib.raw_landing import land_window
from flowpipe.lib.settings import Settings
from flowpipe.lib.simulated.moto_server import MotoServer, patched_environment
from flowpipe.lib.spark_engine import spark_session
from flowpipe.lib.spark_extraction import extract_window_spark
from flowpipe.lib.windows import Window
from flowpipe_tests.simulated_run import (
    BUCKET,
    WINDOW_KEYS,
    reset_account,
    simulate_date,
    simulated_environment,
)

WINDOW = spark_extract.window_of_key(WINDOW_KEYS["day"], "UTC")
SAMPLE = {"sample_minutes": 60, "sample_offset_minutes": 360}  # 12:00-13:00 UTC of the day window
TABLES = ("raw_flow_logs", "raw_flow_log_rejects")
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    config = {**Settings.from_environment().spark_config, "spark.master": "local[2]"}
    session = spark_session(config)
    yield session
    session.stop()


@pytest.fixture(scope="module")
def deliveries(moto_server: MotoServer, tmp_path_factory) -> Path:
    """The simulated date's S3 objects in a folder, plus a corrupt one and one with a malformed line."""
    reset_account(moto_server)
    folder = tmp_path_factory.mktemp("deliveries")
    with patched_environment(simulated_environment(moto_server, tmp_path_factory.mktemp("unused-lake"))):
        simulation = simulate_date()
        s3 = boto3.client("s3")
        for key in simulation.keys:
            target = folder / key
            target.parent.mkdir(parents=True, exist_ok=True)
            s3.download_file(BUCKET, key, str(target))
    good = next(folder / key for key in simulation.keys if "T1230Z" in key)
    body = gzip.decompress(good.read_bytes())
    good.with_name(good.name.replace(".log.gz", "m.log.gz")).write_bytes(
        gzip.compress(body + b"2 this is not a record\n")
    )
    good.with_name(good.name.replace(".log.gz", "x.log.gz")).write_bytes(gzip.compress(body)[:-8])
    return folder


@pytest.fixture(scope="module")
def lakes(spark, deliveries, tmp_path_factory) -> dict[str, Lake]:
    """The same sample slice of the day window, extracted by Spark and by extract_window."""
    spark_lake = Lake(str(tmp_path_factory.mktemp("lake-spark")))
    extract_window_spark(spark, str(deliveries), spark_lake, WINDOW, **SAMPLE)
    local_lake = Lake(str(tmp_path_factory.mktemp("lake-local")))
    _extract_locally(deliveries, local_lake, WINDOW)
    return {"spark": spark_lake, "local": local_lake}


def _extract_locally(folder: Path, lake: Lake, window: Window) -> None:
    """What the raw_flow_logs asset does, on one machine."""
    land_window(LocalFlowLogSource(str(folder)), lake, window, **SAMPLE)


def _sorted_rows(table: pa.Table) -> list[dict]:
    """Rows in one order; dictionary and map columns (not sortable) compare as their values."""
    plain = table.cast(
        pa.schema(
            [f.with_type(f.type.value_type) if pa.types.is_dictionary(f.type) else f for f in table.schema]
        )
    )
    keys = [(field.name, "ascending") for field in plain.schema if not pa.types.is_map(field.type)]
    return plain.sort_by(keys).to_pylist()


@pytest.mark.parametrize("table", TABLES)
def test_spark_lands_the_same_rows_and_parquet_schema_as_extract_window(lakes, table):
    files = {engine: lake.partition_files(table, WINDOW.partition) for engine, lake in lakes.items()}
    schemas = {engine: pq.read_schema(found[0]) for engine, found in files.items()}
    assert schemas["spark"].equals(schemas["local"])
    rows = {
        engine: _sorted_rows(lake.read_partition(table, WINDOW.partition)) for engine, lake in lakes.items()
    }
    assert rows["spark"] == rows["local"]
    assert rows["spark"], f"{table} is empty: the comparison would prove nothing"


def _read_row(lake: Lake, window: Window) -> dict:
    """The window's raw_flow_log_reads row, without its seconds (the one field timing decides)."""
    [row] = lake.read_partition("raw_flow_log_reads", window.partition).drop_columns(["seconds"]).to_pylist()
    return row


def test_spark_records_what_was_read_as_extract_window_does(lakes):
    row = _read_row(lakes["spark"], WINDOW)
    assert row == _read_row(lakes["local"], WINDOW)
    assert (row["sampled"], row["sample"], row["objects_failed"]) == (True, "60 min at +360 min", 1)


def test_every_nth_object_sample_reads_the_objects_extract_window_reads(spark, deliveries, lakes, tmp_path):
    every_third = {**SAMPLE, "sample_every_nth_object": 3}
    spark_lake, local_lake = Lake(str(tmp_path / "spark")), Lake(str(tmp_path / "local"))

    result = extract_window_spark(
        spark, str(deliveries), spark_lake, WINDOW, objects_per_task=4, **every_third
    )
    land_window(LocalFlowLogSource(str(deliveries)), local_lake, WINDOW, **every_third)

    sources = set(spark_lake.read_partition("raw_flow_logs", WINDOW.partition)["source_uri"].to_pylist())
    whole = lakes["local"].read_partition("raw_flow_logs", WINDOW.partition)
    assert len(sources) < len(set(whole["source_uri"].to_pylist())) and sources
    assert result.objects_read + result.objects_failed == math.ceil(result.objects_listed / 3)
    for table in TABLES:
        assert _sorted_rows(spark_lake.read_partition(table, WINDOW.partition)) == _sorted_rows(
            local_lake.read_partition(table, WINDOW.partition)
        )
    assert _read_row(spark_lake, WINDOW) == _read_row(local_lake, WINDOW)
    assert _read_row(spark_lake, WINDOW)["sample"] == "60 min at +360 min, every 3rd object"


def test_only_records_starting_in_the_sample_slice_land(lakes):
    records = lakes["spark"].read_partition("raw_flow_logs", WINDOW.partition)
    start = int(datetime(2026, 3, 14, 12, tzinfo=UTC).timestamp())
    assert pc.min(records["start"]).as_py() >= start and pc.max(records["start"]).as_py() < start + 3600
    assert set(records["log_status"].to_pylist()) >= {"OK"}


def test_rejects_name_the_malformed_line_and_the_corrupt_object(lakes):
    rejects = lakes["spark"].read_partition("raw_flow_log_rejects", WINDOW.partition).to_pylist()
    malformed = [row for row in rejects if row["source_uri"].endswith("m.log.gz")]
    corrupt = [row for row in rejects if row["source_uri"].endswith("x.log.gz")]
    assert [row["line"] for row in malformed] == ["2 this is not a record"]
    assert len(corrupt) == 1 and corrupt[0]["line_number"] is None and corrupt[0]["reason"]


def test_the_job_module_extracts_the_windows_it_is_given_a_few_objects_per_task(
    spark, deliveries, lakes, tmp_path, capsys
):
    arguments = ["--window", WINDOW_KEYS["day"], "--flow-logs", str(deliveries), "--lake", str(tmp_path)]
    sample = ["--sample-minutes", "60", "--sample-offset-minutes", "360", "--objects-per-task", "4"]

    assert spark_extract.main(arguments + sample) == 0

    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    expected = lakes["local"].read_partition("raw_flow_logs", WINDOW.partition).num_rows
    assert summary["records"] == expected
    assert summary["objects_failed"] == 1
    for table in TABLES:
        landed = Lake(str(tmp_path)).read_partition(table, WINDOW.partition)
        assert _sorted_rows(landed) == _sorted_rows(lakes["local"].read_partition(table, WINDOW.partition))


def test_a_cloudwatch_logs_group_is_refused_before_any_spark_work(spark, tmp_path):
    region = {"AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1"}
    with patched_environment(region), pytest.raises(ValueError, match="CloudWatch"):
        extract_window_spark(spark, "logs:flow-logs", Lake(str(tmp_path)), WINDOW)


def test_spark_submit_runs_the_job_file_with_the_package_as_py_files(deliveries, lakes, tmp_path):
    package = tmp_path / "flowpipe.zip"
    with zipfile.ZipFile(package, "w") as archive:
        for path in (REPO / "flowpipe").rglob("*.py"):
            archive.write(path, path.relative_to(REPO))
    lake = tmp_path / "lake"
    spark_home = Path(sys.executable).parent.parent / "lib/python3.11/site-packages/pyspark"
    command = [
        str(spark_home / "bin" / "spark-submit"),
        "--master",
        "local[2]",
        "--conf",
        "spark.ui.enabled=false",
        "--py-files",
        str(package),
        str(REPO / "flowpipe" / "jobs" / "spark_extract.py"),
        "--window",
        WINDOW_KEYS["day"],
        "--sample-minutes",
        "60",
        "--sample-offset-minutes",
        "360",
    ]
    environment = {
        **os.environ,
        "PYSPARK_PYTHON": sys.executable,
        "SPARK_LOCAL_IP": "127.0.0.1",
        "FLOWPIPE_FLOW_LOGS": str(deliveries),
        "FLOWPIPE_LAKE": str(lake),
    }
    done = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    # spark-submit passes the job's log lines (stderr) to its stdout too: the summary is the JSON line
    summary = json.loads(next(line for line in done.stdout.splitlines() if line.startswith("{")))
    expected = lakes["local"].read_partition("raw_flow_logs", WINDOW.partition)
    assert summary["records"] == expected.num_rows
    assert _sorted_rows(Lake(str(lake)).read_partition("raw_flow_logs", WINDOW.partition)) == _sorted_rows(
        expected
    )
