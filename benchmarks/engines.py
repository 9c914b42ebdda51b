"""DuckDB on one machine against Spark (local) for a whole window: extraction, conversations, rollups.

Each engine runs one dataset of generate.py in its own subprocess, the way the window assets run it:

- extraction: DuckDB's path is the raw_flow_logs asset's (`contenders.flowpipe`: extract_window into
  Lake.partition_writer); Spark's is the Spark job (`extract_window_spark`, one task per object);
- endpoints: the address book of the generator's VPC hosts and the window's named endpoints
  (`conversations.address_book`, `cidr_book`; pyarrow, the same for both engines);
- conversations, then rollups: every window mart of dbt_like_sql (SqlEngine or SparkEngine `build`).

Peak RSS is the process tree's (the Python process and its children: Spark's JVM and Python workers),
sampled from /proc every 100 ms, per step and for the run; "disk" is the peak size of the engine's
spill folder (DuckDB's temp_directory, Spark's spark.local.dir) during the step.

    .venv/bin/python -m benchmarks.engines --records 1000000 --spark-max-records 1000000
    .venv/bin/python -m benchmarks.engines --records 10000000 --records 30000000 --spark-max-records 10000000
"""

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.generate import DATA_DIR, DEFAULT_SEED, generate

logger = logging.getLogger(__name__)

ENGINES = ("duckdb", "spark")
STEPS = ("extraction", "endpoints", "conversations", "rollups")
START_MARKER = "<!-- engines:start -->"
END_MARKER = "<!-- engines:end -->"
DEFAULT_SPARK_MAX_RECORDS = 1_000_000
_POLL_SECONDS = 0.1
_PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class StepMeasurement:
    records: int  # the dataset's records
    engine: str
    step: str
    rows_out: int
    seconds: float
    peak_rss_bytes: int  # the process tree's, during the step
    disk_bytes: int  # peak size of the engine's spill folder during the step


