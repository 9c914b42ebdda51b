"""CloudWatch delivery: a stream per ENI named as AWS names it, one event per record in the flow log's format
(no header), stamped with the record's start and put in time order."""

import time

import boto3
import pandas as pd

from flowpipe.lib.flow_fields import DEFAULT_FORMAT
from flowpipe.lib.simulated.cloudwatch_delivery import EVENTS_PER_PUT, deliver_to_cloudwatch

GROUP = "/vpc/flow-logs"
# CloudWatch refuses events older than 14 days: an hour ago, to the minute.
T = int(time.time()) // 60 * 60 - 3600


def _records(rows: list[tuple[str, int]]) -> pd.DataFrame:
    """A record per (ENI, start offset from T): 10.0.1.5:40000 -> 10.0.2.7:443 over TCP, ending 59 s later."""
    frame = pd.DataFrame(
        [
            (2, "123456789012", eni, "10.0.1.5", "10.0.2.7", 40000, 443, 6, 3, 300 + n, T + s, T + s + 59)
            for n, (eni, s) in enumerate(rows)
        ],
        columns=list(DEFAULT_FORMAT[:12]),
    )
    return frame.assign(action="ACCEPT", **{"log-status": "OK", "tcp-flags": 2})


def _events(logs, stream: str) -> list[tuple[int, str]]:
    """Every event of the stream, oldest first, following get_log_events' forward tokens."""
    found, token = [], None
    while True:
        page = logs.get_log_events(
            logGroupName=GROUP,
            logStreamName=stream,
            startFromHead=True,
            **({"nextToken": token} if token else {}),
        )
        found += [(event["timestamp"], event["message"]) for event in page["events"]]
        if not page["events"] or page["nextForwardToken"] == token:
            return found
        token = page["nextForwardToken"]


def _line(eni: str, n: int, s: int) -> str:
    return f"2 123456789012 {eni} 10.0.1.5 10.0.2.7 40000 443 6 3 {300 + n} {T + s} {T + s + 59} ACCEPT OK"


def test_each_eni_gets_a_stream_of_its_records_in_time_order(aws) -> None:
    logs = boto3.client("logs")
    records = _records([("eni-b", 120), ("eni-a", 600), ("eni-a", 0), ("eni-b", 60)])
    assert deliver_to_cloudwatch(records, logs, GROUP) == 4
    streams = logs.describe_log_streams(logGroupName=GROUP)["logStreams"]
    assert [stream["logStreamName"] for stream in streams] == ["eni-a-all", "eni-b-all"]
    assert _events(logs, "eni-a-all") == [
        (T * 1000, _line("eni-a", 2, 0)),
        ((T + 600) * 1000, _line("eni-a", 1, 600)),
    ]
    assert _events(logs, "eni-b-all") == [
        ((T + 60) * 1000, _line("eni-b", 3, 60)),
        ((T + 120) * 1000, _line("eni-b", 0, 120)),
    ]


def test_events_are_lines_of_the_flow_logs_format_without_a_header(aws) -> None:
    logs = boto3.client("logs")
    fields = ("version", "interface-id", "srcaddr", "dstport", "tcp-flags", "start", "pkt-srcaddr")
    deliver_to_cloudwatch(_records([("eni-a", 0)]), logs, GROUP, fields)
    assert _events(logs, "eni-a-all") == [(T * 1000, f"3 eni-a 10.0.1.5 443 2 {T} -")]


def test_an_existing_group_takes_more_events_than_one_put_holds(aws) -> None:
    logs = boto3.client("logs")
    logs.create_log_group(logGroupName=GROUP)
    count = EVENTS_PER_PUT + 2
    assert deliver_to_cloudwatch(_records([("eni-a", s % 3000) for s in range(count)]), logs, GROUP) == count
    assert [group["logGroupName"] for group in logs.describe_log_groups()["logGroups"]] == [GROUP]
    events = _events(logs, "eni-a-all")
    assert len(events) == count
    assert [t for t, _ in events] == sorted((T + s % 3000) * 1000 for s in range(count))


def test_a_second_delivery_adds_to_the_enis_stream(aws) -> None:
    logs = boto3.client("logs")
    deliver_to_cloudwatch(_records([("eni-a", 0)]), logs, GROUP)
    deliver_to_cloudwatch(_records([("eni-a", 60)]), logs, GROUP)
    assert [timestamp for timestamp, _ in _events(logs, "eni-a-all")] == [T * 1000, (T + 60) * 1000]
