"""The contenders run.py times, one per subprocess: `python -m benchmarks.contenders NAME FOLDER`.

Each reads every file of a dataset written by generate.py, prints one JSON line (records, total bytes,
seconds of work after its imports) and exits, so its peak memory is its own. The total of the bytes
field is what makes the comparison fair: every contender must have read every record. Heavy imports
stay inside the contender that needs them, so the others' memory does not carry them.
"""

import argparse
import gzip
import json
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

SHELL_PIPELINE = (
    'zcat "$@" | awk \'{b[$4" "$5" "$7]+=$10; t+=$10} '
    'END{for(k in b) print b[k], k; printf "%.0f\\n", t > "/dev/stderr"}\' | sort -rn | head'
)
MANIFEST = "manifest.json"  # written by generate.py beside AWSLogs/
_CHUNK = 1 << 20


def data_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("AWSLogs/**/*.log.gz"))


def decompression_floor(folder: Path) -> dict:
    """Python's zlib inflating every file, counting lines: no parsing at all."""
    began = time.perf_counter()
    lines = 0
    for path in data_files(folder):
        inflate = zlib.decompressobj(wbits=31)
        with path.open("rb") as stream:
            while chunk := stream.read(_CHUNK):
                lines += inflate.decompress(chunk).count(b"\n")
        lines += inflate.flush().count(b"\n") - 1  # the header line
    return {"records": lines, "total_bytes": None, "seconds": time.perf_counter() - began}


def shell_pipeline(folder: Path) -> dict:
    """zcat | awk | sort | head, bytes per (srcaddr, dstaddr, dstport), as people run it by hand."""
    began = time.perf_counter()
    files = [str(path) for path in data_files(folder)]
    done = subprocess.run(
        ["bash", "-c", SHELL_PIPELINE, "pipeline", *files], capture_output=True, text=True, check=True
    )
    seconds = time.perf_counter() - began
    return {"records": None, "total_bytes": int(done.stderr.split()[-1]), "seconds": seconds}


def flowlogs_reader(folder: Path) -> dict:
    """obsrvbl-oss/flowlogs-reader's FlowRecord for every line, bytes summed per conversation in a dict."""
    from flowlogs_reader import FlowRecord

    began = time.perf_counter()
    totals: dict[tuple, int] = defaultdict(int)
    records = 0
    for path in data_files(folder):
        with gzip.open(path, "rt") as stream:
            fields = [name.replace("-", "_") for name in stream.readline().split()]
            for line in stream:
                record = FlowRecord.from_cwl_event({"message": line}, fields=fields)
                records += 1
                if record.bytes is not None:
                    totals[(record.srcaddr, record.dstaddr, record.dstport)] += record.bytes
    seconds = time.perf_counter() - began
    return {"records": records, "total_bytes": sum(totals.values()), "seconds": seconds}


def window_of(folder: Path) -> tuple[datetime, datetime, dict[str, str]]:
    """The dataset's window (from its manifest) and the lake partition flowpipe writes it to, as the
    raw_flow_logs asset names it: every stage that reads the extraction's output finds it here."""
    from flowpipe.lib.windows import Window

    manifest = json.loads((folder / MANIFEST).read_text())
    window = Window(
        datetime.fromisoformat(manifest["window_start"]), datetime.fromisoformat(manifest["window_end"])
    )
    return window.start, window.end, window.partition


def flowpipe(folder: Path, lake_dir: Path | None = None) -> dict:
    """What the raw_flow_logs asset does: extract_window over the folder into the lake's typed Parquet.
    The lake is a temporary folder, unless `lake_dir` asks to keep it for the stages that read it."""
    # pyarrow imports pandas on its first conversion of a Python value: an import like the others, and
    # 2 s here, where PYTHONDONTWRITEBYTECODE=1 makes every import compile. Not a cost per record.
    import pandas  # noqa: F401
    import pyarrow.compute as pc

    from flowpipe.lib.flow_sources import LocalFlowLogSource
    from flowpipe.lib.lake import Lake
    from flowpipe.lib.raw_landing import RECORDS_TABLE, land_window
    from flowpipe.lib.windows import Window

    start, end, partition = window_of(folder)
    lake_root = str(lake_dir) if lake_dir else tempfile.mkdtemp(prefix="lake-", dir=folder.parent)
    began = time.perf_counter()
    try:
        lake = Lake(lake_root)
        landed = land_window(LocalFlowLogSource(str(folder)), lake, Window(start, end))
        seconds = time.perf_counter() - began
        # summed from the written file, batch by batch, after the clock stops: the check costs no memory
        written = lake.dataset(lake.partition_files(RECORDS_TABLE, partition))
        total_bytes = sum(
            pc.sum(batch["bytes"]).as_py() or 0 for batch in written.to_batches(columns=["bytes"])
        )
    finally:
        if lake_dir is None:
            shutil.rmtree(lake_root, ignore_errors=True)
    return {
        "records": landed.records,
        "total_bytes": total_bytes,
        "rejects": landed.rejects,
        "seconds": seconds,
    }


CONTENDERS: dict[str, Callable[..., dict]] = {
    "decompression_floor": decompression_floor,
    "shell_pipeline": shell_pipeline,
    "flowlogs_reader": flowlogs_reader,
    "flowpipe": flowpipe,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("contender", choices=sorted(CONTENDERS))
    parser.add_argument("folder", type=Path)
    parser.add_argument("--lake", type=Path, help="flowpipe only: write the lake here and keep it")
    args = parser.parse_args()
    extra = {"lake_dir": args.lake} if args.lake else {}
    result = CONTENDERS[args.contender](args.folder, **extra)
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
