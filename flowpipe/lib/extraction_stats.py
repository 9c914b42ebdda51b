"""What one window's extraction read and found: counts for the run's log and metadata, and the
raw_flow_log_reads row that tells any reader of the lake whether a window was sampled."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import pyarrow as pa

from flowpipe.lib.flow_parser import REJECTS_SCHEMA, ObjectFailure


@dataclass
class ExtractionStats:
    window_start: datetime
    window_end: datetime
    read_start: datetime  # the sample slice when sampling, else the window
    read_end: datetime
    sample_minutes: int | None = None
    sample_offset_minutes: int = 0
    sample_every_nth_object: int | None = None
    objects_listed: int = 0
    objects_sampled: int = 0  # of those listed, the ones an every-Nth-object sample reads
    objects_read: int = 0
    objects_failed: list[ObjectFailure] = field(default_factory=list)
    objects_skipped: list[ObjectFailure] = field(default_factory=list)  # listed but not readable by design
    records_parsed: int = 0
    records_in_window: int = 0
    rejects: int = 0
    compressed_bytes_read: int = 0
    events_read: int = 0  # CloudWatch Logs events; a CloudWatch source lists no objects
    streams_seen: int = 0
    insights_queries: int = 0  # Logs Insights queries a logs-insights: source ran
    seconds: float = 0.0

    reject_reasons: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        if self.sample_every_nth_object is not None and self.sample_every_nth_object < 1:
            raise ValueError("sample_every_nth_object must be at least 1")

    @property
    def records_per_second(self) -> float:
        return self.records_parsed / self.seconds if self.seconds else 0.0

    @property
    def every_nth_object(self) -> int:
        """The step through the listed objects: 1 reads them all."""
        return self.sample_every_nth_object or 1

    @property
    def is_sampled(self) -> bool:
        return self.sample_minutes is not None or self.every_nth_object > 1

    @property
    def sample_description(self) -> str:
        """What was read, in words: "whole window", "5 min at +180 min", "every 10th object", or both."""
        parts = []
        if self.sample_minutes is not None:
            parts.append(f"{self.sample_minutes} min at +{self.sample_offset_minutes} min")
        if self.every_nth_object > 1:
            parts.append(f"every {_ordinal(self.every_nth_object)} object")
        return ", ".join(parts) or "whole window"

    def failed_objects_as_rejects(self) -> pa.Table:
        """Objects that could not be read, as reject rows (no line number) so they are counted too."""
        rows = [
            {"source_uri": failure.uri, "line_number": None, "reason": failure.error, "line": None}
            for failure in self.objects_failed
        ]
        return pa.Table.from_pylist(rows, REJECTS_SCHEMA)

    def as_table(self) -> pa.Table:
        """One row saying what this extraction read, for the lake (READS_SCHEMA): a reader of any rollup
        can tell a sampled window from a whole one without Dagster's metadata."""
        row = {
            "window_start": self.window_start,
            "window_end": self.window_end,
            "read_start": self.read_start,
            "read_end": self.read_end,
            **self._what_was_read(),
            "seconds": self.seconds,
        }
        return pa.Table.from_pylist([row], READS_SCHEMA)

    def _what_was_read(self) -> dict[str, str | bool | int]:
        """The fields the lake's row and the materialization metadata both carry."""
        return {
            "sample": self.sample_description,
            "sampled": self.is_sampled,
            "objects_listed": self.objects_listed,
            "objects_read": self.objects_read,
            "objects_failed": len(self.objects_failed),
            "events_read": self.events_read,
            "records_in_window": self.records_in_window,
            "rejects": self.rejects,
        }

    def top_reasons_markdown(self, limit: int = 10) -> str:
        reasons = self.reject_reasons + Counter(failure.error for failure in self.objects_failed)
        if not reasons:
            return "no rejects"
        rows = [f"| {count} | {reason.replace('|', '/')} |" for reason, count in reasons.most_common(limit)]
        return "\n".join(["| lines | reason |", "|---|---|", *rows])

    def as_metadata(self) -> dict[str, str | int | float]:
        return {
            **self._what_was_read(),
            "read_start": self.read_start.isoformat(),
            "read_end": self.read_end.isoformat(),
            "objects_sampled": self.objects_sampled,
            "objects_skipped": len(self.objects_skipped),
            "records_parsed": self.records_parsed,
            "compressed_bytes_read": self.compressed_bytes_read,
            "streams_seen": self.streams_seen,
            "insights_queries": self.insights_queries,
            "seconds": round(self.seconds, 3),
            "records_per_second": round(self.records_per_second),
        }


READS_SCHEMA = pa.schema(
    [
        pa.field("window_start", pa.timestamp("s", tz="UTC")),
        pa.field("window_end", pa.timestamp("s", tz="UTC")),
        pa.field("read_start", pa.timestamp("s", tz="UTC")),
        pa.field("read_end", pa.timestamp("s", tz="UTC")),
        pa.field("sample", pa.string()),
        pa.field("sampled", pa.bool_()),
        pa.field("objects_listed", pa.int64()),
        pa.field("objects_read", pa.int64()),
        pa.field("objects_failed", pa.int64()),
        pa.field("events_read", pa.int64()),
        pa.field("records_in_window", pa.int64()),
        pa.field("rejects", pa.int64()),
        pa.field("seconds", pa.float64()),
    ]
)


def _ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"
