"""land_window over a local delivery folder: records, rejects and reads row, each partition replaced whole."""

import gzip
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from flowpipe.lib.flow_fields import DEFAULT_FORMAT
from flowpipe.lib.flow_sources import LocalFlowLogSource
from flowpipe.lib.lake import Lake
from flowpipe.lib.raw_landing import READS_TABLE, RECORDS_TABLE, REJECTS_TABLE, land_window
from flowpipe.lib.windows import Window

WINDOW = Window(datetime(2026, 3, 14, 6, 0, tzinfo=UTC), datetime(2026, 3, 14, 18, 0, tzinfo=UTC))
PARTITION = {"date": "2026-03-14", "window": "day"}
IN_WINDOW = int(datetime(2026, 3, 14, 10, 0, tzinfo=UTC).timestamp())
BEFORE_WINDOW = int(datetime(2026, 3, 14, 5, 0, tzinfo=UTC).timestamp())
MALFORMED = "2 123456789012 eni-0a1 not enough fields"


def _deliver(root: Path, stamp: str, lines: list[str], body: bytes | None = None) -> Path:
    """One object as AWS writes it to S3: key layout, file name, gzip, header line."""
    folder = root / "AWSLogs/123456789012/vpcflowlogs/us-east-1" / stamp[:4] / stamp[4:6] / stamp[6:8]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"123456789012_vpcflowlogs_us-east-1_fl-0123abcd_{stamp}_a1b2c3d4.log.gz"
    text = "\n".join([" ".join(DEFAULT_FORMAT), *lines]) + "\n"
    path.write_bytes(body if body is not None else gzip.compress(text.encode()))
    return path


def _record(start: int, nbytes: int) -> str:
    return (
        f"2 123456789012 eni-0a1 10.0.1.10 10.0.2.4 40000 2049 6 10 {nbytes} {start} {start + 60} ACCEPT OK"
    )


@pytest.fixture
def deliveries(tmp_path: Path) -> Path:
    """Two records in the window, one before it, a malformed line, and an object that is not gzip."""
    root = tmp_path / "logs"
    _deliver(root, "20260314T1000Z", [_record(IN_WINDOW, 500), MALFORMED, _record(IN_WINDOW + 60, 700)])
    _deliver(root, "20260314T0505Z", [_record(BEFORE_WINDOW, 999)])
    _deliver(root, "20260314T1100Z", [], body=b"\x1f\x8b not really gzip")
    return root


def test_a_window_lands_its_records_its_rejects_and_what_was_read(deliveries: Path, tmp_path: Path) -> None:
    lake = Lake(str(tmp_path / "lake"))

    landed = land_window(LocalFlowLogSource(str(deliveries)), lake, WINDOW)

    assert (landed.records, landed.rejects) == (2, 2)  # the malformed line and the unreadable object
    records = lake.read_partition(RECORDS_TABLE, PARTITION).to_pylist()
    assert sorted((row["bytes"], row["start"], row["srcaddr"]) for row in records) == [
        (500, IN_WINDOW, "10.0.1.10"),
        (700, IN_WINDOW + 60, "10.0.1.10"),
    ]
    assert {row["source_uri"].rsplit("_", 2)[-2] for row in records} == {"20260314T1000Z"}
    rejects = sorted(
        lake.read_partition(REJECTS_TABLE, PARTITION).to_pylist(), key=lambda row: row["source_uri"]
    )
    assert [(row["source_uri"].rsplit("_", 2)[-2], row["line_number"], row["line"]) for row in rejects] == [
        ("20260314T1000Z", 3, MALFORMED),  # the header is line 1
        ("20260314T1100Z", None, None),
    ]
    [read] = lake.read_partition(READS_TABLE, PARTITION).to_pylist()
    assert read["window_start"] == WINDOW.start and read["read_end"] == WINDOW.end
    assert (read["sample"], read["sampled"], read["objects_read"], read["objects_failed"]) == (
        "whole window",
        False,
        1,
        1,
    )
    assert (read["records_in_window"], read["rejects"]) == (2, 1)


def test_a_rerun_replaces_every_partition_with_what_the_source_now_holds(
    deliveries: Path, tmp_path: Path
) -> None:
    lake = Lake(str(tmp_path / "lake"))
    land_window(LocalFlowLogSource(str(deliveries)), lake, WINDOW)
    for path in deliveries.rglob("*T1100Z*"):
        path.unlink()
    _deliver(deliveries, "20260314T1000Z", [_record(IN_WINDOW, 42)])

    landed = land_window(LocalFlowLogSource(str(deliveries)), lake, WINDOW)

    assert (landed.records, landed.rejects) == (1, 0)
    assert lake.read_partition(RECORDS_TABLE, PARTITION)["bytes"].to_pylist() == [42]
    assert lake.read_partition(REJECTS_TABLE, PARTITION).num_rows == 0
    [read] = lake.read_partition(READS_TABLE, PARTITION).to_pylist()
    assert (read["objects_failed"], read["records_in_window"]) == (0, 1)


def test_a_night_across_a_dst_change_lands_in_its_local_date_and_ends_at_local_six(tmp_path: Path) -> None:
    paris = ZoneInfo("Europe/Paris")
    night = Window(datetime(2026, 3, 28, 18, 0, tzinfo=paris), datetime(2026, 3, 29, 6, 0, tzinfo=paris))
    inside = int(datetime(2026, 3, 29, 3, 30, tzinfo=UTC).timestamp())  # 05:30 summer time
    after = int(datetime(2026, 3, 29, 4, 30, tzinfo=UTC).timestamp())  # 06:30 summer time, the next day
    _deliver(tmp_path / "logs", "20260329T0335Z", [_record(inside, 11), _record(after, 22)])
    lake = Lake(str(tmp_path / "lake"))

    landed = land_window(LocalFlowLogSource(str(tmp_path / "logs")), lake, night)

    assert landed.records == 1
    partition = {"date": "2026-03-28", "window": "night"}
    assert lake.read_partition(RECORDS_TABLE, partition)["bytes"].to_pylist() == [11]
