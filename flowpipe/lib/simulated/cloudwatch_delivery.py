"""Writes flow log records as AWS delivers them to CloudWatch Logs: a stream per ENI, one event a record.

Events carry no header line; their timestamp is the record's start, and a batch is put in time order
(CloudWatch refuses events out of order within a batch, and events older than 14 days).
"""

import contextlib
import logging

import pandas as pd

from flowpipe.lib.flow_fields import DEFAULT_FORMAT
from flowpipe.lib.simulated.delivery import record_lines

log = logging.getLogger(__name__)

# put_log_events takes at most 10,000 events and 1 MB; flow log lines are far below 100 bytes each.
EVENTS_PER_PUT = 5_000


def stream_name(interface_id: str) -> str:
    """AWS names a flow log's stream after the ENI it captures."""
    return f"{interface_id}-all"


def deliver_to_cloudwatch(
    records: pd.DataFrame, logs_client, group: str, fields: tuple[str, ...] = DEFAULT_FORMAT
) -> int:
    """Puts every record into `group` as AWS would; returns the number of events."""
    if group not in {
        g["logGroupName"] for g in logs_client.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    }:
        logs_client.create_log_group(logGroupName=group)
    events = records.assign(
        message=record_lines(records, fields), timestamp=records["start"].astype("int64") * 1000
    )
    for interface_id, stream in events.sort_values("timestamp").groupby("interface-id", sort=True):
        _ensure_stream(logs_client, group, stream_name(interface_id))
        batch = [
            {"timestamp": int(t), "message": m} for t, m in zip(stream.timestamp, stream.message, strict=True)
        ]
        for offset in range(0, len(batch), EVENTS_PER_PUT):
            logs_client.put_log_events(
                logGroupName=group,
                logStreamName=stream_name(interface_id),
                logEvents=batch[offset : offset + EVENTS_PER_PUT],
            )
    log.info("delivered %d events to %s", len(events), group)
    return len(events)


def _ensure_stream(logs_client, group: str, stream: str) -> None:
    """A later delivery adds to the ENI's stream, as AWS does; only the first creates it."""
    with contextlib.suppress(logs_client.exceptions.ResourceAlreadyExistsException):
        logs_client.create_log_stream(logGroupName=group, logStreamName=stream)
