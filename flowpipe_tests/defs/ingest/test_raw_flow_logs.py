"""raw_flow_logs through dg.materialize: a window's records typed in the lake, rejects counted and checked."""

import gzip
from pathlib import Path

import dagster as dg
import pytest

from flowpipe.defs.ingest.raw_flow_logs import raw_flow_logs
from flowpipe.lib.flow_fields import DEFAULT_FORMAT
from flowpipe.lib.lake import Lake
from flowpipe.lib.resources import FlowLogSourceResource, LakeResource

WINDOW_KEY = "2026-03-14-06:00"
PARTITION = {"date": "2026-03-14", "window": "day"}
HEADER = " ".join(DEFAULT_FORMAT)
IN_WINDOW = 1773482400  # 2026-03-14 10:00 UTC
BEFORE_WINDOW = 1773464400  # 2026-03-14 05:00 UTC


def _deliver(root: Path, stamp: str, lines: list[str]) -> Path:
    """One object as AWS writes it: default key layout and file name, gzip, header line."""
    folder = root / "AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/03/14"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"123456789012_vpcflowlogs_us-east-1_fl-0123abcd_{stamp}_a1b2c3d4.log.gz"
    path.write_bytes(gzip.compress(("\n".join([HEADER, *lines]) + "\n").encode()))
    return path


def _record(start: int, nbytes: int, action: str = "ACCEPT") -> str:
    return (
        f"2 123456789012 eni-0a1 10.0.1.10 10.0.2.4 40000 2049 6 10 {nbytes} {start} {start + 60} {action} OK"
    )


def _materialize(root: Path, lake: Path, **config) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [raw_flow_logs],
        partition_key=WINDOW_KEY,
        resources={
            "flow_log_source": FlowLogSourceResource(location=str(root)),
            "lake": LakeResource(root=str(lake)),
        },
        run_config={"ops": {"raw_flow_logs": {"config": config}}} if config else None,
        raise_on_error=False,
    )


def test_the_windows_records_land_typed_and_others_do_not(tmp_path):
    _deliver(tmp_path / "logs", "20260314T1000Z", [_record(IN_WINDOW, 500), _record(IN_WINDOW + 60, 700)])
    _deliver(tmp_path / "logs", "20260314T0505Z", [_record(BEFORE_WINDOW, 999)])
    nodata = "2 123456789012 eni-0a1 - - - - - - - 1773482400 1773482460 - NODATA"
    _deliver(tmp_path / "logs", "20260314T1005Z", [nodata])
    result = _materialize(tmp_path / "logs", tmp_path / "lake")
    assert result.success
    records = Lake(str(tmp_path / "lake")).read_partition("raw_flow_logs", PARTITION).to_pandas()
    assert sorted(records.bytes.dropna().astype(int)) == [500, 700]
    assert sorted(records.log_status) == ["NODATA", "OK", "OK"]
    metadata = result.asset_materializations_for_node("raw_flow_logs")[0].metadata
    assert metadata["row_count"].value == 3
    [check] = result.get_asset_check_evaluations()
    assert check.passed


def test_a_rerun_replaces_the_partition(tmp_path):
    _deliver(tmp_path / "logs", "20260314T1000Z", [_record(IN_WINDOW, 500)])
    assert _materialize(tmp_path / "logs", tmp_path / "lake").success
    assert _materialize(tmp_path / "logs", tmp_path / "lake").success
    records = Lake(str(tmp_path / "lake")).read_partition("raw_flow_logs", PARTITION)
    assert records.num_rows == 1


def test_rejects_above_the_threshold_fail_the_check_with_their_reasons(tmp_path):
    lines = [_record(IN_WINDOW, 500), "2 123456789012 eni-0a1 not enough fields", _record(IN_WINDOW, 9)]
    _deliver(tmp_path / "logs", "20260314T1000Z", lines)
    result = _materialize(tmp_path / "logs", tmp_path / "lake", max_reject_rate=0.1)
    [check] = result.get_asset_check_evaluations()
    assert not check.passed
    assert check.metadata["rejected"].value == 1
    rejects = Lake(str(tmp_path / "lake")).read_partition("raw_flow_log_rejects", PARTITION).to_pandas()
    assert rejects.line_number.tolist() == [3]  # the header is line 1
    assert rejects.line.tolist() == ["2 123456789012 eni-0a1 not enough fields"]


def test_a_sample_reads_only_its_slice_and_says_so(tmp_path):
    _deliver(tmp_path / "logs", "20260314T1000Z", [_record(IN_WINDOW, 500)])
    _deliver(tmp_path / "logs", "20260314T1400Z", [_record(IN_WINDOW + 4 * 3600, 700)])
    result = _materialize(tmp_path / "logs", tmp_path / "lake", sample_minutes=5, sample_offset_minutes=240)
    records = Lake(str(tmp_path / "lake")).read_partition("raw_flow_logs", PARTITION).to_pandas()
    assert records.bytes.tolist() == [500]
    metadata = result.asset_materializations_for_node("raw_flow_logs")[0].metadata
    assert metadata["sample"].value == "5 min at +240 min"
    assert metadata["sampled"].value is True
    [read] = Lake(str(tmp_path / "lake")).read_partition("raw_flow_log_reads", PARTITION).to_pylist()
    assert (read["sample"], read["sampled"], read["records_in_window"]) == ("5 min at +240 min", True, 1)


def test_every_nth_object_is_read_and_the_lake_says_the_window_was_sampled(tmp_path):
    for hour in range(7, 17):
        _deliver(
            tmp_path / "logs", f"20260314T{hour:02d}00Z", [_record(IN_WINDOW + (hour - 10) * 3600, hour)]
        )
    assert _materialize(tmp_path / "logs", tmp_path / "lake", sample_every_nth_object=3).success
    records = Lake(str(tmp_path / "lake")).read_partition("raw_flow_logs", PARTITION).to_pandas()
    assert sorted(records.bytes.astype(int)) == [7, 10, 13, 16]
    [read] = Lake(str(tmp_path / "lake")).read_partition("raw_flow_log_reads", PARTITION).to_pylist()
    assert (read["sample"], read["objects_listed"], read["objects_read"]) == ("every 3rd object", 10, 4)


def test_a_whole_window_is_recorded_as_not_sampled(tmp_path):
    _deliver(tmp_path / "logs", "20260314T1000Z", [_record(IN_WINDOW, 500)])
    assert _materialize(tmp_path / "logs", tmp_path / "lake").success
    [read] = Lake(str(tmp_path / "lake")).read_partition("raw_flow_log_reads", PARTITION).to_pylist()
    assert (read["sample"], read["sampled"], read["objects_read"]) == ("whole window", False, 1)


@pytest.mark.parametrize("location", ["", "   "])
def test_no_flow_log_location_is_a_clear_error(tmp_path, location):
    result = dg.materialize(
        [raw_flow_logs],
        partition_key=WINDOW_KEY,
        resources={
            "flow_log_source": FlowLogSourceResource(location=location),
            "lake": LakeResource(root=str(tmp_path / "lake")),
        },
        raise_on_error=False,
    )
    assert not result.success
    failure = result.get_step_failure_events()[0].event_specific_data.error
    assert "FLOWPIPE_FLOW_LOGS is not set" in failure.cause.message
