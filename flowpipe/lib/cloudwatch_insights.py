"""Read a log group's events through CloudWatch Logs Insights (StartQuery, then GetQueryResults polled),
as engineers do by hand in the console, instead of paging FilterLogEvents.

Insights scans a large group on AWS's side, but a query returns at most 10,000 rows. A time slice whose
query comes back full is split in two and asked again, down to one second; a second that still holds
more is read with the fallback (FilterLogEvents), so no event is ever cut off.
"""

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

logger = logging.getLogger(__name__)

MAX_RESULTS = 10_000  # the most rows one Insights query returns
QUERY = "fields @timestamp, @message, @logStream | sort @timestamp asc | limit {limit}"
_DONE = {"Complete", "Failed", "Cancelled", "Timeout", "Unknown"}
_TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f"

Event = dict  # {"timestamp": ms, "message": str, "logStreamName": str}, as filter_log_events gives them


class InsightsQueryError(RuntimeError):
    """A Logs Insights query failed, was cancelled or did not finish in time."""


@dataclass
class InsightsReader:
    """Events of one log group by Logs Insights queries over time slices, oldest first."""

    logs_client: object
    group: str
    fallback: Callable[[int, int], Iterator[Event]]  # (start ms, end ms) -> events, for a full second
    max_results: int = MAX_RESULTS
    poll_seconds: float = 1.0
    timeout_seconds: float = 900.0
    queries: int = 0

    def events(self, start_ms: int, end_ms: int) -> Iterator[Event]:
        """Events timestamped in [start_ms, end_ms); both must be whole seconds."""
        if start_ms % 1000 or end_ms % 1000:
            raise ValueError("Logs Insights reads whole seconds: give start and end on a second")
        slices = [(start_ms // 1000, end_ms // 1000)]
        while slices:
            first, last = slices.pop()  # seconds, [first, last)
            rows = self._query(first, last)
            if len(rows) < self.max_results:
                yield from rows
            elif last - first > 1:
                middle = (first + last) // 2
                slices += [(middle, last), (first, middle)]  # the earlier half is popped first
            else:
                logger.info("%s holds over %s events in second %s; paging them", self.group, len(rows), first)
                yield from self.fallback(first * 1000, last * 1000)

    def _query(self, first: int, last: int) -> list[Event]:
        """Events of [first, last) seconds. The query's end is inclusive and its precision is unclear
        (the second, or its first millisecond), so it asks for one second more and filters here."""
        query_id = self.logs_client.start_query(
            logGroupName=self.group,
            startTime=first,
            endTime=last,
            queryString=QUERY.format(limit=self.max_results),
            limit=self.max_results,
        )["queryId"]
        self.queries += 1
        response = self._wait(query_id)
        events = (_event(row) for row in response["results"])
        return [event for event in events if first * 1000 <= event["timestamp"] < last * 1000]

    def _wait(self, query_id: str) -> dict:
        deadline = time.monotonic() + self.timeout_seconds
        while True:
            response = self.logs_client.get_query_results(queryId=query_id)
            status = response["status"]
            if status == "Complete":
                return response
            if status in _DONE:
                raise InsightsQueryError(f"Logs Insights query {query_id} on {self.group} ended {status}")
            if time.monotonic() > deadline:
                self.logs_client.stop_query(queryId=query_id)
                raise InsightsQueryError(
                    f"Logs Insights query {query_id} on {self.group} still {status} after "
                    f"{self.timeout_seconds:.0f} s; stopped it"
                )
            time.sleep(self.poll_seconds)


def _event(row: list[dict]) -> Event:
    fields = {item["field"]: item["value"] for item in row}
    return {
        "timestamp": _milliseconds(fields["@timestamp"]),
        "message": fields["@message"],
        "logStreamName": fields["@logStream"],
    }


def _milliseconds(value: str) -> int:
    """@timestamp as AWS returns it ("2026-03-14 06:00:00.000", UTC), or as epoch milliseconds."""
    if value.isdigit():
        return int(value)
    moment = datetime.strptime(value, _TIMESTAMP_FORMAT).replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)
