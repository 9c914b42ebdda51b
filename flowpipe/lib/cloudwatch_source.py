"""Read flow log records from a CloudWatch Logs group: one stream per ENI, one record per event, no header.

Without a header the fields come from the flow log's LogFormat (the flow logs that deliver to the group),
else from a format the caller gives, else AWS's default format. Events are read a bounded batch at a
time through the paginated `filter_log_events`, so memory holds one batch and one page, never the window.
"""

import logging
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import boto3
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from botocore.exceptions import NoRegionError

from flowpipe.lib import aws_session
from flowpipe.lib.cloudwatch_insights import InsightsReader
from flowpipe.lib.flow_fields import DEFAULT_FORMAT, parse_log_format, raw_schema
from flowpipe.lib.flow_parser import REJECTS_SCHEMA, ParseResult, parse_lines

logger = logging.getLogger(__name__)

LOGS_PREFIX = "logs:"
INSIGHTS_PREFIX = "logs-insights:"
DEFAULT_PAGE_SIZE = 10_000  # filter_log_events returns at most 10,000 events a page
DEFAULT_BATCH_EVENTS = 100_000
# An event's timestamp is the record's start (AWS, "Publish flow logs to CloudWatch Logs"), so reading
# [start, end) would do. Records are kept by their own start field anyway, so reading two 10-minute
# aggregation intervals past the end costs a few pages and keeps every record of the window even where
# the timestamp was taken later in the aggregation interval than the flow's first packet.
TIMESTAMP_MARGIN_AFTER_WINDOW = timedelta(minutes=20)
# Log group names as CloudWatch Logs allows them.
_GROUP_NAME = re.compile(r"[.\-_/#A-Za-z0-9]{1,512}")


@dataclass(frozen=True)
class LogEventBatch:
    parsed: ParseResult  # records of every event read; rejects only of events timestamped inside [start, end)
    events: int
    streams: frozenset[str]


class CloudWatchFlowLogSource:
    """The flow log records delivered to one log group; lineage is `logs:GROUP/STREAM`."""

    def __init__(
        self,
        group: str,
        logs_client,
        ec2_client,
        log_format: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        use_insights: bool = False,
    ) -> None:
        self.group = group
        self.log_format = log_format
        self.page_size = page_size
        self.use_insights = use_insights
        self.insights_queries = 0  # Logs Insights queries the last read ran, once it has finished
        self._logs = logs_client
        self._ec2 = ec2_client

    @property
    def uri(self) -> str:
        return f"{LOGS_PREFIX}{self.group}"

    def field_names(self) -> tuple[str, ...]:
        """The LogFormat of the flow logs delivering here, else the given format, else AWS's default."""
        formats = self._delivered_formats()
        if len(formats) == 1:
            return parse_log_format(formats.pop())
        if formats and self.log_format is None:
            raise ValueError(
                f"flow logs with different formats deliver to {self.group}; give the format to read: "
                + " | ".join(sorted(formats))
            )
        return parse_log_format(self.log_format) if self.log_format else DEFAULT_FORMAT

    def read(
        self, start: datetime, end: datetime, batch_events: int = DEFAULT_BATCH_EVENTS
    ) -> Iterator[LogEventBatch]:
        """Events timestamped in [start, end + margin), parsed `batch_events` at a time."""
        if batch_events < 1:
            raise ValueError("batch_events must be at least 1")
        names = self.field_names()
        logger.info("reading %s as %s", self.uri, " ".join(names))
        owned_before = _ms(end)
        first, last = _ms(start), _ms(end + TIMESTAMP_MARGIN_AFTER_WINDOW)
        reader = InsightsReader(self._logs, self.group, fallback=self._filtered_events)
        events = reader.events(first, last) if self.use_insights else self._filtered_events(first, last)
        events_per_stream: Counter[str] = Counter()
        pending: list[dict] = []
        with aws_session.credentials_checked(self.uri):
            for event in events:
                pending.append(event)
                if len(pending) >= batch_events:
                    yield self._parse(pending, names, owned_before, events_per_stream)
                    pending = []
        if pending:
            yield self._parse(pending, names, owned_before, events_per_stream)
        self.insights_queries = reader.queries

    def _filtered_events(self, first: int, last: int) -> Iterator[dict]:
        """Events timestamped in [first, last) milliseconds, page by page through FilterLogEvents."""
        pages = self._logs.get_paginator("filter_log_events").paginate(
            logGroupName=self.group,
            startTime=first,
            endTime=last - 1,  # endTime is inclusive
            PaginationConfig={"PageSize": self.page_size},
        )
        for page in pages:
            yield from page.get("events", [])

    def _delivered_formats(self) -> set[str]:
        pages = self._ec2.get_paginator("describe_flow_logs").paginate(
            Filters=[{"Name": "log-group-name", "Values": [self.group]}]
        )
        # None found (the group is fed from another account, or its flow log was deleted) falls back to
        # the given format; a missing ec2:DescribeFlowLogs permission stays an error, never a silent guess.
        return {
            flow_log["LogFormat"]
            for page in _checked_pages(pages, f"the flow logs delivering to {self.uri}")
            for flow_log in page["FlowLogs"]
            if flow_log.get("LogFormat")
        }

    def _parse(
        self, events: list[dict], names: tuple[str, ...], owned_before: int, events_per_stream: Counter[str]
    ) -> LogEventBatch:
        by_stream: dict[str, list[dict]] = {}
        for event in events:
            by_stream.setdefault(event["logStreamName"], []).append(event)
        records, rejects = [], []
        for stream, stream_events in by_stream.items():
            parsed = parse_lines([event["message"] for event in stream_events], names, f"{self.uri}/{stream}")
            records.append(parsed.records)
            rejects.append(_owned(parsed.rejects, stream_events, owned_before, events_per_stream[stream]))
            events_per_stream[stream] += len(stream_events)
        parsed = ParseResult(
            pa.concat_tables(records) if records else raw_schema().empty_table(),
            pa.concat_tables(rejects) if rejects else REJECTS_SCHEMA.empty_table(),
        )
        return LogEventBatch(parsed, len(events), frozenset(by_stream))


