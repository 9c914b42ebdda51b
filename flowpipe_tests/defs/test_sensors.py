"""flow_log_arrival_sensor on a local delivery folder: waits for late deliveries, then requests once."""

import gzip
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg

from flowpipe.defs.sensors import flow_log_arrival_sensor, last_closed_window_key
from flowpipe.lib.resources import FlowLogSourceResource
from flowpipe.partitions import window_partitions


def _deliver(root: Path, stamp: datetime) -> None:
    folder = root / f"AWSLogs/123456789012/vpcflowlogs/us-east-1/{stamp:%Y/%m/%d}"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"123456789012_vpcflowlogs_us-east-1_fl-0123abcd_{stamp:%Y%m%dT%H%MZ}_a1b2c3d4.log.gz"
    (folder / name).write_bytes(gzip.compress(b"version account-id\n"))


def _evaluate(root: Path, cursor: str | None = None):
    context = dg.build_sensor_context(
        cursor=cursor, resources={"flow_log_source": FlowLogSourceResource(location=str(root))}
    )
    return flow_log_arrival_sensor(context), context


def _closed_window_end() -> tuple[str, datetime]:
    key = last_closed_window_key(datetime.now(UTC))
    return key, window_partitions.time_window_for_partition_key(key).end.astimezone(UTC)


def test_the_last_closed_window_is_the_one_before_the_open_one():
    assert last_closed_window_key(datetime(2026, 3, 14, 18, 5, tzinfo=UTC)) == "2026-03-14-06:00"
    assert last_closed_window_key(datetime(2026, 3, 15, 5, 59, tzinfo=UTC)) == "2026-03-14-06:00"
    assert last_closed_window_key(datetime(2026, 3, 15, 6, 0, tzinfo=UTC)) == "2026-03-14-18:00"


def test_waits_while_the_late_deliveries_are_not_in(tmp_path):
    _, end = _closed_window_end()
    _deliver(tmp_path, end + timedelta(minutes=5))
    result, _ = _evaluate(tmp_path)
    assert isinstance(result, dg.SkipReason) and "waiting" in result.skip_message


def test_requests_the_window_once_a_settled_delivery_arrived_and_only_once(tmp_path):
    key, end = _closed_window_end()
    _deliver(tmp_path, end - timedelta(hours=1))
    _deliver(tmp_path, end + timedelta(minutes=15))
    result, context = _evaluate(tmp_path)
    assert isinstance(result, dg.RunRequest) and result.partition_key == key
    again, _ = _evaluate(tmp_path, cursor=context.cursor)
    assert isinstance(again, dg.SkipReason)
