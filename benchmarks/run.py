"""Time every contender on the same generated files and write the tables into benchmarks/README.md.

Each contender runs in its own subprocess under `/usr/bin/time -v` (Debian package `time`; without it,
getrusage(RUSAGE_CHILDREN) of the runner), so its peak resident memory is its own. Records/s counts the
dataset's records over the contender's own seconds of work (interpreter start and imports excluded).
flowpipe's lake is kept for the next stage: `conversations` and `top_talkers` built from its
raw_flow_logs partition (benchmarks/conversations.py), under each DuckDB memory_limit asked for.

    .venv/bin/python -m benchmarks.run --records 1000000 --records 10000000
    .venv/bin/python -m benchmarks.run --records 10000000 --conversations-only --memory-limit 1GB
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

from benchmarks.generate import DATA_DIR, DEFAULT_SEED, Manifest, generate

logger = logging.getLogger(__name__)

README = Path(__file__).parent / "README.md"
RESULTS_START = "<!-- results:start -->"
RESULTS_END = "<!-- results:end -->"
CONVERSATIONS_START = "<!-- conversations:start -->"
CONVERSATIONS_END = "<!-- conversations:end -->"
DEFAULT_MEMORY_LIMITS = ("2GB", "1GB")  # flowpipe's default, and one that makes DuckDB spill more
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


@dataclass(frozen=True)
class StageMeasurement:
    """One step of the conversations stage: rows in and out, seconds and the process's peak RSS so far."""

    records: int  # raw_flow_logs rows the stage read
    memory_limit: str
    step: str
    rows_in: int
    rows_out: int
    seconds: float
    peak_rss_bytes: int
    spilled_bytes: int  # peak size of DuckDB's temp directory during the step
    error: str | None = None  # DuckDB's out-of-memory error, if the step failed (rows_out 0)

    @property
    def rows_per_second(self) -> float:
        return self.rows_in / self.seconds if self.seconds else 0.0


def measure(contender: str, folder: Path, records: int, lake_dir: Path | None = None) -> Measurement:
    """Run one contender on one dataset in a subprocess and read its peak RSS."""
    command = [sys.executable, "-m", "benchmarks.contenders", contender, str(folder)]
    if lake_dir is not None:
        command += ["--lake", str(lake_dir)]
    result, peak_bytes = _timed(command, contender)
    return Measurement(contender, records, result["seconds"], peak_bytes, result["total_bytes"])


def measure_conversations(
    folder: Path, lake_dir: Path, memory_limit: str, total_bytes: int
) -> list[StageMeasurement]:
    """Run the conversations stage over a kept lake in a subprocess; its bytes_logged must be every byte,
    unless a step ran out of memory (then it is the last step, with its error)."""
    command = [sys.executable, "-m", "benchmarks.conversations", str(folder), str(lake_dir)]
    result, peak_bytes = _timed([*command, "--memory-limit", memory_limit], "conversations")
    if not result["steps"][-1]["error"] and result["bytes_logged"] != total_bytes:
        raise RuntimeError(f"conversations logged {result['bytes_logged']} bytes, not {total_bytes}")
    steps = [
        StageMeasurement(
            result["records"],
            memory_limit,
            step["step"],
            step["rows_in"],
            step["rows_out"],
            step["seconds"],
            step["peak_rss_bytes"],
            step["spilled_bytes"],
            step["error"],
        )
        for step in result["steps"]
    ]
    # The whole process's peak (time -v) is the last step's, whichever step reached it.
    last = steps[-1]
    steps[-1] = StageMeasurement(**{**last.__dict__, "peak_rss_bytes": max(last.peak_rss_bytes, peak_bytes)})
    return steps


def _timed(command: list[str], what: str) -> tuple[dict, int]:
    """The last JSON line a benchmark subprocess prints and its peak RSS in bytes."""
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
        raise RuntimeError(f"{what} failed: {done.stderr[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if use_time:
        peak_kib = int(_MAX_RSS.search(done.stderr).group(1))
    else:
        # ru_maxrss of children is the largest child so far: only exact when it grew in this run.
        peak_kib = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before)
    return result, peak_kib * 1024


