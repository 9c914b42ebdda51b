"""CloudWatch Logs flow logs through moto: format resolution, window reads, pagination, rejects, lineage.

moto rejects events older than 14 days, so every window here is computed around now.
"""

from datetime import UTC, datetime, timedelta

import boto3
import pytest

from flowpipe.lib.cloudwatch_source import CloudWatchFlowLogSource
from flowpipe.lib.extraction import extract_window
from flowpipe.lib.flow_fields import DEFAULT_FORMAT, raw_schema
from flowpipe.lib.flow_parser import REJECTS_SCHEMA
from flowpipe.lib.flow_sources import open_flow_log_source

GROUP = "/vpc/flow-logs"
CUSTOM_FORMAT = "${version} ${interface-id} ${srcaddr} ${dstaddr} ${bytes} ${start} ${end} ${flow-direction}"


@pytest.fixture
def window() -> tuple[datetime, datetime]:
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=3)
    return start, start + timedelta(hours=1)


@pytest.fixture
def logs(aws):
    client = boto3.client("logs")
    client.create_log_group(logGroupName=GROUP)
    return client


def _default_record(start: datetime, nbytes: int, eni: str = "eni-1") -> str:
    begin = int(start.timestamp())
    return f"2 123456789012 {eni} 10.0.0.1 10.0.0.2 4242 443 6 1 {nbytes} {begin} {begin + 60} ACCEPT OK"


def _put(logs, stream: str, events: list[tuple[datetime, str]]) -> None:
    """Events stamped with their record's start, as AWS stamps them."""
    logs.create_log_stream(logGroupName=GROUP, logStreamName=stream)
    logs.put_log_events(
        logGroupName=GROUP,
        logStreamName=stream,
        logEvents=[
            {"timestamp": int(moment.timestamp() * 1000), "message": message}
            for moment, message in sorted(events)
        ],
    )


def _flow_log_to_group(log_format: str | None = None) -> None:
    ec2 = boto3.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    extra = {"LogFormat": log_format} if log_format else {}
    ec2.create_flow_logs(
        ResourceIds=[vpc],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="cloud-watch-logs",
        LogGroupName=GROUP,
        DeliverLogsPermissionArn="arn:aws:iam::123456789012:role/flow-logs",
        **extra,
    )


def test_location_with_logs_prefix_opens_the_log_group(aws) -> None:
    source = open_flow_log_source(f"logs:{GROUP}", log_format="${version} ${start}")

    assert isinstance(source, CloudWatchFlowLogSource)
    assert (source.group, source.uri, source.log_format) == (GROUP, f"logs:{GROUP}", "${version} ${start}")


def test_format_comes_from_the_flow_log_then_the_given_format_then_the_default(logs) -> None:
    source = open_flow_log_source(f"logs:{GROUP}")
    given = open_flow_log_source(f"logs:{GROUP}", log_format="${version} ${srcaddr} ${start}")
    assert source.field_names() == DEFAULT_FORMAT
    assert given.field_names() == ("version", "srcaddr", "start")

    _flow_log_to_group(CUSTOM_FORMAT)

    custom = ("version", "interface-id", "srcaddr", "dstaddr", "bytes", "start", "end", "flow-direction")
    assert source.field_names() == given.field_names() == custom


def test_flow_logs_of_different_formats_need_the_format_given(logs) -> None:
    _flow_log_to_group(CUSTOM_FORMAT)
    _flow_log_to_group("${version} ${start} ${end}")

    with pytest.raises(ValueError, match="different formats"):
        open_flow_log_source(f"logs:{GROUP}").field_names()
    assert open_flow_log_source(f"logs:{GROUP}", log_format="${start}").field_names() == ("start",)


