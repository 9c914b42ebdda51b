"""A snapshot of the network-facing resources of every account and region, one flat table per kind.

Each API call is independent: one that fails (no permission, service absent in the region) is recorded in
`errors` and the other tables still land, so a partial inventory still names most addresses.
"""

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import boto3
import pyarrow as pa
from botocore.client import BaseClient
from botocore.exceptions import ClientError, EndpointConnectionError

from flowpipe.lib import aws_session
from flowpipe.lib.inventory_rows import TABLE_COLUMNS, TABLE_SOURCES, mount_target_rows

logger = logging.getLogger(__name__)

MAX_WORKERS = 8
SERVICES = ("ec2", "efs", "elbv2", "rds", "lambda")
COMMON_COLUMNS = [
    ("snapshot_time", pa.timestamp("us", tz="UTC")),
    ("account_id", pa.string()),
    ("region", pa.string()),
]
ERRORS_SCHEMA = pa.schema(
    [(name, pa.string()) for name in ("account_id", "region", "api", "error_code", "message")]
)

ClientFactory = Callable[[boto3.Session, str, str], BaseClient]


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


def _error_row(account_id: str, region: str, api: str, error: Exception) -> dict:
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "ClientError")
        message = error.response.get("Error", {}).get("Message", str(error))
    else:
        code, message = type(error).__name__, str(error)
    return {"account_id": account_id, "region": region, "api": api, "error_code": code, "message": message}


def _list_all(client: BaseClient, operation: str, result_key: str, **kwargs: Any) -> list[dict]:
    """Every item of a list/describe call, through its paginator when botocore has one."""
    if not client.can_paginate(operation):
        return getattr(client, operation)(**kwargs).get(result_key, [])
    items: list[dict] = []
    for page in client.get_paginator(operation).paginate(**kwargs):
        items.extend(page.get(result_key, []))
    return items


def _api_name(client: BaseClient, operation: str) -> str:
    return f"{client.meta.service_model.service_name}:{client.meta.method_to_api_mapping[operation]}"


def _region_snapshot(clients: dict[str, BaseClient], account_id: str, region: str) -> _RegionResult:
    result = _RegionResult(rows={table: [] for table in TABLE_COLUMNS}, errors=[])
    for table, (service, operation, result_key, flatten) in TABLE_SOURCES.items():
        client = clients[service]
        try:
            items = _list_all(client, operation, result_key)
        except (ClientError, EndpointConnectionError) as error:
            result.errors.append(_error_row(account_id, region, _api_name(client, operation), error))
            continue
        result.rows[table] = [row for item in items for row in flatten(item)]
    efs = clients["efs"]
    for file_system in result.rows["inventory_efs_file_systems"]:
        try:
            targets = _list_all(
                efs, "describe_mount_targets", "MountTargets", FileSystemId=file_system["file_system_id"]
            )
        except (ClientError, EndpointConnectionError) as error:
            result.errors.append(
                _error_row(account_id, region, _api_name(efs, "describe_mount_targets"), error)
            )
            continue
        result.rows["inventory_efs_mount_targets"].extend(
            row for item in targets for row in mount_target_rows(item)
        )
    return result


def _account_sessions(
    role_arns: list[str] | None, external_id: str | None, log: Log
) -> tuple[list[tuple[str, boto3.Session]], list[dict]]:
    """(account id, session) for the caller's account, or for each role that could be assumed."""
    if not role_arns:
        session = boto3.Session()
        return [(aws_session.account_id(session), session)], []
    sessions, errors = [], []
    for role_arn in role_arns:
        account = role_arn.split(":")[4]
        try:
            sessions.append((account, aws_session.assumed_role_session(role_arn, external_id)))
        except ClientError as error:
            log.warning("could not assume %s: %s", role_arn, error)
            errors.append(_error_row(account, "", "sts:AssumeRole", error))
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
    make_client: ClientFactory = aws_session.client,
) -> Inventory:
    """Describe every account (the caller's, or each role's) in every region, concurrently.

    make_client builds each service client; the default applies flowpipe's retry policy.
    """
    log = log or logger
    snapshot_time = datetime.now(UTC)
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
            (account, region, pool.submit(_region_snapshot, clients, account, region))
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