def run(
    sizes: list[int],
    seed: int = DEFAULT_SEED,
    data_dir: Path = DATA_DIR,
    memory_limits: tuple[str, ...] = DEFAULT_MEMORY_LIMITS,
    contenders: tuple[str, ...] = CONTENDERS,
) -> tuple[list[Measurement], list[StageMeasurement]]:
    """Every contender per size; then, over the lake flowpipe's extraction wrote, the conversations stage
    once per memory limit (none: no stage)."""
    measurements, stages = [], []
    for records in sizes:
        folder = data_dir / str(records)
        manifest = generate(folder, records, seed)
        lake_dir = data_dir / f"lake-{records}"
        shutil.rmtree(lake_dir, ignore_errors=True)
        try:
            measurements += _contenders(folder, manifest, contenders, lake_dir if memory_limits else None)
            for memory_limit in memory_limits:
                steps = measure_conversations(folder, lake_dir, memory_limit, manifest.total_bytes)
                for step in steps:
                    logger.info(
                        "%s conversations stage (%s) %s: %.2f s, %.0f MiB peak, %.0f MiB spilled %s",
                        f"{records:,}",
                        memory_limit,
                        step.step,
                        step.seconds,
                        step.peak_rss_bytes / 2**20,
                        step.spilled_bytes / 2**20,
                        step.error or "",
                    )
                stages += steps
        finally:
            shutil.rmtree(lake_dir, ignore_errors=True)
    return measurements, stages


def _contenders(
    folder: Path, manifest: Manifest, contenders: tuple[str, ...], lake_dir: Path | None
) -> list[Measurement]:
    """Each contender on one dataset; flowpipe keeps its lake in `lake_dir` when given."""
    measurements = []
    records = manifest.records
    for contender in contenders:
        if contender == "flowlogs_reader" and records > FLOWLOGS_READER_MAX_RECORDS:
            continue
        measurement = measure(contender, folder, records, lake_dir if contender == "flowpipe" else None)
        if measurement.total_bytes not in (None, manifest.total_bytes):
            raise RuntimeError(f"{contender} summed {measurement.total_bytes}, not {manifest.total_bytes}")
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


def conversations_table(stages: list[StageMeasurement]) -> str:
    """Rows in and out, seconds, rows/s, peak RSS and spill per size, memory limit and step."""
    rows = [
        "| records | memory_limit | step | rows in | rows out | seconds | M rows in/s | peak RSS (MiB) "
        "| spilled (MiB) |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for m in stages:
        rows_out = f"failed: {m.error}" if m.error else f"{m.rows_out:,}"
        rate = "" if m.error else f"{m.rows_per_second / 1e6:.2f}"
        rows.append(
            f"| {m.records:,} | {m.memory_limit} | {m.step} | {m.rows_in:,} | {rows_out} "
            f"| {m.seconds:.2f} | {rate} | {m.peak_rss_bytes / 2**20:,.0f} "
            f"| {m.spilled_bytes / 2**20:,.0f} |"
        )
    return "\n".join(rows)


def write_readme(block: str, start: str, end: str) -> None:
    """Replace one results block of README.md (between its markers)."""
    text = README.read_text() if README.exists() else ""
    if start not in text:
        text += f"\n{start}\n{end}\n"
    head, _, rest = text.partition(start)
    _, _, tail = rest.partition(end)
    README.write_text(head + "\n".join([start, block, end]) + tail)


def _heading(command: str, load: float) -> str:
    return (
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}; load average {load:.1f} when it "
        f"began (other work on the machine slows every contender). Reproduce with `{command}`."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, action="append", help="dataset size (repeatable)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--memory-limit",
        action="append",
        help=f"DuckDB memory_limit of a conversations run (repeatable; default {DEFAULT_MEMORY_LIMITS})",
    )
    parser.add_argument(
        "--conversations-only", action="store_true", help="only flowpipe's extraction, then the stage"
    )
    parser.add_argument(
        "--extraction-only", action="store_true", help="only the contenders, not the conversations stage"
    )
    parser.add_argument("--no-readme", action="store_true", help="only log the figures")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if shutil.which("zcat") is None and not args.conversations_only:
        raise SystemExit("the shell pipeline needs zcat, awk, sort and head")
    sizes = args.records or [1_000_000]
    memory_limits = () if args.extraction_only else tuple(args.memory_limit or DEFAULT_MEMORY_LIMITS)
    contenders = ("flowpipe",) if args.conversations_only else CONTENDERS
    load = os.getloadavg()[0]
    measurements, stages = run(sizes, args.seed, memory_limits=memory_limits, contenders=contenders)
    command = ".venv/bin/python -m benchmarks.run " + " ".join(f"--records {size}" for size in sizes)
    if args.extraction_only:
        command += " --extraction-only"
    if not args.no_readme:
        if not args.conversations_only:
            table = markdown_table(measurements)
            write_readme("\n".join([_heading(command, load), "", table]), RESULTS_START, RESULTS_END)
        if memory_limits:
            limits = " ".join(f"--memory-limit {limit}" for limit in memory_limits)
            stage_command = f"{command} --conversations-only {limits}"
            table = conversations_table(stages)
            write_readme(
                "\n".join([_heading(stage_command, load), "", table]), CONVERSATIONS_START, CONVERSATIONS_END
            )
    sys.stdout.write(markdown_table(measurements) + "\n\n" + conversations_table(stages) + "\n")


if __name__ == "__main__":
    main()
