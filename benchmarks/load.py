"""Many small objects in one window: listed and read, every record landed, with few open files.

AWS writes one object per flow log per 5 minutes, so an account with many flow logs (or a prefix that
collects many accounts) puts tens of thousands of small objects in a window. This delivers N one-record
objects into one day of the window, then reads the window exactly as the raw_flow_logs asset does
(extract_window into Lake.partition_writer) in a child process whose open-file limit is lowered
(RLIMIT_NOFILE, 256 by default): holding a handle per object would fail there. The child samples its
open file descriptors every 20 ms and reports the peak, its peak RSS, its seconds and what landed.

    .venv/bin/python -m benchmarks.load --source local --objects 100000
    .venv/bin/python -m benchmarks.load --source s3 --objects 10000      # on a moto server
    .venv/bin/python -m benchmarks.load read LOCATION --open-files 256   # the child: JSON on stdout

S3 objects are PUT through the moto server (~250 requests/s on 2 cores, so 10,000 objects take ~40 s to
put and as long to read: the 100,000-object run uses a local folder of the same layout).
"""

import argparse
import gzip
import json
import logging
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import botocore.config

from flowpipe.lib.extraction import extract_window
from flowpipe.lib.flow_fields import DEFAULT_FORMAT, raw_schema
from flowpipe.lib.flow_sources import open_flow_log_source
from flowpipe.lib.lake import Lake
from flowpipe.lib.simulated.moto_server import MotoServer

logger = logging.getLogger(__name__)

DEFAULT_OPEN_FILES = 256
BUCKET = "flowpipe-load"
WINDOW_START = datetime(2026, 3, 14, 6, 0, tzinfo=UTC)
WINDOW_END = datetime(2026, 3, 14, 18, 0, tzinfo=UTC)
PARTITION = {"date": "2026-03-14", "window": "day"}
FOLDER = "AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/03/14/"
HEADER = " ".join(DEFAULT_FORMAT)
_SAMPLE_SECONDS = 0.02
_PUT_THREADS = 16


def object_key(index: int) -> str:
    """The index-th object: spread over the window's 5-minute deliveries, a flow log id of its own."""
    stamp = WINDOW_START + timedelta(minutes=5 * (index % 144))
    return (
        f"{FOLDER}123456789012_vpcflowlogs_us-east-1_fl-{index:08x}_{stamp:%Y%m%dT%H%M}Z_{index:08x}.log.gz"
    )


def object_body(index: int) -> bytes:
    """One record starting in the window, its bytes field the object's index (so every one can be counted)."""
    start = int((WINDOW_START + timedelta(minutes=5 * (index % 144), seconds=1)).timestamp())
    record = f"2 123456789012 eni-0a1 10.0.1.10 10.0.2.4 40000 443 6 1 {index} {start} {start + 60} ACCEPT OK"
    return gzip.compress(f"{HEADER}\n{record}\n".encode(), mtime=0)


def deliver_local(folder: Path, count: int) -> None:
    (folder / FOLDER).mkdir(parents=True, exist_ok=True)
    for index in range(count):
        (folder / object_key(index)).write_bytes(object_body(index))


def deliver_s3(s3, bucket: str, count: int) -> None:
    """PUTs the objects from a pool of threads (botocore clients are thread-safe)."""
    s3.create_bucket(Bucket=bucket)

    def put(index: int) -> None:
        s3.put_object(Bucket=bucket, Key=object_key(index), Body=object_body(index))

    with ThreadPoolExecutor(_PUT_THREADS) as pool:
        list(pool.map(put, range(count)))  # list(): a PUT that failed raises here


