"""Extract windows of flow log records on Spark into the lake's raw_flow_logs and raw_flow_log_rejects.

    python -m flowpipe.jobs.spark_extract --window 2026-03-14-06:00 [--window ...]
    spark-submit --py-files flowpipe.zip flowpipe/jobs/spark_extract.py --window 2026-03-14-06:00

Windows are the partition keys of the window assets (`YYYY-MM-DD-HH:MM`, 06:00 is a date's day, 18:00
its night) in FLOWPIPE_TIMEZONE. The deliveries are FLOWPIPE_FLOW_LOGS (s3://bucket/prefix or a
folder) and the lake FLOWPIPE_LAKE, unless --flow-logs / --lake say otherwise. Under spark-submit the
session is spark-submit's (master, resources); run with plain `python -m`, it is a local session of
FLOWPIPE_SPARK_MASTER and FLOWPIPE_SPARK_CONF. Prints one JSON line per window.
"""

import argparse
import json
import logging
import os
import sys

from flowpipe.lib.lake import Lake
from flowpipe.lib.settings import Settings
from flowpipe.lib.spark_engine import spark_session
from flowpipe.lib.spark_extraction import extract_window_spark
from flowpipe.lib.windows import Window, window_for
from flowpipe.partitions import WINDOW_KEYS_EXPLAINED, configured_timezone, window_partitions_in

logger = logging.getLogger(__name__)


def window_of_key(key: str, timezone: str) -> Window:
    """A window partition key as its bounds in `timezone`, from the window assets' own partitions
    definition (so 11 or 13 hours across a daylight-saving change, exactly as Dagster has them)."""
    partitions = window_partitions_in(timezone)
    if not partitions.has_partition_key(key):
        raise ValueError(f"{key}: not a window partition ({WINDOW_KEYS_EXPLAINED})")
    return window_for(partitions.time_window_for_partition_key(key))


def session_config(settings: Settings, environment: dict[str, str]) -> dict[str, str]:
    """spark-submit (which starts this process with PYSPARK_GATEWAY_PORT) has set the master and the
    resources: only FLOWPIPE_SPARK_CONF is added. Plain `python -m` gets the local defaults too."""
    if "PYSPARK_GATEWAY_PORT" in environment:
        return dict(settings.spark_conf)
    return settings.spark_config


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--window", action="append", required=True, help="YYYY-MM-DD-HH:MM (repeatable)")
    parser.add_argument(
        "--flow-logs", help="s3://bucket/prefix above AWSLogs/ or a folder (FLOWPIPE_FLOW_LOGS)"
    )
    parser.add_argument("--lake", help="the lake's root, a folder or s3://bucket/prefix (FLOWPIPE_LAKE)")
    parser.add_argument("--timezone", help="of the window keys (FLOWPIPE_TIMEZONE, default UTC)")
    parser.add_argument("--sample-minutes", type=int, help="read only this many minutes of each window")
    parser.add_argument("--sample-offset-minutes", type=int, default=0, help="where the sample starts")
    parser.add_argument(
        "--sample-every-nth-object", type=int, help="read the 1st, (N+1)th, ... object of each window"
    )
    parser.add_argument(
        "--objects-per-task",
        type=int,
        default=1,
        help="consecutive objects per Spark task (small deliveries)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = Settings.from_environment()
    location = args.flow_logs or settings.flow_logs
    if not location:
        raise SystemExit("give --flow-logs or FLOWPIPE_FLOW_LOGS (s3://bucket/prefix or a folder)")
    timezone = args.timezone or configured_timezone()
    windows = [window_of_key(key, timezone) for key in args.window]
    lake = Lake(args.lake or settings.lake)
    spark = spark_session(session_config(settings, dict(os.environ)))
    for window in windows:
        result = extract_window_spark(
            spark,
            location,
            lake,
            window,
            sample_minutes=args.sample_minutes,
            sample_offset_minutes=args.sample_offset_minutes,
            sample_every_nth_object=args.sample_every_nth_object,
            objects_per_task=args.objects_per_task,
        )
        sys.stdout.write(json.dumps(result.as_dict()) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
