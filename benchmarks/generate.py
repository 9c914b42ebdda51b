"""A seeded generator of realistic VPC flow log S3 text deliveries, for the benchmarks in run.py.

Files follow AWS's layout and names (`AWSLogs/{account}/vpcflowlogs/{region}/YYYY/MM/DD/` and
`{account}_vpcflowlogs_{region}_fl-…_{YYYYMMDDTHHmmZ}_{hash8}.log.gz`), one per flow log per 5 minutes
over one 12-hour window, default (v2) format with its header line. Lines are built column-wise with
pyarrow (no Python per record) and gzipped at level 6, one file per task on a process pool.

    .venv/bin/python -m benchmarks.generate --records 1000000
"""

import argparse
import gzip
import hashlib
import json
import logging
import math
import multiprocessing
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from benchmarks.contenders import MANIFEST
from flowpipe.lib.flow_fields import DEFAULT_FORMAT

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).parent / "data"
ACCOUNT = "123456789012"
REGION = "us-east-1"
WINDOW_START = datetime(2026, 3, 14, 6, 0, tzinfo=UTC)
WINDOW = timedelta(hours=12)
FILE_INTERVAL = timedelta(minutes=5)
RECORDS_PER_FILE = 60_000  # a busy VPC's 5-minute file; AWS rolls a file at 5 minutes or 75 MB
DEFAULT_SEED = 20260314

_LOCAL_HOSTS = 400  # ENIs in the VPC
VPC_CIDR = "10.0.0.0/16"
AWS_SERVICE_PREFIX = "52.216.0.0/15"  # S3 in us-east-1: where the AWS service peers are drawn from
_INTERNET_PEERS = 5_000
_AWS_SERVICE_PEERS = 200  # S3 / DynamoDB style public AWS addresses
_SERVER_PORTS = np.array([443, 80, 22, 5432, 3306, 2049, 53, 6379, 8080, 9092])
_SERVER_PORT_WEIGHTS = np.array([0.45, 0.08, 0.03, 0.1, 0.05, 0.08, 0.1, 0.05, 0.04, 0.02])
_PEER_KINDS = np.array([0.40, 0.45, 0.15])  # private ENI, internet, AWS service
_REJECT_SHARE = 0.04
_NODATA_SHARE = 0.001
_ICMP_SHARE = 0.02


@dataclass(frozen=True)
class FilePlan:
    index: int
    key: str  # path below the output folder
    file_time: datetime  # the delivery interval's end, as in the file name
    records: int


@dataclass(frozen=True)
class Manifest:
    records: int
    total_bytes: int  # sum of the bytes field over every record (NODATA has none)
    files: int
    seed: int
    window_start: str
    window_end: str


