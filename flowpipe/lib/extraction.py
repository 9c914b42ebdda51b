"""Extract one window of flow log records from a source, a bounded batch of objects at a time.

Memory holds two batches (each at most `batch_objects` downloaded files, or BATCH_BYTES of them, and
their parsed records), never the window, so a caller can write each batch out and the number of objects
in a window does not matter. The next batch is read on a worker thread while the caller writes the
current one: parsing and the caller's Parquet encoding release the GIL, so both cores work.
"""

import logging
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from flowpipe.lib.cloudwatch_source import DEFAULT_BATCH_EVENTS, CloudWatchFlowLogSource
from flowpipe.lib.extraction_stats import ExtractionStats
from flowpipe.lib.flow_parser import ObjectFailure, ParseResult, parse_files
from flowpipe.lib.flow_sources import FlowLogObject, FlowLogSource, ObjectUnavailable
from flowpipe.lib.parquet_delivery import parse_parquet_files

logger = logging.getLogger(__name__)

DEFAULT_BATCH_OBJECTS = 64
FETCH_THREADS = 8
# Compressed bytes per batch: gz text is ~30 bytes a record and ~300 bytes once parsed (over half of it
# the source_uri string), so 16 MiB is ~0.5M records and ~150 MB of Arrow (benchmarks/README.md).
BATCH_BYTES = 16 << 20


@dataclass(frozen=True)
class ExtractedBatch:
    records: pa.Table  # flow_fields.raw_schema(...), only records whose start is in the window (or sample)
    rejects: pa.Table  # flow_parser.REJECTS_SCHEMA


class WindowExtraction:
    """Iterator of ExtractedBatch; `stats` is complete once iteration has finished."""

    def __init__(self, batches: Iterator[ExtractedBatch], stats: ExtractionStats) -> None:
        self._batches = batches
        self.stats = stats

    def __iter__(self) -> "WindowExtraction":
        return self

    def __next__(self) -> ExtractedBatch:
        return next(self._batches)


def extract_window(
    source: FlowLogSource | CloudWatchFlowLogSource,
    start: datetime,
    end: datetime,
    *,
    batch_objects: int = DEFAULT_BATCH_OBJECTS,
    batch_events: int = DEFAULT_BATCH_EVENTS,
    sample_minutes: int | None = None,
    sample_offset_minutes: int = 0,
    sample_every_nth_object: int | None = None,
    log: Callable[[str], None] | None = None,
) -> WindowExtraction:
    """Records whose start is in [start, end) (or in the sample slice of it), with NODATA/SKIPDATA.

    A CloudWatch Logs source is read `batch_events` events per batch, any other `batch_objects` objects;
    `sample_every_nth_object` as objects_to_read says.
    """
    if batch_objects < 1 or batch_events < 1:
        raise ValueError("batch_objects and batch_events must be at least 1")
    read_start, read_end = read_range(start, end, sample_minutes, sample_offset_minutes)
    stats = ExtractionStats(
        start, end, read_start, read_end, sample_minutes, sample_offset_minutes, sample_every_nth_object
    )
    if isinstance(source, CloudWatchFlowLogSource):
        if stats.every_nth_object > 1:
            raise ValueError(
                "a CloudWatch Logs group has no delivery objects to sample one in N of: use sample_minutes"
            )
        return WindowExtraction(_event_batches(source, stats, batch_events, log or logger.info), stats)
    return WindowExtraction(_batches(source, stats, batch_objects, log or logger.info), stats)


