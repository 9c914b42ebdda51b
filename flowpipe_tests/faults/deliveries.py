"""Flow log objects as AWS delivers them for the 2026-03-14 day window, and raw_flow_logs run over them."""

import gzip
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pyarrow as pa

from flowpipe.defs.ingest.raw_flow_logs import raw_flow_logs
from flowpipe.lib.extraction import extract_window
from flowpipe.lib.flow_fields import DEFAULT_FORMAT
from flowpipe.lib.lake import Lake
from flowpipe.lib.resources import FlowLogSourceResource, LakeResource

BUCKET = "flow-logs"
LOCATION = f"s3://{BUCKET}"
WINDOW_KEY = "2026-03-14-06:00"
PARTITION = {"date": "2026-03-14", "window": "day"}
START = datetime(2026, 3, 14, 6, 0, tzinfo=UTC)
END = datetime(2026, 3, 14, 18, 0, tzinfo=UTC)
FOLDER = "AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/03/14/"
HEADER = " ".join(DEFAULT_FORMAT)
IN_WINDOW = int(datetime(2026, 3, 14, 10, 0, tzinfo=UTC).timestamp())


def key(stamp: str, suffix: str = "log.gz", name: str = "a1b2c3d4") -> str:
    """An AWS key in the default layout: `stamp` like 20260314T1000Z."""
    return f"{FOLDER}123456789012_vpcflowlogs_us-east-1_fl-0123abcd_{stamp}_{name}.{suffix}"


def records(first_bytes: int, count: int) -> list[str]:
    """`count` default-format records in the window, told apart by their bytes: first_bytes, +1, ..."""
    return [
        f"2 123456789012 eni-0a1 10.0.1.10 10.0.2.4 40000 443 6 10 {first_bytes + n} "
        f"{IN_WINDOW + n} {IN_WINDOW + n + 60} ACCEPT OK"
        for n in range(count)
    ]


def text_object(lines: list[str], header: str = HEADER) -> bytes:
    return gzip.compress(("\n".join([header, *lines]) + "\n").encode(), mtime=0)


def put(s3, object_key: str, body: bytes) -> str:
    """Puts the object; returns its URI as flowpipe names it (source_uri)."""
    s3.put_object(Bucket=BUCKET, Key=object_key, Body=body)
    return f"s3://{BUCKET}/{object_key}"


def extract(source) -> tuple[pa.Table, pa.Table, object]:
    """Every record and reject of the window, and the extraction's stats."""
    extraction = extract_window(source, START, END)
    batches = list(extraction)
    found = pa.concat_tables([batch.records for batch in batches]) if batches else None
    rejects = pa.concat_tables([batch.rejects for batch in batches]) if batches else None
    return found, rejects, extraction.stats


def bytes_by_uri(table: pa.Table) -> dict[str, list[int]]:
    """{source_uri: sorted bytes} of records: what each object contributed, duplicates included."""
    found: dict[str, list[int]] = {}
    for uri, nbytes in zip(table["source_uri"].to_pylist(), table["bytes"].to_pylist(), strict=True):
        found.setdefault(uri, []).append(nbytes)
    return {uri: sorted(values) for uri, values in found.items()}


def materialize_raw(location: str, lake_root: Path) -> dg.ExecuteInProcessResult:
    """raw_flow_logs (and its rejects) for the day window, as the Dagster UI runs it."""
    return dg.materialize(
        [raw_flow_logs],
        partition_key=WINDOW_KEY,
        resources={
            "flow_log_source": FlowLogSourceResource(location=location),
            "lake": LakeResource(root=str(lake_root)),
        },
        raise_on_error=False,
    )


def lake_table(lake_root: Path, table: str) -> pa.Table:
    return Lake(str(lake_root)).read_partition(table, PARTITION)


def failure_message(result: dg.ExecuteInProcessResult) -> str:
    error = result.get_step_failure_events()[0].event_specific_data.error
    messages = []
    while error is not None:
        messages.append(error.message)
        error = error.cause
    return "\n".join(messages)