def plan_files(records: int, seed: int = DEFAULT_SEED) -> list[FilePlan]:
    """The files of a dataset: enough flow logs that a 5-minute file holds about RECORDS_PER_FILE."""
    intervals = int(WINDOW / FILE_INTERVAL)
    flow_logs = max(1, math.ceil(records / (intervals * RECORDS_PER_FILE)))
    count = intervals * flow_logs
    sizes = np.full(count, records // count)
    sizes[: records % count] += 1
    flow_log_ids = [f"fl-{_hash8(seed, 'flow-log', number)}" for number in range(flow_logs)]
    plans = []
    for index in range(count):
        interval, flow_log = divmod(index, flow_logs)
        file_time = WINDOW_START + FILE_INTERVAL * (interval + 1)
        folder = f"AWSLogs/{ACCOUNT}/vpcflowlogs/{REGION}/{file_time:%Y/%m/%d}"
        name = (
            f"{ACCOUNT}_vpcflowlogs_{REGION}_{flow_log_ids[flow_log]}_{file_time:%Y%m%dT%H%MZ}_"
            f"{_hash8(seed, 'file', index)}.log.gz"
        )
        plans.append(FilePlan(index, f"{folder}/{name}", file_time, int(sizes[index])))
    return plans


def generate(folder: Path, records: int, seed: int = DEFAULT_SEED, processes: int = 2) -> Manifest:
    """Write the dataset under `folder` (reusing it when its manifest matches) and return its manifest."""
    manifest_path = folder / MANIFEST
    if manifest_path.exists():
        existing = Manifest(**json.loads(manifest_path.read_text()))
        if (existing.records, existing.seed) == (records, seed):
            return existing
    plans = plan_files(records, seed)
    tasks = [(str(folder), plan, seed) for plan in plans]
    # spawn, not fork: a child forked while another thread of the caller holds a lock can hang on it
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        total_bytes = sum(pool.starmap(_write_file, tasks, chunksize=4))
    manifest = Manifest(
        records, total_bytes, len(plans), seed, WINDOW_START.isoformat(), (WINDOW_START + WINDOW).isoformat()
    )
    manifest_path.write_text(json.dumps(asdict(manifest), indent=2) + "\n")
    return manifest


def flow_log_text(plan: FilePlan, seed: int) -> tuple[bytes, int]:
    """One file's text (header line + records) and the sum of its bytes field."""
    rng = np.random.default_rng([seed, plan.index])
    n = plan.records
    local, internet, service = _address_pools(seed)
    enis = _eni_ids(seed)
    client_index = rng.integers(0, len(local), n)
    kind = rng.choice(3, n, p=_PEER_KINDS)
    peer = pc.if_else(
        pa.array(kind == 0),
        local.take(rng.integers(0, len(local), n)),
        pc.if_else(
            pa.array(kind == 1),
            internet.take(rng.integers(0, len(internet), n)),
            service.take(rng.integers(0, len(service), n)),
        ),
    )
    local_addr = local.take(client_index)
    server_port = rng.choice(_SERVER_PORTS, n, p=_SERVER_PORT_WEIGHTS / _SERVER_PORT_WEIGHTS.sum())
    client_port = rng.integers(32768, 61000, n)
    icmp = rng.random(n) < _ICMP_SHARE
    protocol = np.where(icmp, 1, np.where(server_port == 53, 17, 6))
    client_port = np.where(icmp, 0, client_port)
    server_port = np.where(icmp, 0, server_port)
    # Half the records are the reply direction of a conversation: swap the ends.
    reply = pa.array(rng.random(n) < 0.5)
    srcaddr, dstaddr = pc.if_else(reply, peer, local_addr), pc.if_else(reply, local_addr, peer)
    srcport = pc.if_else(reply, server_port, client_port)
    dstport = pc.if_else(reply, client_port, server_port)
    packets = np.minimum(1 + rng.geometric(0.05, n), 100_000)
    nbytes = packets * rng.integers(40, 1500, n)
    end_time = int(plan.file_time.timestamp()) - rng.integers(1, int(FILE_INTERVAL.total_seconds()) + 1, n)
    start_time = np.maximum(end_time - rng.integers(0, 60, n), int(WINDOW_START.timestamp()))
    action = np.where(rng.random(n) < _REJECT_SHARE, "REJECT", "ACCEPT")
    nodata = rng.random(n) < _NODATA_SHARE
    total_bytes = int(nbytes[~nodata].sum())
    missing = pa.array(nodata)

    def field(values) -> pa.Array:
        text = pc.cast(pa.array(values), pa.string())
        return pc.if_else(missing, pa.scalar("-"), text) if nodata.any() else text

    columns = [
        pa.array(np.full(n, "2")),
        pa.array(np.full(n, ACCOUNT)),
        enis.take(client_index),
        field(srcaddr),
        field(dstaddr),
        field(srcport),
        field(dstport),
        field(protocol),
        field(packets),
        field(nbytes),
        pc.cast(pa.array(start_time), pa.string()),
        pc.cast(pa.array(end_time), pa.string()),
        field(action),
        # The line ends inside the last field, so the joined values are the file's text as they lie.
        pc.if_else(missing, pa.scalar("NODATA\n"), pa.scalar("OK\n")),
    ]
    lines = pc.binary_join_element_wise(*columns, " ")
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)[lines.offset : lines.offset + n + 1]
    body = memoryview(lines.buffers()[2])[offsets[0] : offsets[-1]]
    return (" ".join(DEFAULT_FORMAT) + "\n").encode() + bytes(body), total_bytes


def vpc_hosts(seed: int = DEFAULT_SEED) -> list[tuple[str, str]]:
    """(address, ENI id) of the VPC's hosts: the `interface_id` of a record is its VPC end's ENI."""
    local, _, _ = _address_pools(seed)
    return list(zip(local.to_pylist(), _eni_ids(seed).to_pylist(), strict=True))


def _write_file(folder: str, plan: FilePlan, seed: int) -> int:
    text, total_bytes = flow_log_text(plan, seed)
    path = Path(folder) / plan.key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(text, compresslevel=6, mtime=0))
    return total_bytes


@lru_cache(maxsize=4)
def _address_pools(seed: int) -> tuple[pa.Array, pa.Array, pa.Array]:
    """VPC addresses, internet peers (never private) and AWS service addresses, fixed per seed."""
    rng = np.random.default_rng([seed, 0])
    local = [f"10.0.{a}.{b}" for a, b in rng.integers(1, 255, (_LOCAL_HOSTS, 2))]
    firsts = rng.choice([23, 34, 45, 66, 81, 93, 104, 142, 151, 185, 203, 212], _INTERNET_PEERS)
    internet = [
        f"{a}.{b}.{c}.{d}"
        for a, (b, c, d) in zip(firsts, rng.integers(1, 255, (_INTERNET_PEERS, 3)), strict=True)
    ]
    service = [f"52.216.{a}.{b}" for a, b in rng.integers(1, 255, (_AWS_SERVICE_PEERS, 2))]
    return pa.array(local), pa.array(internet), pa.array(service)


@lru_cache(maxsize=4)
def _eni_ids(seed: int) -> pa.Array:
    return pa.array([f"eni-0{_hash8(seed, 'eni', number)}{number:08x}" for number in range(_LOCAL_HOSTS)])


def _hash8(seed: int, kind: str, number: int) -> str:
    return hashlib.sha256(f"{seed}/{kind}/{number}".encode()).hexdigest()[:8]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, action="append", help="dataset size (repeatable)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=DATA_DIR)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for records in args.records or [1_000_000]:
        manifest = generate(args.out / str(records), records, args.seed, args.processes)
        logger.info("%s: %s", args.out / str(records), manifest)


if __name__ == "__main__":
    main()
