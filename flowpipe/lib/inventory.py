"""A snapshot of the network-facing resources of every account and region, one flat table per kind, and
optionally CloudTrail's ENI creations and deletions since a given time (inventory_network_interface_events).

Each API call is independent: one that fails (no permission, service absent in the region) is recorded in
`errors` and the other tables still land, so a partial inventory still names most addresses.
"""

import logging
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import boto3
import pyarrow as pa
from botocore.client import BaseClient
from botocore.exceptions import BotoCoreError, ClientError

from flowpipe.lib import aws_session
from flowpipe.lib.inventory_calls import ApiCalls, error_row
from flowpipe.lib.inventory_details import DETAIL_SOURCES
from flowpipe.lib.inventory_events import EVENTS_TABLE, interface_events, pace
from flowpipe.lib.inventory_events import RETRY_CONFIG as EVENTS_RETRY_CONFIG
from flowpipe.lib.inventory_schemas import TABLE_COLUMNS
from flowpipe.lib.inventory_sources import TABLE_SOURCES

logger = logging.getLogger(__name__)
_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::(\d{12}):role/.+")

MAX_WORKERS = 8
SERVICES = ("ec2", "efs", "elbv2", "elb", "rds", "lambda", "ecs", "elasticache", "cloudtrail")
ERRORS_TABLE = "inventory_errors"
COMMON_COLUMNS = [
    ("snapshot_time", pa.timestamp("us", tz="UTC")),
    ("account_id", pa.string()),
    ("region", pa.string()),
]
ERRORS_SCHEMA = pa.schema(
    [(name, pa.string()) for name in ("account_id", "region", "api", "error_code", "message")]
)

ClientFactory = Callable[[boto3.Session, str, str], BaseClient]


def inventory_client(session: boto3.Session, service: str, region: str) -> BaseClient:
    """flowpipe's retry policy; CloudTrail's client is paced to LookupEvents' rate and retries less."""
    if service == "cloudtrail":
        return pace(session.client(service, region_name=region, config=EVENTS_RETRY_CONFIG))
    return aws_session.client(session, service, region)


class Log(Protocol):
    def info(self, msg: str, *args: Any) -> Any: ...

    def warning(self, msg: str, *args: Any) -> Any: ...


@dataclass
class Inventory:
    """tables: inventory_* name -> table (every name present, possibly empty); errors: failed calls."""

    tables: dict[str, pa.Table]
    errors: pa.Table


def table_schema(table: str) -> pa.Schema:
    """The schema of an inventory table: snapshot_time, account_id, region, then the resource's columns."""
    return pa.schema(COMMON_COLUMNS + TABLE_COLUMNS[table])


@dataclass
class _RegionResult:
    rows: dict[str, list[dict]]
    errors: list[dict]


def _region_snapshot(
    clients: dict[str, BaseClient], account_id: str, region: str, events: tuple[datetime, datetime] | None
) -> _RegionResult:
    calls = ApiCalls(clients, account_id, region)
    rows: dict[str, list[dict]] = {table: [] for table in TABLE_COLUMNS}
    for table, source in TABLE_SOURCES.items():
        items = calls.list(source.service, source.operation, source.result_key, **(source.params or {}))
        rows[table] = [row for item in items or [] for row in source.flatten(item)]
    for table, collect in DETAIL_SOURCES.items():
        rows[table] = collect(calls, rows)
    if events is not None:
        rows[EVENTS_TABLE] = interface_events(calls, *events)
    return _RegionResult(rows=rows, errors=calls.errors)


UNKNOWN_ACCOUNT = "unknown"


def _account_sessions(
    role_arns: list[str] | None, external_id: str | None, log: Log
) -> tuple[list[tuple[str, boto3.Session]], list[dict]]:
    """(account id, session) for the caller's account, or for each role that could be assumed."""
    if not role_arns:
        session = boto3.Session()
        try:
            return [(aws_session.account_id(session), session)], []
        except (ClientError, BotoCoreError) as error:
            log.warning("AWS cannot be read (%s): addresses will be named from published ranges only", error)
            return [], [error_row(UNKNOWN_ACCOUNT, session.region_name or "", "sts:GetCallerIdentity", error)]
    sessions, errors = [], []
    for role_arn in role_arns:
        match = _ROLE_ARN.fullmatch(role_arn)
        if match is None:
            log.warning("FLOWPIPE_ROLE_ARNS holds %r, not a role ARN", role_arn)
            problem = ValueError(
                f"FLOWPIPE_ROLE_ARNS: {role_arn!r} is not a role ARN arn:aws:iam::ACCOUNT:role/NAME"
            )
            errors.append(error_row(UNKNOWN_ACCOUNT, "", "sts:AssumeRole", problem))
            continue
        account = match.group(1)
        try:
            sessions.append((account, aws_session.assumed_role_session(role_arn, external_id)))
        except ClientError as error:
            log.warning("could not assume %s: %s", role_arn, error)
            errors.append(error_row(account, "", "sts:AssumeRole", error))
    return sessions, errors


def _tables(results: list[tuple[str, str, _RegionResult]], snapshot_time: datetime) -> dict[str, pa.Table]:
    tables = {}
    for table in TABLE_COLUMNS:
        rows = [
            {"snapshot_time": snapshot_time, "account_id": account, "region": region, **row}
            for account, region, result in results
            for row in result.rows[table]
        ]
        tables[table] = pa.Table.from_pylist(rows, schema=table_schema(table))
    return tables


def take_inventory(
    regions: list[str],
    role_arns: list[str] | None = None,
    *,
    log: Log | None = None,
    external_id: str | None = None,
    make_client: ClientFactory = inventory_client,
    events_since: datetime | None = None,
) -> Inventory:
    """Describe every account (the caller's, or each role's) in every region, concurrently.

    make_client builds each service client; the default applies flowpipe's retry policy. With
    events_since, CloudTrail's ENI creations and deletions from then until the snapshot are read too.
    """
    log = log or logger
    snapshot_time = datetime.now(UTC)
    events = (events_since, snapshot_time) if events_since is not None else None
    accounts, errors = _account_sessions(role_arns, external_id, log)
    # boto3 sessions are not thread-safe, so clients are built here and only used in the workers.
    tasks = [
        (account, region, {service: make_client(session, service, region) for service in SERVICES})
        for account, session in accounts
        for region in regions
    ]
    results = []
    with ThreadPoolExecutor(max_workers=max(1, min(MAX_WORKERS, len(tasks)))) as pool:
        futures = [
            (account, region, pool.submit(_region_snapshot, clients, account, region, events))
            for account, region, clients in tasks
        ]
        for done, (account, region, future) in enumerate(futures, start=1):
            result = future.result()
            results.append((account, region, result))
            errors.extend(result.errors)
            log.info(
                "inventory %d/%d: account %s region %s, %d interface rows, %d failed calls",
                done,
                len(futures),
                account,
                region,
                len(result.rows["inventory_network_interfaces"]),
                len(result.errors),
            )
    for error in errors:
        log.warning("inventory call failed: %s", error)
    return Inventory(
        tables=_tables(results, snapshot_time), errors=pa.Table.from_pylist(errors, schema=ERRORS_SCHEMA)
    )
