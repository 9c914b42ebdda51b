"""`flowpipe run | dev | demo`: the same Definitions as the Dagster UI, from a terminal.
`flowpipe athena-ddl`: the lake's tables (or AWS's own flow logs) as Athena tables."""

import argparse
import logging
import os
import subprocess
import sys
from datetime import date as Date
from datetime import timedelta
from pathlib import Path

import dagster as dg
from dotenv import load_dotenv
from tabulate import tabulate

from flowpipe import cli_athena
from flowpipe.lib.lake import Lake
from flowpipe.lib.report_format import talkers_table
from flowpipe.lib.report_traffic import date_top_talkers
from flowpipe.lib.settings import Settings
from flowpipe.lib.windows import DAY, DAY_STARTS_AT_HOUR, NIGHT, NIGHT_STARTS_AT_HOUR

WINDOW_START_HOURS = {DAY: f"{DAY_STARTS_AT_HOUR:02d}:00", NIGHT: f"{NIGHT_STARTS_AT_HOUR:02d}:00"}
DEMO_DATE = "2026-03-14"
DEMO_BUCKET = "flowpipe-demo-flow-logs"
DEFAULT_DAGSTER_HOME = ".dagster"
DEFAULT_UI_PORT = 3000
# Progress and warnings in the terminal; Dagster's per-step DEBUG events stay in the run's event log.
RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}
# The simulated account's small copy of AWS's ip-ranges.json (the real one needs the internet).
SIMULATED_IP_RANGES = Path(__file__).parent / "lib" / "simulated" / "ip_ranges.json"

logger = logging.getLogger("flowpipe")


def _dagster_home() -> Path:
    """A persistent Dagster instance, so `flowpipe dev` shows the runs `flowpipe run` made."""
    home = Path(os.environ.get("DAGSTER_HOME") or DEFAULT_DAGSTER_HOME).resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text("telemetry:\n  enabled: false\n")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def _date(text: str) -> str:
    """argparse type: a YYYY-MM-DD date, refused with a usage error otherwise."""
    try:
        return Date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def window_keys(date: str, window: str | None) -> list[str]:
    windows = [window] if window else [DAY, NIGHT]
    return [f"{date}-{WINDOW_START_HOURS[name]}" for name in windows]


def run_date(date: str, window: str | None = None) -> bool:
    """Materializes every window asset for the date's windows, then the date's report once both are done."""
    from flowpipe.definitions import defs

    _dagster_home()
    definitions = defs()
    instance = dg.DagsterInstance.get()
    succeeded = True
    for key in window_keys(date, window):
        logger.info("materializing window %s", key)
        result = definitions.resolve_job_def("window_job").execute_in_process(
            partition_key=key, instance=instance, raise_on_error=False, run_config=RUN_CONFIG
        )
        succeeded = succeeded and result.success
    if window is None and succeeded:
        result = definitions.resolve_job_def("date_job").execute_in_process(
            partition_key=date, instance=instance, raise_on_error=False, run_config=RUN_CONFIG
        )
        succeeded = result.success
    return succeeded


def dates_between(first: str, last: str) -> list[str]:
    """Every date from first to last, both included."""
    start, end = Date.fromisoformat(first), Date.fromisoformat(last)
    if end < start:
        raise ValueError(f"--to {last} is before --from {first}")
    return [(start + timedelta(days=offset)).isoformat() for offset in range((end - start).days + 1)]


def windows_without_partitions(dates: list[str], window: str | None) -> list[str]:
    """The dates' window keys that are not partitions: before FLOWPIPE_START_DATE, or not ended yet."""
    from flowpipe.partitions import window_partitions  # reads the settings .env may have set

    keys = [key for date in dates for key in window_keys(date, window)]
    return [key for key in keys if not window_partitions.has_partition_key(key)]


def run_dates(first: str, last: str, window: str | None = None) -> bool:
    """A backfill from the terminal: each date in turn, both windows then its report; all are attempted."""
    results = []
    for date in dates_between(first, last):
        logger.info("date %s", date)
        results.append(run_date(date, window))
    return all(results)


def print_top_talkers(lake: Lake, date: str, limit: int = 10) -> None:
    rows = talkers_table(date_top_talkers(lake, date, limit))
    sys.stdout.write(
        tabulate(rows, headers="keys", tablefmt="plain", colalign=("left", "left", "left", "right"))
    )
    sys.stdout.write("\n")