def read_window(location: str, open_files: int, lake_root: str) -> dict[str, float | int]:
    """The raw_flow_logs asset's work for the window under an open-file limit: what landed, what it took."""

    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(
        resource.RLIMIT_NOFILE, (open_files, min(hard, open_files) if hard > 0 else open_files)
    )
    peak = _FdPeak()
    began = time.perf_counter()
    with peak:
        extraction = extract_window(open_flow_log_source(location), WINDOW_START, WINDOW_END)
        with Lake(lake_root).partition_writer("raw_flow_logs", PARTITION, raw_schema()) as writer:
            total_bytes = 0
            for batch in extraction:
                writer.write(batch.records)
                total_bytes += sum(value or 0 for value in batch.records["bytes"].to_pylist())
    seconds = time.perf_counter() - began
    stats = extraction.stats
    return {
        "objects_listed": stats.objects_listed,
        "objects_read": stats.objects_read,
        "objects_failed": len(stats.objects_failed),
        "records": writer.rows,
        "bytes_total": total_bytes,
        "seconds": round(seconds, 2),
        "objects_per_second": round(stats.objects_listed / seconds) if seconds else 0,
        "open_files_limit": resource.getrlimit(resource.RLIMIT_NOFILE)[0],
        "peak_open_files": peak.value,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


class _FdPeak:
    """The most file descriptors the process held at once, sampled from a thread."""

    def __init__(self) -> None:
        self.value = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(_SAMPLE_SECONDS):
            self.value = max(self.value, len(os.listdir("/proc/self/fd")))

    def __enter__(self) -> "_FdPeak":
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()


def measure(location: str, open_files: int = DEFAULT_OPEN_FILES, env: dict[str, str] | None = None) -> dict:
    """read_window in a child process (its own open-file limit and memory); its JSON result."""
    with tempfile.TemporaryDirectory(prefix="flowpipe-load-lake-") as lake:
        finished = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.load",
                "read",
                location,
                "--open-files",
                str(open_files),
                "--lake",
                lake,
            ],
            capture_output=True,
            text=True,
            env={**os.environ, **(env or {})},
            check=False,
        )
    if finished.returncode != 0:
        raise RuntimeError(f"the read failed (exit {finished.returncode}):\n{finished.stderr[-4000:]}")
    return json.loads(finished.stdout.strip().splitlines()[-1])


def expected_bytes_total(count: int) -> int:
    return count * (count - 1) // 2


def _bench(source: str, count: int, open_files: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="flowpipe-load-") as folder:
        began = time.perf_counter()
        if source == "local":
            deliver_local(Path(folder), count)
            delivered = time.perf_counter() - began
            result = measure(folder, open_files)
        else:
            result, delivered = _bench_s3(count, open_files)
    return {"source": source, "objects": count, "deliver_seconds": round(delivered, 1), **result}


def _bench_s3(count: int, open_files: int) -> tuple[dict, float]:

    with MotoServer() as server:
        env = server.environment()
        s3 = boto3.client(
            "s3",
            endpoint_url=server.endpoint_url,
            region_name=env["AWS_REGION"],
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            config=botocore.config.Config(max_pool_connections=_PUT_THREADS),
        )
        began = time.perf_counter()
        deliver_s3(s3, BUCKET, count)
        delivered = time.perf_counter() - began
        return measure(f"s3://{BUCKET}", open_files, env), delivered


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="benchmarks.load", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command")
    read = commands.add_parser("read", help="read the window under an open-file limit; JSON on stdout")
    read.add_argument("location")
    read.add_argument("--open-files", type=int, default=DEFAULT_OPEN_FILES)
    read.add_argument("--lake", required=True)
    parser.add_argument("--source", choices=("local", "s3"), default="local")
    parser.add_argument(
        "--objects", type=int, action="append", help="repeatable; default 100000 (local), 10000 (s3)"
    )
    parser.add_argument("--open-files", type=int, default=DEFAULT_OPEN_FILES)
    return parser.parse_args(argv)


def _counts(arguments: argparse.Namespace) -> Iterator[int]:
    yield from arguments.objects or [100_000 if arguments.source == "local" else 10_000]


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING)
    arguments = _arguments(argv)
    if arguments.command == "read":
        sys.stdout.write(
            json.dumps(read_window(arguments.location, arguments.open_files, arguments.lake)) + "\n"
        )
        return 0
    for count in _counts(arguments):
        result = _bench(arguments.source, count, arguments.open_files)
        sys.stdout.write(json.dumps(result) + "\n")
        if result["records"] != count or result["bytes_total"] != expected_bytes_total(count):
            logger.error("%d objects delivered, %d records landed", count, result["records"])
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