class TreeMemory:
    """Peak resident memory of a process and all its descendants, sampled from /proc on a thread."""

    def __init__(self, pid: int | None = None) -> None:
        self.pid = pid or os.getpid()
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def current(self) -> int:
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                parent = _parent_of(int(entry))
                if parent is not None:
                    children.setdefault(parent, []).append(int(entry))
        total, pending = 0, [self.pid]
        while pending:
            pid = pending.pop()
            total += _rss_bytes(pid)
            pending += children.get(pid, [])
        return total

    def reset(self) -> None:
        self.peak = self.current()

    def _watch(self) -> None:
        while not self._stop.wait(_POLL_SECONDS):
            self.peak = max(self.peak, self.current())

    def __enter__(self) -> "TreeMemory":
        self.peak = self.current()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def _parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def _rss_bytes(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _folder_bytes(folder: Path) -> int:
    total = 0
    for path in folder.rglob("*"):
        try:
            total += path.stat().st_size if path.is_file() else 0
        except FileNotFoundError:
            continue
    return total


class _Step:
    """Times one step and records the tree's and the spill folder's peaks while it runs."""

    def __init__(self, memory: TreeMemory, spill: Path) -> None:
        self.memory = memory
        self.spill = spill
        self.disk = 0
        self._stop = threading.Event()

    def __enter__(self) -> "_Step":
        self.memory.reset()
        self.began = time.perf_counter()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def _watch(self) -> None:
        while not self._stop.wait(_POLL_SECONDS * 5):
            self.disk = max(self.disk, _folder_bytes(self.spill))

    def __exit__(self, *_: object) -> None:
        self.seconds = time.perf_counter() - self.began
        self._stop.set()
        self._thread.join()
        self.peak = self.memory.peak


def window_marts(sql_root: Path) -> list[str]:
    """The mart tables built per window (conversations first), as the window job builds them."""
    from flowpipe.lib.sql_models import DATE_GRAIN, discover_models, execution_order

    models = discover_models(sql_root)
    return [
        name for name in execution_order(models) if models[name].is_table and models[name].grain != DATE_GRAIN
    ]


def run_engine(engine: str, folder: Path, lake_dir: Path, objects_per_task: int = 1) -> dict:
    """Every step of one window on one engine, in this process; returns the steps' figures."""
    from benchmarks import contenders
    from benchmarks.conversations import MODEL_VARIABLES, SQL_ROOT, address_book, cidr_book
    from flowpipe.lib.address_resolver import resolve_addresses
    from flowpipe.lib.lake import Lake
    from flowpipe.lib.window_addresses import addresses_in_partition
    from flowpipe.lib.windows import Window

    start, end, partition = contenders.window_of(folder)
    seed = json.loads((folder / contenders.MANIFEST).read_text())["seed"]
    spill = lake_dir.parent / f"{lake_dir.name}-spill"
    spill.mkdir(parents=True, exist_ok=True)
    steps = []
    with TreeMemory() as memory:
        build, extract = _engine(engine, spill, objects_per_task)
        lake = Lake(str(lake_dir))
        with _Step(memory, spill) as step:
            rows = extract(folder, lake, Window(start, end))
        steps.append(_figures(step, "extraction", rows))
        with _Step(memory, spill) as step:
            book = address_book(seed)
            lake.write_table("address_book", partition, book)
            named = resolve_addresses(addresses_in_partition(lake, partition), book, cidr_book())
            lake.write_table("endpoints", partition, named)
        steps.append(_figures(step, "endpoints", named.num_rows))
        marts = window_marts(SQL_ROOT)
        with _Step(memory, spill) as step:
            rows = build(lake, "conversations", partition, MODEL_VARIABLES)
        steps.append(_figures(step, "conversations", rows))
        with _Step(memory, spill) as step:
            rows = sum(
                build(lake, name, partition, MODEL_VARIABLES) for name in marts if name != "conversations"
            )
        steps.append(_figures(step, "rollups", rows))
    shutil.rmtree(spill, ignore_errors=True)
    return {"engine": engine, "steps": steps, "peak_rss_bytes": memory.peak}


def _figures(step: _Step, name: str, rows: int) -> dict:
    logger.info("%s: %s rows, %.1f s, %.0f MiB", name, rows, step.seconds, step.peak / 2**20)
    return {"step": name, "rows_out": rows, "seconds": step.seconds, "peak_rss_bytes": step.peak,
            "disk_bytes": step.disk}  # fmt: skip


def _engine(engine: str, spill: Path, objects_per_task: int):
    """(build(lake, model, partition, variables) -> rows, extract(folder, lake, window) -> records)."""
    from benchmarks import contenders
    from benchmarks.conversations import SQL_ROOT
    from flowpipe.lib.sql_engine import DuckDBSettings, SqlEngine
    from flowpipe.lib.sql_models import discover_models

    models = discover_models(SQL_ROOT)
    if engine == "duckdb":

        def extract(folder, lake, window) -> int:
            return contenders.flowpipe(folder, Path(lake.location))["records"]

        def build(lake, name, partition, variables) -> int:
            settings = DuckDBSettings(temp_directory=str(spill))
            return SqlEngine(lake, SQL_ROOT, settings).build(models, name, partition, variables)

        return build, extract
    from flowpipe.lib.settings import Settings
    from flowpipe.lib.spark_engine import SparkEngine, spark_session
    from flowpipe.lib.spark_extraction import extract_window_spark

    settings = Settings.from_environment()
    spark = spark_session({**settings.spark_config, "spark.local.dir": str(spill)})

    def extract_on_spark(folder, lake, window) -> int:
        return extract_window_spark(
            spark, str(folder), lake, window, objects_per_task=objects_per_task
        ).records

    def build_on_spark(lake, name, partition, variables) -> int:
        return SparkEngine(lake, SQL_ROOT, spark).build(models, name, partition, variables)

    return build_on_spark, extract_on_spark


def measure(
    engine: str, folder: Path, records: int, lake_dir: Path, objects_per_task: int = 1
) -> list[StepMeasurement]:
    """One engine on one dataset in a subprocess (its memory is its own); the lake is removed after."""
    command = [sys.executable, "-m", "benchmarks.engines", "--run", engine, str(folder), str(lake_dir)]
    command += ["--spark-objects-per-task", str(objects_per_task)]
    shutil.rmtree(lake_dir, ignore_errors=True)
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, check=False, cwd=Path(__file__).parents[1]
        )
    finally:
        shutil.rmtree(lake_dir, ignore_errors=True)
    if done.returncode != 0:
        raise RuntimeError(f"{engine} failed on {folder}: {done.stderr[-3000:]}")
    result = json.loads(next(line for line in reversed(done.stdout.splitlines()) if line.startswith("{")))
    return [
        StepMeasurement(
            records,
            engine,
            step["step"],
            step["rows_out"],
            step["seconds"],
            step["peak_rss_bytes"],
            step["disk_bytes"],
        )
        for step in result["steps"]
    ]


