"""CloudWatch Logs throttling and failing between flowpipe and the log group: retried, or the window fails.

A log group has no objects to skip: a page that cannot be read leaves a hole nobody could name, so a
fault outlasting the retries fails the window and nothing of it lands (a rerun reads it whole).
moto refuses events older than 14 days, so the window is two days ago.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import dagster as dg
import pytest

from flowpipe.defs.ingest.raw_flow_logs import raw_flow_logs
from flowpipe.lib import aws_session
from flowpipe.lib.cloudwatch_source import CloudWatchFlowLogSource
from flowpipe.lib.extraction import extract_window
from flowpipe.lib.lake import Lake
from flowpipe.lib.resources import FlowLogSourceResource, LakeResource
from flowpipe_tests.faults.deliveries import failure_message
from flowpipe_tests.faults.proxy import INTERNAL_ERROR, THROTTLING, AwsError, FaultProxy

GROUP = "/vpc/flow-logs"
EXPIRED = AwsError(400, "ExpiredTokenException", "The security token included in the request is expired")
DAY = (datetime.now(UTC) - timedelta(days=2)).replace(hour=6, minute=0, second=0, microsecond=0)
WINDOW = (DAY, DAY + timedelta(hours=12))
EVENTS = 25


@pytest.fixture
def group(aws) -> list[int]:
    """EVENTS records in one stream of the group, put straight into moto; returns their bytes."""
    logs = boto3.client("logs", endpoint_url=aws.endpoint_url)
    logs.create_log_group(logGroupName=GROUP)
    logs.create_log_stream(logGroupName=GROUP, logStreamName="eni-0a1-all")
    events = []
    for index in range(EVENTS):
        begin = DAY + timedelta(minutes=10 * index)
        start = int(begin.timestamp())
        message = (
            f"2 123456789012 eni-0a1 10.0.1.10 10.0.2.4 40000 443 6 10 {100 + index} {start} {start + 60} "
            "ACCEPT OK"
        )
        events.append({"timestamp": start * 1000, "message": message})
    logs.put_log_events(logGroupName=GROUP, logStreamName="eni-0a1-all", logEvents=events)
    return [100 + index for index in range(EVENTS)]


def _source(page_size: int = 5) -> CloudWatchFlowLogSource:
    """The source flowpipe opens for logs:GROUP, with small pages so a window takes several calls."""
    session = boto3.Session()
    return CloudWatchFlowLogSource(
        GROUP, aws_session.client(session, "logs"), aws_session.client(session, "ec2"), page_size=page_size
    )


def _bytes(source: CloudWatchFlowLogSource) -> list[int]:
    return sorted(
        value for batch in extract_window(source, *WINDOW) for value in batch.records["bytes"].to_pylist()
    )


def test_throttled_and_failing_calls_are_retried_and_every_event_lands(
    faulty_aws: FaultProxy, group: list[int]
) -> None:
    faulty_aws.inject(
        THROTTLING, operation="FilterLogEvents", where=lambda call: "nextToken" in call.params, times=2
    )
    faulty_aws.inject(INTERNAL_ERROR, operation="DescribeFlowLogs", times=1)

    assert _bytes(_source()) == group

    statuses = [call.status for call in faulty_aws.calls("logs", "FilterLogEvents")]
    assert statuses.count(400) == 2 and statuses.count(200) == EVENTS // 5
    assert [call.status for call in faulty_aws.calls("ec2", "DescribeFlowLogs")] == [500, 200]


def test_throttling_beyond_the_retries_fails_the_window_and_lands_nothing(
    faulty_aws: FaultProxy, group: list[int], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "3")
    faulty_aws.inject(THROTTLING, operation="FilterLogEvents")

    result = dg.materialize(
        [raw_flow_logs],
        partition_key=DAY.strftime("%Y-%m-%d-%H:%M"),
        resources={
            "flow_log_source": FlowLogSourceResource(location=f"logs:{GROUP}"),
            "lake": LakeResource(root=str(tmp_path / "lake")),
        },
        raise_on_error=False,
    )

    assert not result.success
    assert "ThrottlingException" in failure_message(result)
    assert len(faulty_aws.calls("logs", "FilterLogEvents")) == 3
    partition = {"date": DAY.date().isoformat(), "window": "day"}
    assert Lake(str(tmp_path / "lake")).partition_files("raw_flow_logs", partition) == []


def test_expired_credentials_on_the_log_group_are_a_clear_error(
    faulty_aws: FaultProxy, group: list[int]
) -> None:
    faulty_aws.inject(EXPIRED, operation="FilterLogEvents")

    with pytest.raises(
        aws_session.CredentialsRejected,
        match=f"ExpiredTokenException.*logs:{GROUP}|logs:{GROUP}.*ExpiredTokenException",
    ):
        _bytes(_source())

    assert len(faulty_aws.calls("logs", "FilterLogEvents")) == 1
