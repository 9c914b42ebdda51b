"""Time every contender on the same generated files and write the table into benchmarks/README.md.

Each contender runs in its own subprocess under `/usr/bin/time -v` (Debian package `time`; without it,
getrusage(RUSAGE_CHILDREN) of the runner), so its peak resident memory is its own. Records/s counts the
dataset's records over the contender's own seconds of work (interpreter start and imports excluded).

    .venv/bin/python -m benchmarks.run --records 1000000 --records 10000000
"""

import argparse
import json
import logging
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.generate import DATA_DIR, DEFAULT_SEED, generate

logger = logging.getLogger(__name__)

README = Path(__file__).parent / "README.md"
RESULTS_START = "<!-- results:start -->"
RESULTS_END = "<!-- results:end -->"
CONTENDERS = ("decompression_floor", "shell_pipeline", "flowlogs_reader", "flowpipe")
# flowlogs-reader makes a Python object per record (~0.1 M records/s): minutes per 10M, so 1M only.
FLOWLOGS_READER_MAX_RECORDS = 1_000_000
_TIME = "/usr/bin/time"
_MAX_RSS = re.compile(r"Maximum resident set size \(kbytes\): (\d+)")


@dataclass(frozen=True)
class Measurement:
    contender: str
    records: int  # the dataset's records
    seconds: float
    peak_rss_bytes: int
    total_bytes: int | None  # sum of the bytes field the contender found (None: it does not sum)

    @property
    def records_per_second(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0


def measure(contender: str, folder: Path, records: int) -> Measurement:
    """Run one contender on one dataset in a subprocess and read its peak RSS."""
    command = [sys.executable, "-m", "benchmarks.contenders", contender, str(folder)]
    use_time = os.access(_TIME, os.X_OK)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    done = subprocess.run(
        [_TIME, "-v", *command] if use_time else command,
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).parents[1],
    )
    if done.returncode != 0:
        raise RuntimeError(f"{contender} failed: {done.stderr[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if use_time:
        peak_kib = int(_MAX_RSS.search(done.stderr).group(1))
    else:
        # ru_maxrss of children is the largest child so far: only exact when it grew in this run.
        peak_kib = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before)
    return Measurement(contender, records, result["seconds"], peak_kib * 1024, result["total_bytes"])


def run(sizes: list[int], seed: int = DEFAULT_SEED, data_dir: Path = DATA_DIR) -> list[Measurement]:
    measurements = []
    for records in sizes:
        folder = data_dir / str(records)
        manifest = generate(folder, records, seed)
        for contender in CONTENDERS:
            if contender == "flowlogs_reader" and records > FLOWLOGS_READER_MAX_RECORDS:
                continue
            measurement = measure(contender, folder, records)
            if measurement.total_bytes not in (None, manifest.total_bytes):
                raise RuntimeError(
                    f"{contender} summed {measurement.total_bytes}, not {manifest.total_bytes}"
                )
            logger.info(
                "%s %s: %.2f s, %.2f M records/s, %.0f MiB",
                f"{records:,}",
                contender,
                measurement.seconds,
                measurement.records_per_second / 1e6,
                measurement.peak_rss_bytes / 2**20,
            )
            measurements.append(measurement)
    return measurements


def markdown_table(measurements: list[Measurement]) -> str:
    """Records/s and peak memory per size and contender, with flowpipe's ratio to the floor."""
    floors = {m.records: m for m in measurements if m.contender == "decompression_floor"}
    rows = [
        "| records | contender | seconds | M records/s | peak RSS (MiB) | x floor time |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for m in measurements:
        floor = floors.get(m.records)
        ratio = f"{m.seconds / floor.seconds:.1f}" if floor and floor.seconds else ""
        rows.append(
            f"| {m.records:,} | {m.contender} | {m.seconds:.2f} | {m.records_per_second / 1e6:.2f} | "
            f"{m.peak_rss_bytes / 2**20:,.0f} | {ratio} |"
        )
    return "\n".join(rows)


def machine() -> str:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor(),
    )  # fmt: skip
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB RAM, Python {platform.python_version()}"


def write_readme(measurements: list[Measurement], sizes: list[int], load: float) -> None:
    """Replace the results block of README.md (between the markers) with this run's table."""
    command = "`.venv/bin/python -m benchmarks.run " + " ".join(f"--records {size}" for size in sizes) + "`"
    block = "\n".join(
        [
            RESULTS_START,
            f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}; load average {load:.1f} when it "
            f"began (other work on the machine slows every contender). Reproduce with {command}.",
            "",
            markdown_table(measurements),
            RESULTS_END,
        ]
    )
    text = README.read_text() if README.exists() else f"{RESULTS_START}\n{RESULTS_END}\n"
    head, _, rest = text.partition(RESULTS_START)
    _, _, tail = rest.partition(RESULTS_END)
    README.write_text(head + block + tail)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, action="append", help="dataset size (repeatable)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--no-readme", action="store_true", help="only log the figures")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if shutil.which("zcat") is None:
        raise SystemExit("the shell pipeline needs zcat, awk, sort and head")
    sizes = args.records or [1_000_000]
    load = os.getloadavg()[0]
    measurements = run(sizes, args.seed)
    if not args.no_readme:
        write_readme(measurements, sizes, load)
    sys.stdout.write(markdown_table(measurements) + "\n")


if __name__ == "__main__":
    main()