def run(
    sizes: list[int],
    spark_max_records: int = DEFAULT_SPARK_MAX_RECORDS,
    seed: int = DEFAULT_SEED,
    data_dir: Path = DATA_DIR,
    objects_per_task: int = 1,
) -> list[StepMeasurement]:
    """Each size on DuckDB, and on Spark up to spark_max_records."""
    measurements = []
    for records in sizes:
        folder = data_dir / str(records)
        generate(folder, records, seed)
        for engine in ENGINES:
            if engine == "spark" and records > spark_max_records:
                continue
            lake_dir = data_dir / f"lake-engines-{engine}-{records}"
            try:
                steps = measure(engine, folder, records, lake_dir, objects_per_task)
            except RuntimeError as error:
                # a figure too (DuckDB has run out of memory at 10M): the next engine and size still run
                logger.error("%s", error)
                last_line = str(error).strip().splitlines()[-1][:200]
                measurements.append(StepMeasurement(records, engine, f"failed: {last_line}", 0, 0.0, 0, 0))
                continue
            _check(steps, records)
            measurements += steps
    return measurements


def _check(steps: list[StepMeasurement], records: int) -> None:
    """Every record extracted, and conversations from them: a fast wrong run is no figure."""
    rows = {step.step: step.rows_out for step in steps}
    if rows["extraction"] != records or not 0 < rows["conversations"] <= records:
        raise RuntimeError(f"{steps[0].engine} at {records:,}: {rows}")


def markdown_table(measurements: list[StepMeasurement]) -> str:
    rows = [
        "| records | engine | step | rows out | seconds | peak RSS of the tree (MiB) | spill folder (MiB) |",
        "|---:|---|---|---:|---:|---:|---:|",
    ]
    for m in measurements:
        rows.append(
            f"| {m.records:,} | {m.engine} | {m.step} | {m.rows_out:,} | {m.seconds:.1f} "
            f"| {m.peak_rss_bytes / 2**20:,.0f} | {m.disk_bytes / 2**20:,.0f} |"
        )
    for (records, engine), total in _totals(measurements).items():
        seconds, peak = total
        rows.append(f"| {records:,} | {engine} | **window** |  | {seconds:.1f} | {peak / 2**20:,.0f} |  |")
    return "\n".join(rows)


def _totals(measurements: list[StepMeasurement]) -> dict[tuple[int, str], tuple[float, int]]:
    totals: dict[tuple[int, str], tuple[float, int]] = {}
    for m in measurements:
        seconds, peak = totals.get((m.records, m.engine), (0.0, 0))
        totals[(m.records, m.engine)] = (seconds + m.seconds, max(peak, m.peak_rss_bytes))
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, action="append", help="dataset size (repeatable)")
    parser.add_argument("--spark-max-records", type=int, default=DEFAULT_SPARK_MAX_RECORDS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--spark-objects-per-task",
        type=int,
        default=1,
        help="delivery objects per task of the Spark extraction",
    )
    parser.add_argument("--no-readme", action="store_true", help="only print the figures")
    parser.add_argument("--run", nargs=3, metavar=("ENGINE", "FOLDER", "LAKE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    if args.run:
        engine, folder, lake = args.run
        result = run_engine(engine, Path(folder), Path(lake), args.spark_objects_per_task)
        sys.stdout.write(json.dumps(result) + "\n")
        return
    from benchmarks.run import machine, write_readme

    sizes = args.records or [1_000_000]
    load = os.getloadavg()[0]
    measurements = run(sizes, args.spark_max_records, args.seed, objects_per_task=args.spark_objects_per_task)
    table = markdown_table(measurements)
    command = (
        ".venv/bin/python -m benchmarks.engines "
        + " ".join(f"--records {size}" for size in sizes)
        + f" --spark-max-records {args.spark_max_records}"
        + (
            f" --spark-objects-per-task {args.spark_objects_per_task}"
            if args.spark_objects_per_task > 1
            else ""
        )
    )
    if not args.no_readme:
        heading = (
            f"Run {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC on {machine()}; load average "
            f"{load:.1f} when it began. Reproduce with `{command}`."
        )
        write_readme("\n".join([heading, "", table]), START_MARKER, END_MARKER)
    sys.stdout.write(table + "\n")


if __name__ == "__main__":
    main()
