"""The stage after extraction: `conversations` (and `top_talkers`) from the raw_flow_logs partition that
the flowpipe contender kept, as the transform assets build them, in one subprocess:

    python -m benchmarks.conversations DATASET_FOLDER LAKE_FOLDER --memory-limit 2GB

First what the SQL reads besides the records: an `address_book` partition naming the generator's VPC
hosts (one instance per ENI, the ENI id its records carry) and the window's `endpoints`
(resolve_addresses over addresses_in_partition, with a cidr book of the VPC, S3's prefix and the private
ranges). Then SqlEngine.build per model, with the asset's variables. DuckDB spills to `temp_directory`
(a folder beside the lake, so its peak size can be watched) beyond `memory_limit`. Prints one JSON line:
rows, seconds, the process's peak RSS after each step and the temp folder's peak size.
"""

import argparse
import json
import resource
import shutil
import sys
import threading
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from benchmarks.contenders import MANIFEST, window_of
from benchmarks.generate import ACCOUNT, AWS_SERVICE_PREFIX, REGION, VPC_CIDR, vpc_hosts
from flowpipe.lib.address_book import ADDRESS_BOOK_SCHEMA
from flowpipe.lib.address_resolver import resolve_addresses
from flowpipe.lib.ip_ranges import build_cidr_book
from flowpipe.lib.lake import Lake
from flowpipe.lib.sql_engine import DuckDBSettings, SqlEngine
from flowpipe.lib.sql_models import SQL_ROOT, discover_models
from flowpipe.lib.window_addresses import addresses_in_partition

MODELS = ("conversations", "top_talkers")
# SqlModelConfig's defaults (flowpipe/lib/sql_config.py), what the assets use; literal so the stage
# does not import Dagster (its memory is not the SQL's).
MODEL_VARIABLES = {
    "top_n": 100,
    "cross_az_usd_per_gb": 0.01,
    "nat_gateway_usd_per_gb": 0.045,
    "internet_egress_usd_per_gb": 0.09,
    "vpc_endpoint_usd_per_gb": 0.01,
}
VPC_ID = "vpc-0benchmark"
_INSTANCE_NAMES = 40  # instances share Name tags, as autoscaled fleets do
_POLL_SECONDS = 0.05
_OUT_OF_MEMORY = "Out of Memory Error"


def address_book(seed: int) -> pa.Table:
    """One ec2:instance per generated VPC host, in two AZs, so the models name every VPC end."""
    rows = {}
    for number, (ip, eni) in enumerate(vpc_hosts(seed)):
        zone = number % 2
        name = f"app-{number % _INSTANCE_NAMES:02d}"
        rows.setdefault(
            ip,
            {
                "ip": ip,
                "entity_type": "ec2:instance",
                "entity_name": name,
                "entity_id": f"i-0{number:016x}",
                "interface_id": eni,
                "interface_type": "interface",
                "account_id": ACCOUNT,
                "region": REGION,
                "vpc_id": VPC_ID,
                "subnet_id": f"subnet-0{zone:016x}",
                "availability_zone": f"{REGION}{'ab'[zone]}",
                "availability_zone_id": f"use1-az{zone + 1}",
                "security_group_ids": "sg-0benchmark",
                "tags": json.dumps({"Name": name}),
                "is_public": False,
            },
        )
    return pa.Table.from_pylist(list(rows.values()), schema=ADDRESS_BOOK_SCHEMA)


def cidr_book() -> pa.Table:
    prefix = {"ip_prefix": AWS_SERVICE_PREFIX, "region": REGION, "network_border_group": REGION}
    ip_ranges = {"prefixes": [prefix | {"service": "AMAZON"}, prefix | {"service": "S3"}]}
    vpcs = pa.table({"vpc_id": [VPC_ID], "cidr_block": [VPC_CIDR], "region": [REGION]})
    return build_cidr_book(ip_ranges, vpcs)


class _FolderPeak:
    """Watches a folder's total file size from a thread: DuckDB's spill files come and go."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _size(self) -> int:
        total = 0
        for path in self.folder.rglob("*"):
            try:
                total += path.stat().st_size
            except FileNotFoundError:
                continue
        return total

    def _watch(self) -> None:
        while not self._stop.wait(_POLL_SECONDS):
            self.peak = max(self.peak, self._size())

    def __enter__(self) -> "_FolderPeak":
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def _peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _rows(lake: Lake, table: str, partition: dict[str, str]) -> int:
    return sum(pq.read_metadata(path).num_rows for path in lake.partition_files(table, partition))


def build_conversations(folder: Path, lake_dir: Path, memory_limit: str = "2GB") -> dict:
    """Builds address_book, endpoints, then every model of MODELS for the dataset's window partition."""
    _, _, partition = window_of(folder)
    seed = json.loads((folder / MANIFEST).read_text())["seed"]
    lake = Lake(str(lake_dir))
    records = _rows(lake, "raw_flow_logs", partition)
    if not records:
        raise FileNotFoundError(f"no raw_flow_logs at {lake.partition_path('raw_flow_logs', partition)}")
    steps = []
    began = time.perf_counter()
    book = address_book(seed)
    lake.write_table("address_book", partition, book)
    named = resolve_addresses(addresses_in_partition(lake, partition), book, cidr_book())
    lake.write_table("endpoints", partition, named)
    steps.append(_step("endpoints", records, named.num_rows, began))
    temp_dir = lake_dir.parent / f"{lake_dir.name}-duckdb-tmp"
    engine = SqlEngine(
        lake, SQL_ROOT, DuckDBSettings(memory_limit=memory_limit, temp_directory=str(temp_dir))
    )
    models = discover_models(SQL_ROOT)
    rows_in = records
    error = None
    try:
        for name in MODELS:
            began = time.perf_counter()
            with _FolderPeak(temp_dir) as spilled:
                try:
                    rows = engine.build(models, name, partition, MODEL_VARIABLES)
                except (duckdb.OutOfMemoryException, OSError) as exception:
                    # A figure too: how long and how large it got before DuckDB gave up. After the
                    # first batch, DuckDB's error reaches us through Arrow's stream as an OSError.
                    error = _out_of_memory(exception)
                    rows = 0
            steps.append(_step(name, rows_in, rows, began) | {"spilled_bytes": spilled.peak, "error": error})
            if error:
                break
            rows_in = rows
    finally:
        shutil.rmtree(temp_dir, ignore_errors=True)
    bytes_logged = None
    if error is None:
        bytes_logged = pc.sum(lake.read_partition("conversations", partition).column("bytes_logged")).as_py()
    return {"records": records, "memory_limit": memory_limit, "bytes_logged": bytes_logged, "steps": steps}


def _out_of_memory(exception: Exception) -> str:
    """DuckDB's out-of-memory message (its first line); any other error is raised again."""
    message = str(exception).splitlines()[0] if str(exception) else ""
    if not message.startswith(_OUT_OF_MEMORY):
        raise exception
    return message


def _step(name: str, rows_in: int, rows_out: int, began: float) -> dict:
    seconds = time.perf_counter() - began
    return {
        "step": name,
        "rows_in": rows_in,
        "rows_out": rows_out,
        "seconds": seconds,
        "peak_rss_bytes": _peak_rss_bytes(),
        "spilled_bytes": 0,
        "error": None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="the dataset (its manifest names the window)")
    parser.add_argument("lake", type=Path, help="the lake the flowpipe contender kept")
    parser.add_argument("--memory-limit", default=DuckDBSettings().memory_limit)
    args = parser.parse_args()
    result = build_conversations(args.folder, args.lake, args.memory_limit)
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
