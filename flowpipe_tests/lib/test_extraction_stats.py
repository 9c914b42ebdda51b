"""ExtractionStats: rates, the words for a sample, and the lake row and metadata saying the same."""

from collections import Counter
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from flowpipe.lib.extraction_stats import READS_SCHEMA, ExtractionStats
from flowpipe.lib.flow_parser import ObjectFailure

START = datetime(2026, 3, 14, 6, 0, tzinfo=UTC)
END = datetime(2026, 3, 14, 18, 0, tzinfo=UTC)


def _stats(**fields) -> ExtractionStats:
    return ExtractionStats(window_start=START, window_end=END, read_start=START, read_end=END, **fields)


def test_records_per_second_is_records_parsed_over_seconds_and_zero_before_any_time() -> None:
    timed = _stats(records_parsed=900, seconds=4.5)
    assert timed.records_per_second == 200.0
    assert timed.as_metadata()["records_per_second"] == 200
    assert _stats(records_parsed=900).records_per_second == 0.0


@pytest.mark.parametrize(
    ("minutes", "offset", "nth", "description", "sampled"),
    [
        (None, 0, None, "whole window", False),
        (None, 0, 1, "whole window", False),
        (5, 180, None, "5 min at +180 min", True),
        (None, 0, 2, "every 2nd object", True),
        (None, 0, 3, "every 3rd object", True),
        (None, 0, 10, "every 10th object", True),
        (None, 0, 12, "every 12th object", True),
        (None, 0, 21, "every 21st object", True),
        (None, 0, 113, "every 113th object", True),
        (60, 360, 4, "60 min at +360 min, every 4th object", True),
    ],
)
def test_sample_description_names_the_slice_the_nth_object_or_both(
    minutes: int | None, offset: int, nth: int | None, description: str, sampled: bool
) -> None:
    stats = _stats(sample_minutes=minutes, sample_offset_minutes=offset, sample_every_nth_object=nth)
    assert (stats.sample_description, stats.is_sampled) == (description, sampled)


@pytest.mark.parametrize("nth", [0, -3])
def test_every_nth_object_below_one_is_refused(nth: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        _stats(sample_every_nth_object=nth)


def test_the_lake_row_and_the_metadata_say_the_same_about_what_was_read() -> None:
    paris = ZoneInfo("Europe/Paris")
    stats = ExtractionStats(
        window_start=datetime(2026, 3, 14, 6, 0, tzinfo=paris),
        window_end=datetime(2026, 3, 14, 18, 0, tzinfo=paris),
        read_start=datetime(2026, 3, 14, 9, 0, tzinfo=paris),
        read_end=datetime(2026, 3, 14, 9, 5, tzinfo=paris),
        sample_minutes=5,
        sample_offset_minutes=180,
        objects_listed=7,
        objects_sampled=7,
        objects_read=6,
        objects_failed=[ObjectFailure("s3://flows/broken.log.gz", "not a gzip file")],
        records_in_window=41,
        rejects=2,
        events_read=0,
        seconds=1.25,
    )

    table = stats.as_table()

    assert table.schema == READS_SCHEMA
    [row] = table.to_pylist()
    assert row == {
        "window_start": datetime(2026, 3, 14, 5, 0, tzinfo=UTC),  # 06:00 in Paris, UTC+1 in March
        "window_end": datetime(2026, 3, 14, 17, 0, tzinfo=UTC),
        "read_start": datetime(2026, 3, 14, 8, 0, tzinfo=UTC),
        "read_end": datetime(2026, 3, 14, 8, 5, tzinfo=UTC),
        "sample": "5 min at +180 min",
        "sampled": True,
        "objects_listed": 7,
        "objects_read": 6,
        "objects_failed": 1,
        "events_read": 0,
        "records_in_window": 41,
        "rejects": 2,
        "seconds": 1.25,
    }
    metadata = stats.as_metadata()
    shared = set(row) - {"window_start", "window_end", "read_start", "read_end"}
    assert {key: metadata[key] for key in shared} == {key: row[key] for key in shared}
    assert (metadata["read_start"], metadata["read_end"]) == (
        "2026-03-14T09:00:00+01:00",
        "2026-03-14T09:05:00+01:00",
    )


def test_top_reasons_count_rejected_lines_and_failed_objects_together() -> None:
    stats = _stats(
        reject_reasons=Counter({"bytes: not a bigint: a|b": 3, "not a gzip file": 2, "expected 14": 2}),
        objects_failed=[
            ObjectFailure("s3://flows/a.log.gz", "not a gzip file"),
            ObjectFailure("s3://flows/b.log.gz", "not a gzip file"),
        ],
    )

    assert stats.top_reasons_markdown(limit=2).splitlines() == [
        "| lines | reason |",
        "|---|---|",
        "| 4 | not a gzip file |",
        "| 3 | bytes: not a bigint: a/b |",  # a "|" inside a reason would break the table
    ]
    assert _stats().top_reasons_markdown() == "no rejects"