def test_window_keeps_records_starting_inside_with_stream_lineage(logs, window) -> None:
    start, end = window
    _put(
        logs,
        "eni-1-all",
        [
            (start - timedelta(minutes=1), _default_record(start - timedelta(minutes=1), 1)),
            (start, _default_record(start, 2)),
            (start + timedelta(minutes=30), "2 123456789012 eni-1 not a record"),
            (end - timedelta(seconds=1), _default_record(end - timedelta(seconds=1), 3)),
            (end + timedelta(minutes=5), _default_record(end + timedelta(minutes=5), 4)),
            (end + timedelta(minutes=6), "garbage read only for the margin"),
        ],
    )
    _put(logs, "eni-2-all", [(start + timedelta(minutes=10), _default_record(start, 5, eni="eni-2"))])
    messages: list[str] = []

    extraction = extract_window(open_flow_log_source(f"logs:{GROUP}"), start, end, log=messages.append)
    batches = list(extraction)

    records = [row for batch in batches for row in batch.records.to_pylist()]
    assert sorted((row["bytes"], row["source_uri"]) for row in records) == [
        (2, f"logs:{GROUP}/eni-1-all"),
        (3, f"logs:{GROUP}/eni-1-all"),
        (5, f"logs:{GROUP}/eni-2-all"),
    ]
    assert all(batch.records.schema == raw_schema() for batch in batches)
    assert all(batch.rejects.schema == REJECTS_SCHEMA for batch in batches)
    rejects = [row for batch in batches for row in batch.rejects.to_pylist()]
    assert rejects == [
        {
            "source_uri": f"logs:{GROUP}/eni-1-all",
            "line_number": 2,  # the stream's 2nd event read
            "reason": "expected 14 fields, found 6",
            "line": "2 123456789012 eni-1 not a record",
        }
    ]
    stats = extraction.stats
    assert (stats.events_read, stats.streams_seen, stats.objects_listed) == (6, 2, 0)
    assert (stats.records_parsed, stats.records_in_window, stats.rejects) == (4, 3, 1)
    assert stats.as_metadata()["events_read"] == 6
    assert messages[0].startswith(f"reading logs:{GROUP}") and "events 6 from 2 streams" in messages[-1]


def test_custom_log_format_of_the_flow_log_parses_the_messages(logs, window) -> None:
    start, end = window
    _flow_log_to_group(CUSTOM_FORMAT)
    begin = int(start.timestamp())
    _put(logs, "eni-1-all", [(start, f"5 eni-1 10.0.0.1 10.0.0.9 77 {begin} {begin + 60} ingress")])

    extraction = extract_window(open_flow_log_source(f"logs:{GROUP}"), start, end)
    records = [row for batch in extraction for row in batch.records.to_pylist()]

    assert [(row["dstaddr"], row["bytes"], row["flow_direction"], row["action"]) for row in records] == [
        ("10.0.0.9", 77, "ingress", None)
    ]


def test_many_events_are_read_page_by_page_in_bounded_batches(logs, window) -> None:
    start, end = window
    moments = [start + timedelta(seconds=10 * index) for index in range(250)]
    _put(
        logs, "eni-1-all", [(moment, _default_record(moment, index)) for index, moment in enumerate(moments)]
    )
    source = CloudWatchFlowLogSource(GROUP, logs, boto3.client("ec2"), page_size=7)

    extraction = extract_window(source, start, end, batch_events=60)
    sizes = [batch.records.num_rows for batch in extraction]

    assert sizes == [60, 60, 60, 60, 10]
    assert (extraction.stats.events_read, extraction.stats.records_in_window) == (250, 250)


def test_sample_reads_only_its_slice(logs, window) -> None:
    start, end = window
    moments = [start + timedelta(minutes=minute) for minute in (1, 20, 22, 40)]
    _put(logs, "eni-1-all", [(moment, _default_record(moment, moment.minute)) for moment in moments])

    extraction = extract_window(
        open_flow_log_source(f"logs:{GROUP}"), start, end, sample_minutes=5, sample_offset_minutes=20
    )

    assert [row["bytes"] for batch in extraction for row in batch.records.to_pylist()] == [20, 22]
