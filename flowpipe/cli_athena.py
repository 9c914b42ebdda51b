"""`flowpipe athena-ddl`: CREATE EXTERNAL TABLE statements for Athena, for the lake's tables (columns from
their Parquet files) or for AWS's own flow log deliveries, and with --register the same tables in the
Glue Data Catalog. What the user reads goes to stdout (the DDL) and stderr (notes, errors)."""

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from flowpipe.lib.athena_ddl import TableDefinition, create_database_statement, create_table_statement
from flowpipe.lib.athena_flow_logs import (
    DEFAULT_TABLE_NAMES,
    FILE_FORMATS,
    FlowLogDelivery,
    flow_log_table_definition,
)
from flowpipe.lib.athena_glue import register
from flowpipe.lib.athena_lake import lake_table_definition, scan_lake
from flowpipe.lib.flow_fields import DEFAULT_FORMAT, parse_log_format
from flowpipe.lib.lake import Lake
from flowpipe.lib.settings import Settings

DEFAULT_DATABASE = "flowpipe"
HELP = "print CREATE EXTERNAL TABLE statements for Athena: the lake's tables, or AWS's flow logs"
DESCRIPTION = (
    "Prints Athena DDL with partition projection for every lake table (columns from its Parquet files), "
    "or with --aws-logs for AWS's own flow log deliveries; --register also creates or updates them in "
    "the Glue Data Catalog."
)
_AWS_LOGS_ONLY = ("hive_prefixes", "hourly", "log_format", "accounts", "regions")


class AthenaDdlError(Exception):
    """Nothing to print: no lake, a local lake without --location, a flow log source not on S3."""


@dataclass
class _AthenaTables:
    tables: list[TableDefinition]
    failures: list[str] = field(default_factory=list)  # tables named but not described: exit 1
    notes: list[str] = field(default_factory=list)  # said on stderr and as comments in the DDL