def read_range(
    start: datetime, end: datetime, sample_minutes: int | None, offset_minutes: int
) -> tuple[datetime, datetime]:
    """The part of [start, end) that is read: all of it, or the sample slice."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("window bounds must be timezone-aware")
    if end <= start:
        raise ValueError(f"empty window: {start.isoformat()} .. {end.isoformat()}")
    if sample_minutes is None:
        return start, end
    if sample_minutes < 1 or offset_minutes < 0:
        raise ValueError("sample_minutes must be >= 1 and sample_offset_minutes >= 0")
    sample_start = start + timedelta(minutes=offset_minutes)
    if sample_start >= end:
        raise ValueError(f"sample offset {offset_minutes} min is past the window end")
    return sample_start, min(end, sample_start + timedelta(minutes=sample_minutes))


def _batches(
    source: FlowLogSource, stats: ExtractionStats, batch_objects: int, log: Callable[[str], None]
) -> Iterator[ExtractedBatch]:
    began = time.perf_counter()
    readable = objects_to_read(source, stats, log)
    batches = _split(readable, batch_objects)
    done = 0
    with (
        tempfile.TemporaryDirectory(prefix="flowpipe-extract-") as scratch,
        ThreadPoolExecutor(1, thread_name_prefix="flowpipe-extract") as ahead,
    ):
        # Each batch gets its own scratch folder: the next one downloads while this one is consumed.
        folders = [Path(scratch) / str(index) for index in range(2)]
        pending = [ahead.submit(extract_objects, source, batch, stats, folders[0]) for batch in batches[:1]]
        for index, batch in enumerate(batches):
            extracted = pending.pop().result()
            if index + 1 < len(batches):
                folder = folders[(index + 1) % 2]
                pending.append(ahead.submit(extract_objects, source, batches[index + 1], stats, folder))
            yield extracted
            done += len(batch)
            stats.seconds = time.perf_counter() - began
            log(
                f"objects {done}/{len(readable)}, records {stats.records_parsed:,} parsed, "
                f"{stats.records_in_window:,} in range, {stats.rejects:,} rejects, "
                f"{stats.records_per_second:,.0f} records/s"
            )
    stats.seconds = time.perf_counter() - began


def objects_to_read(
    source: FlowLogSource, stats: ExtractionStats, log: Callable[[str], None]
) -> list[FlowLogObject]:
    """The objects that can hold the read range, or the 1st, (N+1)th, ... of them in key order for an
    every-Nth-object sample (each delivery file holds every ENI of its flow log for 5 minutes, so one
    file in N samples the window's records across its whole length); counted in `stats`."""
    listed = source.list_objects(stats.read_start, stats.read_end)
    stats.objects_listed = len(listed)
    readable = sorted(listed, key=lambda obj: obj.uri)[:: stats.every_nth_object]
    stats.objects_sampled = len(readable)
    log(
        f"{len(listed)} objects can hold {stats.read_start.isoformat()} .. {stats.read_end.isoformat()}"
        + (f"; reading {len(readable)} ({stats.sample_description})" if len(readable) < len(listed) else "")
    )
    return readable


def _split(objects: list[FlowLogObject], batch_objects: int) -> list[list[FlowLogObject]]:
    """Consecutive batches of at most `batch_objects` objects and BATCH_BYTES (or one larger object)."""
    batches: list[list[FlowLogObject]] = []
    size = 0
    for obj in objects:
        if not batches or len(batches[-1]) >= batch_objects or size + obj.size > BATCH_BYTES:
            batches.append([])
            size = 0
        batches[-1].append(obj)
        size += obj.size
    return batches


def extract_objects(
    source: FlowLogSource, batch: list[FlowLogObject], stats: ExtractionStats, scratch: Path
) -> ExtractedBatch:
    """Fetch, parse and window-filter some of a window's objects, counting them in `stats`: one batch of
    extract_window, or one Spark task of the extraction job."""
    scratch.mkdir(exist_ok=True)
    fetched = _fetch(source, batch, scratch)
    try:
        sources = {local: obj.uri for obj, local, _ in fetched if local is not None}
        parsed = _parse(sources)
    finally:
        for _, local, _failure in fetched:
            if local is not None and Path(local).parent == scratch:
                Path(local).unlink(missing_ok=True)
    parsed.failures += [failure for _, _, failure in fetched if failure is not None]
    failed = {failure.uri for failure in parsed.failures}
    stats.objects_failed += parsed.failures
    stats.objects_read += len(batch) - len(failed)
    stats.compressed_bytes_read += sum(obj.size for obj in batch)
    stats.records_parsed += parsed.records.num_rows
    records = _in_range(parsed.records, stats.read_start, stats.read_end)
    rejects = _owned_rejects(parsed.rejects, batch, stats.read_start, stats.read_end)
    stats.records_in_window += records.num_rows
    stats.rejects += rejects.num_rows
    stats.reject_reasons.update(rejects["reason"].to_pylist())
    return ExtractedBatch(records, rejects)


def _fetch(
    source: FlowLogSource, batch: list[FlowLogObject], scratch: Path
) -> list[tuple[FlowLogObject, str | None, ObjectFailure | None]]:
    """Each object's local copy (a local source's own file), or why it could not be read whole after the
    retries. Downloads run FETCH_THREADS at a time: a GET of a small object is mostly waiting."""

    def fetch_one(index: int, obj: FlowLogObject) -> tuple[FlowLogObject, str | None, ObjectFailure | None]:
        target = scratch / (f"{index}.parquet" if obj.is_parquet else f"{index}.log.gz")
        try:
            return obj, source.fetch(obj, str(target)), None
        except ObjectUnavailable as error:
            return obj, None, ObjectFailure(error.uri, error.reason)

    with ThreadPoolExecutor(FETCH_THREADS, thread_name_prefix="flowpipe-fetch") as pool:
        return list(pool.map(fetch_one, range(len(batch)), batch))


def _parse(sources: dict[str, str]) -> ParseResult:
    """Text deliveries through the text parser, Parquet deliveries read as the typed files they are."""
    parquet = {path: uri for path, uri in sources.items() if uri.endswith(".parquet")}
    text = parse_files({path: uri for path, uri in sources.items() if path not in parquet})
    if not parquet:
        return text
    typed = parse_parquet_files(parquet)
    return ParseResult(
        pa.concat_tables([text.records, typed.records]),
        pa.concat_tables([text.rejects, typed.rejects]),
        text.failures + typed.failures,
    )


def _event_batches(
    source: CloudWatchFlowLogSource, stats: ExtractionStats, batch_events: int, log: Callable[[str], None]
) -> Iterator[ExtractedBatch]:
    began = time.perf_counter()
    log(f"reading {source.uri} for {stats.read_start.isoformat()} .. {stats.read_end.isoformat()}")
    streams: set[str] = set()
    for batch in source.read(stats.read_start, stats.read_end, batch_events):
        streams.update(batch.streams)
        stats.events_read += batch.events
        stats.streams_seen = len(streams)
        stats.records_parsed += batch.parsed.records.num_rows
        records = _in_range(batch.parsed.records, stats.read_start, stats.read_end)
        rejects = batch.parsed.rejects  # the source keeps only those of events timestamped in range
        stats.records_in_window += records.num_rows
        stats.rejects += rejects.num_rows
        stats.reject_reasons.update(rejects["reason"].to_pylist())
        yield ExtractedBatch(records, rejects)
        stats.seconds = time.perf_counter() - began
        log(
            f"events {stats.events_read:,} from {stats.streams_seen} streams, records "
            f"{stats.records_in_window:,} in range, {stats.rejects:,} rejects"
        )
    stats.seconds = time.perf_counter() - began
    stats.insights_queries = source.insights_queries


def _in_range(records: pa.Table, start: datetime, end: datetime) -> pa.Table:
    """Records whose start (Unix seconds) is in [start, end); a record without start has no window."""
    starts = records["start"]
    keep = pc.and_(pc.greater_equal(starts, int(start.timestamp())), pc.less(starts, int(end.timestamp())))
    keep = pc.fill_null(keep, False)
    # Most batches lie wholly inside the range: spare the copy of every column (source_uri above all).
    return records if pc.all(keep).as_py() else records.filter(keep)


def _owned_rejects(rejects: pa.Table, batch: list[FlowLogObject], start: datetime, end: datetime) -> pa.Table:
    """Rejects have no start time, so each belongs to the window its file's delivery interval falls in.

    Files read only for the margin around the range would otherwise report the same rejects again in
    the neighbouring window. Files whose name carries no time report theirs in every window that reads them.
    """
    lower, upper = start.astimezone(UTC), end.astimezone(UTC)
    owned = [obj.uri for obj in batch if obj.file_time is None or lower <= obj.file_time < upper]
    return rejects.filter(pc.is_in(rejects["source_uri"], pa.array(owned, pa.string())))
