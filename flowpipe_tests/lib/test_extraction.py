"""extract_window end to end over a moto bucket: window filtering, sampling, failures and stats."""

import gzip
from datetime import UTC, datetime

import boto3
import pytest

from flowpipe.lib.extraction import extract_window
from flowpipe.lib.flow_fields import DEFAULT_FORMAT, raw_schema
from flowpipe.lib.flow_parser import REJECTS_SCHEMA
from flowpipe.lib.flow_sources import open_flow_log_source

START = datetime(2026, 3, 14, 6, 0, tzinfo=UTC)
END = datetime(2026, 3, 14, 18, 0, tzinfo=UTC)
PREFIX = "AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/03/14/"


def _record(start: datetime, status: str = "OK", nbytes: int = 100) -> str:
    begin = int(start.timestamp())
    if status != "OK":
        return f"2 123456789012 eni-1 - - - - - - - {begin} {begin + 60} - {status}"
    return f"2 123456789012 eni-1 10.0.0.1 10.0.0.2 4242 443 6 1 {nbytes} {begin} {begin + 60} ACCEPT OK"


def _put(s3, stamp: str, lines: list[str], body: bytes | None = None) -> str:
    key = f"{PREFIX}123456789012_vpcflowlogs_us-east-1_fl-1_{stamp}_abc.log.gz"
    text = " ".join(DEFAULT_FORMAT) + "\n" + "".join(f"{line}\n" for line in lines)
    s3.put_object(Bucket="flows", Key=key, Body=body if body is not None else gzip.compress(text.encode()))
    return f"s3://flows/{key}"


@pytest.fixture
def bucket(aws):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="flows")
    return s3


def test_window_keeps_records_starting_inside_and_reports_stats(bucket) -> None:
    _put(bucket, "20260314T0555Z", [_record(datetime(2026, 3, 14, 5, 58, tzinfo=UTC))])
    _put(
        bucket,
        "20260314T0600Z",
        [_record(datetime(2026, 3, 14, 5, 59, 30, tzinfo=UTC)), _record(START, nbytes=7), "garbage"],
    )
    _put(bucket, "20260314T1200Z", [_record(datetime(2026, 3, 14, 12, 1, tzinfo=UTC), "NODATA")])
    _put(bucket, "20260314T1805Z", [_record(datetime(2026, 3, 14, 17, 59, tzinfo=UTC), nbytes=9)])
    broken = _put(bucket, "20260314T1300Z", [], body=b"\x1f\x8b not really gzip")
    messages: list[str] = []

    extraction = extract_window(
        open_flow_log_source("s3://flows"), START, END, batch_objects=2, log=messages.append
    )
    batches = list(extraction)

    records = [row for batch in batches for row in batch.records.to_pylist()]
    assert sorted((row["start"], row["bytes"], row["log_status"]) for row in records) == [
        (int(START.timestamp()), 7, "OK"),
        (int(datetime(2026, 3, 14, 12, 1, tzinfo=UTC).timestamp()), None, "NODATA"),
        (int(datetime(2026, 3, 14, 17, 59, tzinfo=UTC).timestamp()), 9, "OK"),
    ]
    assert all(batch.records.schema == raw_schema() for batch in batches)
    assert all(batch.rejects.schema == REJECTS_SCHEMA for batch in batches)
    assert [row["line"] for batch in batches for row in batch.rejects.to_pylist()] == ["garbage"]
    stats = extraction.stats
    assert (stats.objects_listed, stats.objects_read, stats.records_parsed) == (5, 4, 5)
    assert (stats.records_in_window, stats.rejects) == (3, 1)
    assert [failure.uri for failure in stats.objects_failed] == [broken]
    assert stats.compressed_bytes_read > 0 and stats.seconds > 0 and stats.records_per_second > 0
    assert len([message for message in messages if message.startswith("objects ")]) == 3
    assert "objects 5/5" in messages[-1]
    assert stats.failed_objects_as_rejects().to_pylist() == [
        {"source_uri": broken, "line_number": None, "reason": stats.objects_failed[0].error, "line": None}
    ]
    assert stats.as_metadata()["records_in_window"] == 3
    assert "| 1 | expected 14 fields, found 1 |" in stats.top_reasons_markdown()


def test_sample_reads_only_its_slice_and_the_objects_that_can_hold_it(bucket) -> None:
    _put(bucket, "20260314T0700Z", [_record(datetime(2026, 3, 14, 6, 59, tzinfo=UTC))])
    _put(bucket, "20260314T0705Z", [_record(datetime(2026, 3, 14, 7, 1, tzinfo=UTC))])
    _put(bucket, "20260314T1000Z", [_record(datetime(2026, 3, 14, 9, 59, tzinfo=UTC))])

    extraction = extract_window(
        open_flow_log_source("s3://flows"), START, END, sample_minutes=5, sample_offset_minutes=60
    )
    records = [row for batch in extraction for row in batch.records.to_pylist()]

    assert [row["start"] for row in records] == [int(datetime(2026, 3, 14, 7, 1, tzinfo=UTC).timestamp())]
    stats = extraction.stats
    assert (stats.sample_minutes, stats.sample_offset_minutes) == (5, 60)
    assert (stats.read_start, stats.read_end) == (
        datetime(2026, 3, 14, 7, 0, tzinfo=UTC),
        datetime(2026, 3, 14, 7, 5, tzinfo=UTC),
    )
    assert stats.objects_listed == 2  # the 10:00 delivery cannot hold the slice and is never read


def test_every_nth_object_sample_reads_one_object_in_n_across_the_window(bucket) -> None:
    stamps = [f"20260314T{hour:02d}{minute:02d}Z" for hour in range(6, 18) for minute in (5, 35)]
    for stamp in stamps:
        moment = datetime.strptime(stamp, "%Y%m%dT%H%MZ").replace(tzinfo=UTC)
        _put(bucket, stamp, [_record(moment.replace(minute=moment.minute - 1))])
    messages: list[str] = []

    extraction = extract_window(
        open_flow_log_source("s3://flows"), START, END, sample_every_nth_object=5, log=messages.append
    )
    sources = sorted(uri for batch in extraction for uri in batch.records["source_uri"].to_pylist())

    stats = extraction.stats
    assert (stats.objects_listed, stats.objects_sampled, stats.objects_read) == (24, 5, 5)
    assert [uri.split("_")[-2] for uri in sources] == stamps[::5]
    assert stats.as_metadata()["sample"] == "every 5th object"
    assert stats.as_metadata()["sampled"] is True
    assert "reading 5 (every 5th object)" in messages[0]


def test_whole_window_is_not_called_a_sample(bucket) -> None:
    _put(bucket, "20260314T0700Z", [_record(datetime(2026, 3, 14, 6, 59, tzinfo=UTC))])

    extraction = extract_window(open_flow_log_source("s3://flows"), START, END, sample_every_nth_object=1)
    list(extraction)

    assert extraction.stats.as_metadata()["sample"] == "whole window"
    assert extraction.stats.as_metadata()["sampled"] is False
    assert extraction.stats.objects_sampled == 1


def test_every_nth_object_is_refused_for_a_cloudwatch_group(aws) -> None:
    with pytest.raises(ValueError, match="use sample_minutes"):
        extract_window(open_flow_log_source("logs:flows"), START, END, sample_every_nth_object=3)


def test_sample_past_the_window_end_is_refused(aws) -> None:
    with pytest.raises(ValueError, match="past the window end"):
        extract_window(
            open_flow_log_source("s3://flows"), START, END, sample_minutes=5, sample_offset_minutes=720
        )