def _simulated_account(date: str) -> tuple[object, dict[str, str]]:
    """Starts the moto server, builds the simulated account and its flow logs for the date."""
    from flowpipe.lib.simulated.moto_server import MotoServer, patched_environment
    from flowpipe.lib.simulated.simulation import simulate

    server = MotoServer().start()
    environment = {
        **server.environment(),
        "FLOWPIPE_FLOW_LOGS": f"s3://{DEMO_BUCKET}",
        "FLOWPIPE_IP_RANGES": str(SIMULATED_IP_RANGES),
    }
    with patched_environment(environment):
        simulate(Date.fromisoformat(date), bucket=DEMO_BUCKET)
    return server, environment


def demo(date: str, open_ui: bool) -> int:
    server, environment = _simulated_account(date)
    try:
        os.environ.update(environment)
        ok = run_date(date)
        settings = Settings.from_environment()
        lake = Lake(settings.lake)
        sys.stdout.write(f"\nTop talkers on {date} (simulated account, both windows):\n\n")
        print_top_talkers(lake, date)
        report = lake.uri(lake.partition_path("reports", {"date": date})) + "/report.md"
        sys.stdout.write(
            f"\nLake:   {lake.location}\nReport: {report}\n"
            "Open the Dagster UI on the same data: flowpipe dev\n"
            "(flowpipe dev --simulated also starts the simulated account, to run windows from the UI)\n"
        )
        if open_ui:
            return dev(DEFAULT_UI_PORT)
        return 0 if ok else 1
    finally:
        server.stop()


def dev(port: int) -> int:
    """Opens the Dagster UI (webserver and daemon) on flowpipe's Definitions."""
    _dagster_home()
    command = ["dagster", "dev", "-m", "flowpipe.definitions", "-h", "127.0.0.1", "-p", str(port)]
    return subprocess.call([str(Path(sys.executable).parent / command[0]), *command[1:]])


def dev_simulated(date: str, port: int) -> int:
    server, environment = _simulated_account(date)
    try:
        os.environ.update(environment)
        return dev(port)
    finally:
        server.stop()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="flowpipe", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "run", help="materialize every asset for a date's windows (or a range of dates)"
    )
    dates = run.add_mutually_exclusive_group(required=True)
    dates.add_argument("--date", type=_date, help="YYYY-MM-DD")
    dates.add_argument("--from", dest="first", type=_date, help="first date of a backfill (with --to)")
    run.add_argument("--to", dest="last", type=_date, help="last date of a backfill, included")
    run.add_argument(
        "--window", choices=[DAY, NIGHT], help="only this window (default: both, then the report)"
    )
    dev_parser = commands.add_parser("dev", help="open the Dagster UI")
    dev_parser.add_argument("--port", type=int, default=DEFAULT_UI_PORT)
    dev_parser.add_argument("--simulated", action="store_true", help="on the simulated AWS account")
    dev_parser.add_argument(
        "--date", type=_date, default=DEMO_DATE, help="the simulated account's date of traffic"
    )
    demo_parser = commands.add_parser(
        "demo", help="run a date on the simulated AWS account and print the answer"
    )
    demo_parser.add_argument("--date", type=_date, default=DEMO_DATE)
    demo_parser.add_argument("--ui", action="store_true", help="then open the Dagster UI on it")
    athena = commands.add_parser("athena-ddl", help=cli_athena.HELP, description=cli_athena.DESCRIPTION)
    cli_athena.add_arguments(athena, date_type=_date)
    return parser


def _check_run_dates(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """A usage error, before anything runs, for a range backwards or a window that is not a partition."""
    if args.last and not args.first:
        parser.error("--to needs --from")
    try:
        dates = dates_between(args.first, args.last or args.first) if args.first else [args.date]
    except ValueError as error:
        parser.error(str(error))
    missing = windows_without_partitions(dates, args.window)
    if missing:
        from flowpipe.partitions import WINDOW_KEYS_EXPLAINED  # after .env, as windows_without_partitions

        listed = f"{', '.join(missing[:4])}{' ...' if len(missing) > 4 else ''}"
        parser.error(f"no window partition {listed}: {WINDOW_KEYS_EXPLAINED}")


def main(argv: list[str] | None = None) -> int:
    # The same `.env` that `dagster dev` loads, so the terminal and the UI see the same settings;
    # variables already set in the environment win.
    load_dotenv(Path.cwd() / ".env", override=False)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("flowpipe").setLevel(logging.INFO)
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "run":
        _check_run_dates(parser, args)
        if args.first:
            return 0 if run_dates(args.first, args.last or args.first, args.window) else 1
        return 0 if run_date(args.date, args.window) else 1
    if args.command == "dev":
        return dev_simulated(args.date, args.port) if args.simulated else dev(args.port)
    if args.command == "athena-ddl":
        return cli_athena.athena_ddl(args, parser)
    return demo(args.date, args.ui)


if __name__ == "__main__":
    sys.exit(main())
