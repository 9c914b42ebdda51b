"""Logs Insights reads of a log group: against the moto server, and AWS-shaped answers moto cannot give."""

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.stub import Stubber

from flowpipe.lib.cloudwatch_insights import InsightsQueryError, InsightsReader

# CloudWatch Logs refuses events older than 14 days: the range is a recent one.
START = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=3)
START_MS = int(START.timestamp() * 1000)
END_MS = START_MS + 600_000  # ten minutes


def _put_events(logs, stamps_by_stream: dict[str, list[int]]) -> list[tuple[int, str, str]]:
    logs.create_log_group(logGroupName="flows")
    sent = []
    for stream, stamps in stamps_by_stream.items():
        logs.create_log_stream(logGroupName="flows", logStreamName=stream)
        events = [
            {"timestamp": stamp, "message": f"{stream} record {index}"} for index, stamp in enumerate(stamps)
        ]
        logs.put_log_events(logGroupName="flows", logStreamName=stream, logEvents=events)
        sent += [(event["timestamp"], event["message"], stream) for event in events]
    return sorted(sent)


def _no_fallback(start_ms: int, end_ms: int):
    raise AssertionError(f"fallback asked for {start_ms}..{end_ms}")


def _read(
    reader: InsightsReader, start_ms: int = START_MS, end_ms: int = END_MS
) -> list[tuple[int, str, str]]:
    return sorted((e["timestamp"], e["message"], e["logStreamName"]) for e in reader.events(start_ms, end_ms))


def test_every_event_of_the_range_is_read_once_and_none_outside(aws) -> None:
    logs = boto3.client("logs")
    sent = _put_events(
        logs,
        {
            "eni-1-all": [START_MS - 1, START_MS, START_MS + 999, START_MS + 1000, END_MS - 1, END_MS],
            "eni-2-all": [START_MS + 300_000 + n for n in range(5)],
        },
    )

    read = _read(InsightsReader(logs, "flows", _no_fallback))

    assert read == [event for event in sent if START_MS <= event[0] < END_MS]


def test_a_full_slice_is_split_until_every_query_is_under_the_cap(aws) -> None:
    logs = boto3.client("logs")
    sent = _put_events(logs, {"eni-1-all": [START_MS + 17_000 * n for n in range(30)]})
    reader = InsightsReader(logs, "flows", _no_fallback, max_results=4)

    read = _read(reader)

    assert read == [event for event in sent if event[0] < END_MS]
    assert len(read) == 30
    assert reader.queries > 8  # at least 30 / 4 slices, each asked once it fits


def test_a_second_holding_more_than_the_cap_is_paged_by_the_fallback(aws) -> None:
    logs = boto3.client("logs")
    busy_second = START_MS + 60_000
    sent = _put_events(logs, {"eni-1-all": [busy_second + n for n in range(6)] + [START_MS + 120_000]})
    asked = []

    def fallback(start_ms: int, end_ms: int):
        asked.append((start_ms, end_ms))
        yield from (
            {"timestamp": stamp, "message": message, "logStreamName": stream}
            for stamp, message, stream in sent
            if start_ms <= stamp < end_ms
        )

    read = _read(InsightsReader(logs, "flows", fallback, max_results=5))

    assert asked == [(busy_second, busy_second + 1000)]
    assert read == sent


def test_aws_timestamps_are_read_and_a_failed_query_is_a_clear_error() -> None:
    logs = boto3.client("logs", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    stubber = Stubber(logs)
    stubber.add_response("start_query", {"queryId": "q-1"})
    row = [
        {
            "field": "@timestamp",
            "value": (START + timedelta(seconds=1.25)).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],
        },
        {"field": "@message", "value": "2 123456789012 eni-1 - - - - - - - 1773468000 1773468060 - NODATA"},
        {"field": "@logStream", "value": "eni-1-all"},
        {"field": "@ptr", "value": "CmAKJwoj"},
    ]
    stubber.add_response("get_query_results", {"status": "Running", "results": []})
    stubber.add_response("get_query_results", {"status": "Complete", "results": [row]})
    stubber.add_response("start_query", {"queryId": "q-2"})
    stubber.add_response("get_query_results", {"status": "Failed", "results": []})

    with stubber:
        reader = InsightsReader(logs, "flows", _no_fallback, poll_seconds=0)
        events = list(reader.events(START_MS, START_MS + 2000))
        with pytest.raises(InsightsQueryError, match="q-2 on flows ended Failed"):
            list(reader.events(START_MS, START_MS + 2000))

    assert events == [
        {"timestamp": START_MS + 1250, "message": row[1]["value"], "logStreamName": "eni-1-all"}
    ]


def test_a_range_off_the_second_is_refused(aws) -> None:
    with pytest.raises(ValueError, match="whole seconds"):
        list(InsightsReader(boto3.client("logs"), "flows", _no_fallback).events(START_MS + 1, END_MS))
