"""One window's extraction landed in the lake: raw_flow_logs, raw_flow_log_rejects and raw_flow_log_reads,
each partition replaced whole. What the raw_flow_logs asset, the benchmarks and the tests all run."""

from collections.abc import Callable
from dataclasses import dataclass

from flowpipe.lib.cloudwatch_source import CloudWatchFlowLogSource
from flowpipe.lib.extraction import extract_window
from flowpipe.lib.extraction_stats import ExtractionStats
from flowpipe.lib.flow_fields import raw_schema
from flowpipe.lib.flow_parser import REJECTS_SCHEMA
from flowpipe.lib.flow_sources import FlowLogSource
from flowpipe.lib.lake import Lake
from flowpipe.lib.windows import Window

RECORDS_TABLE = "raw_flow_logs"
REJECTS_TABLE = "raw_flow_log_rejects"
READS_TABLE = "raw_flow_log_reads"  # one row per window: what was read (whole, or which sample)


@dataclass
class LandedWindow:
    records: int
    rejects: int
    stats: ExtractionStats


def land_window(
    source: FlowLogSource | CloudWatchFlowLogSource,
    lake: Lake,
    window: Window,
    *,
    log: Callable[[str], None] | None = None,
    sample_minutes: int | None = None,
    sample_offset_minutes: int = 0,
    sample_every_nth_object: int | None = None,
) -> LandedWindow:
    """Stream the window's records and rejects into their partitions, then record what was read."""
    extraction = extract_window(
        source,
        window.start,
        window.end,
        log=log,
        sample_minutes=sample_minutes,
        sample_offset_minutes=sample_offset_minutes,
        sample_every_nth_object=sample_every_nth_object,
    )
    with (
        lake.partition_writer(RECORDS_TABLE, window.partition, raw_schema()) as records,
        lake.partition_writer(REJECTS_TABLE, window.partition, REJECTS_SCHEMA) as rejects,
    ):
        for batch in extraction:
            records.write(batch.records)
            rejects.write(batch.rejects)
        rejects.write(extraction.stats.failed_objects_as_rejects())
    lake.write_table(READS_TABLE, window.partition, extraction.stats.as_table())
    return LandedWindow(records.rows, rejects.rows, extraction.stats)