def open_cloudwatch_source(location: str, log_format: str | None = None) -> CloudWatchFlowLogSource:
    """`logs:GROUP` -> a source over that log group in the current region, read with FilterLogEvents;
    `logs-insights:GROUP` -> the same, read with Logs Insights queries."""
    use_insights = location.startswith(INSIGHTS_PREFIX)
    group = location.removeprefix(INSIGHTS_PREFIX if use_insights else LOGS_PREFIX)
    if not _GROUP_NAME.fullmatch(group):
        raise ValueError(f"no log group name in {location!r}; expected logs:GROUP (letters, digits, ._-/#)")
    # FilterLogEvents has a small per-account request quota; the retry policy backs off on its throttling.
    session = boto3.Session()
    try:
        logs = aws_session.client(session, "logs")
        ec2 = aws_session.client(session, "ec2")
    except NoRegionError as error:
        raise ValueError(
            f"{location} needs an AWS region: set AWS_REGION (or the profile's region)"
        ) from error
    return CloudWatchFlowLogSource(group, logs, ec2, log_format, use_insights=use_insights)


def _checked_pages(pages: Iterator[dict], reading: str) -> Iterator[dict]:
    """The pages, a refusal of the credentials raised as CredentialsRejected naming what was read."""
    with aws_session.credentials_checked(reading):
        yield from pages


def _owned(rejects: pa.Table, events: list[dict], owned_before: int, earlier_events: int) -> pa.Table:
    """Rejects of events timestamped before the window's end, numbered as the stream's nth event read.

    A malformed message has no start, so it belongs to the window holding its event timestamp; one read
    only for the margin is the next window's to report.
    """
    index = rejects["line_number"].to_numpy() - 1
    stamps = np.array([event["timestamp"] for event in events], dtype=np.int64)
    kept = rejects.filter(pa.array(stamps[index] < owned_before))
    numbers = pc.add(kept["line_number"], earlier_events)
    return kept.set_column(kept.schema.get_field_index("line_number"), "line_number", numbers)


def _ms(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError(f"window bounds must be timezone-aware: {moment.isoformat()}")
    return int(moment.timestamp() * 1000)
