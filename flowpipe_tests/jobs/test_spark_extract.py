"""The Spark job's window keys, session settings and command line, without a Spark session: the job's
extraction itself is compared with the asset's in flowpipe_tests/test_spark_extraction.py."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from flowpipe.jobs import spark_extract
from flowpipe.lib.settings import Settings


def test_window_keys_are_the_dagster_partition_keys_in_the_timezone():
    night = spark_extract.window_of_key("2026-03-28-18:00", "Europe/Paris")
    assert night.partition == {"date": "2026-03-28", "window": "night"}
    assert night.end_epoch - night.start_epoch == 11 * 3600  # summer time begins that night
    for not_a_window in ("2026-03-28-12:00", "1999-01-01-06:00"):  # no window starts then; before the start
        with pytest.raises(ValueError, match="not a window partition"):
            spark_extract.window_of_key(not_a_window, "UTC")


def test_under_spark_submit_only_flowpipes_own_spark_conf_is_added():
    settings = Settings.from_environment()
    submitted = spark_extract.session_config(settings, {"PYSPARK_GATEWAY_PORT": "41000"})
    assert submitted == settings.spark_conf
    assert spark_extract.session_config(settings, {})["spark.master"] == settings.spark_master


def test_a_day_key_in_utc_is_six_to_six_of_its_date():
    day = spark_extract.window_of_key("2026-03-14-06:00", "UTC")
    assert (day.start, day.end) == (
        datetime(2026, 3, 14, 6, tzinfo=UTC),
        datetime(2026, 3, 14, 18, tzinfo=UTC),
    )
    assert day.partition == {"date": "2026-03-14", "window": "day"}


def test_keys_before_flowpipe_start_date_are_not_windows(monkeypatch: pytest.MonkeyPatch):
    assert spark_extract.window_of_key("2026-02-28-06:00", "UTC").partition["date"] == "2026-02-28"
    monkeypatch.setenv("FLOWPIPE_START_DATE", "2026-03-01")
    with pytest.raises(ValueError, match="2026-02-28-06:00: not a window partition"):
        spark_extract.window_of_key("2026-02-28-06:00", "UTC")
    assert spark_extract.window_of_key("2026-03-01-06:00", "UTC").partition["date"] == "2026-03-01"


def test_the_command_line_needs_a_window(capsys):
    with pytest.raises(SystemExit) as exited:
        spark_extract.main(["--flow-logs", "/nowhere"])
    assert exited.value.code == 2
    assert "--window" in capsys.readouterr().err


def test_without_flow_logs_the_job_stops_before_any_spark_work(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("FLOWPIPE_FLOW_LOGS", raising=False)
    with pytest.raises(SystemExit, match="give --flow-logs or FLOWPIPE_FLOW_LOGS"):
        spark_extract.main(["--window", "2026-03-14-06:00"])


def test_a_key_that_is_no_window_stops_the_job_before_anything_lands(tmp_path: Path):
    lake = tmp_path / "lake"
    arguments = ["--flow-logs", str(tmp_path), "--lake", str(lake), "--window", "2026-03-14-06:00"]
    with pytest.raises(ValueError, match="2026-03-14-12:00: not a window partition"):
        spark_extract.main([*arguments, "--window", "2026-03-14-12:00"])
    assert not lake.exists()