def athena_ddl(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Prints CREATE statements (and with --register creates or updates them in Glue); 1 when a table
    could not be described (not written yet, an unreadable type), after printing the others."""
    if not args.aws_logs and any(getattr(args, option) for option in _AWS_LOGS_ONLY):
        parser.error("--hive-prefixes, --hourly, --log-format, --accounts and --regions go with --aws-logs")
    settings = Settings.from_environment()
    try:
        found = _flow_log_tables(args, settings) if args.aws_logs else _lake_tables(args, settings)
    except (AthenaDdlError, ValueError) as error:
        sys.stderr.write(f"flowpipe athena-ddl: {error}\n")
        return 1
    for line in [*found.notes, *found.failures]:
        sys.stderr.write(f"flowpipe athena-ddl: {line}\n")
    sys.stdout.write("".join(f"-- {note}\n" for note in found.notes))
    sys.stdout.write(create_database_statement(args.database) + "\n")
    for table in found.tables:
        sys.stdout.write("\n" + create_table_statement(table, args.database) + "\n")
    if args.register and found.tables:
        try:
            outcome = register(found.tables, args.database)
        except (BotoCoreError, ClientError) as error:
            sys.stderr.write(f"flowpipe athena-ddl: registering in the Glue Data Catalog failed: {error}\n")
            return 1
        for name, done in outcome.items():
            sys.stderr.write(f"{done} {args.database}.{name} in the Glue Data Catalog\n")
    return 1 if found.failures else 0


def _lake_tables(args: argparse.Namespace, settings: Settings) -> _AthenaTables:
    local = not settings.lake.startswith("s3://")
    if local and not Path(settings.lake).expanduser().is_dir():
        raise AthenaDdlError(
            f"no lake at {settings.lake} (FLOWPIPE_LAKE): run `flowpipe run --date ...` first"
        )
    lake = Lake(settings.lake)
    location = args.location or (None if local else lake.location)
    if location is None:
        raise AthenaDdlError(
            f"the lake {lake.location} is a local folder and Athena reads S3: copy it there "
            f"(aws s3 sync {lake.location} s3://BUCKET/PREFIX) and pass --location s3://BUCKET/PREFIX"
        )
    scan = scan_lake(lake, args.table or ())
    found = _AthenaTables([])
    if local:
        found.notes.append(
            f"columns read from the local lake {lake.location}; the tables read {location}: "
            f"copy the lake there first (aws s3 sync {lake.location} {location})"
        )
    for name, why in scan.skipped.items():
        (found.failures if args.table else found.notes).append(f"no DDL for {name}: {why}")
    if not scan.tables and not found.failures:
        raise AthenaDdlError(f"no tables in the lake {lake.location}: run `flowpipe run --date ...` first")
    for table in scan.tables:
        try:
            found.tables.append(lake_table_definition(table, location, args.first_date or scan.first_date))
        except ValueError as error:
            found.failures.append(str(error))
    return found


def _flow_log_tables(args: argparse.Namespace, settings: Settings) -> _AthenaTables:
    if args.table and len(args.table) > 1:
        raise AthenaDdlError("--aws-logs describes one table: give --table once")
    destination = args.location or settings.flow_logs
    if not destination.startswith("s3://"):
        raise AthenaDdlError(
            "Athena reads AWS's flow logs from S3: pass --location s3://BUCKET/PREFIX, the flow log's "
            f"destination above AWSLogs/ (FLOWPIPE_FLOW_LOGS is {settings.flow_logs or 'not set'})"
        )
    log_format = args.log_format or settings.log_format
    delivery = FlowLogDelivery(
        destination=destination,
        file_format=args.aws_logs,
        hive_prefixes=args.hive_prefixes,
        hourly=args.hourly,
        accounts=tuple(_listed(args.accounts)),
        regions=tuple(_listed(args.regions)),
    )
    name = args.table[0] if args.table else DEFAULT_TABLE_NAMES[args.aws_logs]
    fields = parse_log_format(log_format) if log_format else DEFAULT_FORMAT
    return _AthenaTables([flow_log_table_definition(name, fields, delivery, args.first_date)])


def _listed(text: str | None) -> list[str]:
    return [item.strip() for item in (text or "").split(",") if item.strip()]


def add_arguments(athena: argparse.ArgumentParser, date_type: Callable[[str], str]) -> None:
    """The subcommand's options; date_type is the CLI's YYYY-MM-DD argument type."""
    athena.add_argument(
        "--database", default=DEFAULT_DATABASE, help="Glue/Athena database (default flowpipe)"
    )
    athena.add_argument(
        "--location",
        help="s3://BUCKET/PREFIX the tables read: the lake's (default FLOWPIPE_LAKE when it is on S3; "
        "needed for a local lake: where you copy it), or with --aws-logs the flow log destination "
        "above AWSLogs/ (default FLOWPIPE_FLOW_LOGS)",
    )
    athena.add_argument(
        "--table",
        action="append",
        help="only this lake table (repeatable); with --aws-logs the table's name (default "
        f"{DEFAULT_TABLE_NAMES['text']} or {DEFAULT_TABLE_NAMES['parquet']})",
    )
    athena.add_argument(
        "--first-date",
        type=date_type,
        help="first date the projection covers (default: the lake's first date; AWS's logs: a year back)",
    )
    athena.add_argument(
        "--register", action="store_true", help="create or update them in the Glue Data Catalog"
    )
    raw = athena.add_argument_group("AWS's own flow logs in S3")
    raw.add_argument("--aws-logs", choices=FILE_FORMATS, help="the flow log's file format")
    raw.add_argument("--hive-prefixes", action="store_true", help="delivered with Hive-compatible prefixes")
    raw.add_argument("--hourly", action="store_true", help="delivered with hourly partitions")
    raw.add_argument(
        "--log-format",
        help="the flow log's LogFormat, '${version} ${account-id} ...' (default FLOWPIPE_LOG_FORMAT, "
        "else AWS's default format)",
    )
    raw.add_argument("--accounts", help="comma-separated account ids (default: each query names one)")
    raw.add_argument("--regions", help="comma-separated regions (default: each query names one)")
