"""The address book: one row per IP address the inventory knows and owner that held it, named after the
resource that owns it, with the time it was valid (inventory_timeline).

A snapshot's addresses come from the ENIs (private, secondary, public and IPv6), then from the service
tables for any address whose ENI the inventory could not list (NAT gateway, mount target, ECS task,
Elastic IP, instance). CloudTrail's created ENIs are named by the same rules; the book of an earlier
window carries the owners earlier snapshots saw.
"""

import datetime
import ipaddress
import json
import logging
from collections.abc import Iterator

import pyarrow as pa

from flowpipe.lib.eni_classification import Entity, Lookups, build_lookups, classify_eni
from flowpipe.lib.inventory_events import CREATE, DELETE, EVENTS_TABLE
from flowpipe.lib.inventory_timeline import TIME_COLUMNS, merge_spans, with_validity
from flowpipe.lib.ip_ranges import is_private_address

logger = logging.getLogger(__name__)

ADDRESS_BOOK_SCHEMA = pa.schema(
    [
        (name, pa.string())
        for name in (
            "ip", "entity_type", "entity_name", "entity_id", "arn", "interface_id", "interface_type",
            "account_id", "region", "vpc_id", "subnet_id", "availability_zone", "availability_zone_id",
            "security_group_ids", "tags",
        )
    ]
    + [("is_public", pa.bool_())]
    + [(name, pa.int64()) for name in TIME_COLUMNS]  # unix seconds, as the flow logs' start and end
)  # fmt: skip
ENI_LIST_API = "ec2:DescribeNetworkInterfaces"


def _rows(tables: dict[str, pa.Table], name: str) -> list[dict]:
    return tables[name].to_pylist() if name in tables else []


def _entity_tags(entity: Entity, eni: dict, lookups: Lookups) -> str:
    """The owning resource's tags where the inventory has them, else the ENI's."""
    owner = {
        "ec2:instance": lookups.instances_by_id,
        "efs:mount-target": lookups.file_systems_by_id,
        "nat-gateway": lookups.nat_gateways_by_id,
        "vpc-endpoint": lookups.vpc_endpoints_by_id,
    }.get(entity.entity_type, {})
    tags = (owner.get(entity.entity_id) or eni).get("tags") or "{}"
    return json.dumps(json.loads(tags), sort_keys=True)


def _addresses(eni: dict) -> Iterator[tuple[str, bool]]:
    """(address, is_public) for the private, the associated public and the IPv6 addresses of an ENI row."""
    if eni.get("private_ip_address"):
        yield eni["private_ip_address"], False
    if eni.get("public_ip"):
        yield eni["public_ip"], True
    if eni.get("is_primary") is not False:
        for address in (eni.get("ipv6_addresses") or "").split(","):
            if address:
                yield address, not is_private_address(address)


def _eni_entries(enis: list[dict], lookups: Lookups) -> Iterator[dict]:
    for eni in enis:
        entity = classify_eni(eni, lookups)
        shared = {
            **entity._asdict(),
            "interface_id": eni["network_interface_id"],
            "interface_type": eni.get("interface_type"),
            "account_id": eni.get("account_id"),
            "region": eni.get("region"),
            "vpc_id": eni.get("vpc_id"),
            "subnet_id": eni.get("subnet_id"),
            "availability_zone": eni.get("availability_zone"),
            "security_group_ids": eni.get("security_group_ids"),
            "tags": _entity_tags(entity, eni, lookups),
        }
        for ip, is_public in _addresses(eni):
            yield {**shared, "ip": ip, "is_public": is_public}


def _service_entries(tables: dict[str, pa.Table]) -> Iterator[dict]:
    """Addresses known from the service APIs, as ENI rows carrying the description AWS gives such ENIs."""
    for nat in _rows(tables, "inventory_nat_gateways"):
        eni = {**nat, "description": f"Interface for NAT Gateway {nat['nat_gateway_id']}"}
        yield {**eni, "private_ip_address": nat.get("private_ip"), "is_public": False}
        yield {**eni, "private_ip_address": nat.get("public_ip"), "is_public": True}
    for target in _rows(tables, "inventory_efs_mount_targets"):
        description = f"EFS mount target for {target['file_system_id']} ({target['mount_target_id']})"
        yield {
            **target,
            "description": description,
            "private_ip_address": target.get("ip_address"),
            "is_public": False,
        }
    for task in _rows(tables, "inventory_ecs_tasks"):
        yield {**task, "is_public": False}
    yield from _elastic_ip_entries(tables)
    for instance in _rows(tables, "inventory_instances"):
        eni = {**instance, "network_interface_id": None, "attachment_instance_id": instance["instance_id"]}
        yield {**eni, "private_ip_address": instance.get("private_ip_address"), "is_public": False}
        yield {**eni, "private_ip_address": instance.get("public_ip_address"), "is_public": True}


def _elastic_ip_entries(tables: dict[str, pa.Table]) -> Iterator[dict]:
    """An Elastic IP's public address, as an address of the ENI (or instance) it is associated with."""
    enis = {}
    for eni in _rows(tables, "inventory_network_interfaces"):
        enis.setdefault(eni["network_interface_id"], eni)
    for address in _rows(tables, "inventory_elastic_ips"):
        eni = enis.get(address.get("network_interface_id"))
        owner = eni or {
            **address,
            "attachment_instance_id": address.get("instance_id"),
            "network_interface_id": address.get("network_interface_id"),
        }
        yield {**owner, "private_ip_address": address.get("public_ip"), "is_public": True}


def _service_rows(tables: dict[str, pa.Table], lookups: Lookups) -> Iterator[dict]:
    for row in _service_entries(tables):
        if not row.get("private_ip_address"):
            continue
        entity = classify_eni(row, lookups)
        yield {
            **entity._asdict(),
            "ip": row["private_ip_address"],
            "interface_id": row.get("network_interface_id"),
            "interface_type": None,
            "account_id": row.get("account_id"),
            "region": row.get("region"),
            "vpc_id": row.get("vpc_id"),
            "subnet_id": row.get("subnet_id"),
            "availability_zone": row.get("availability_zone"),
            "security_group_ids": row.get("security_group_ids"),
            "tags": _entity_tags(entity, row, lookups),
            "is_public": row["is_public"],
        }


def _snapshot_entries(tables: dict[str, pa.Table], lookups: Lookups) -> list[dict]:
    """One entry per address of the snapshot (the first owner wins when overlapping VPCs reuse one)."""
    zones = {subnet["subnet_id"]: subnet for subnet in _rows(tables, "inventory_subnets")}
    book: dict[str, dict] = {}
    duplicates = 0
    enis = _rows(tables, "inventory_network_interfaces")
    for row in [*_eni_entries(enis, lookups), *_service_rows(tables, lookups)]:
        key = ipaddress.ip_address(row["ip"]).compressed
        if key in book:
            interfaces = {book[key]["interface_id"], row["interface_id"]} - {None}
            duplicates += len(interfaces) > 1
            continue
        book[key] = _placed({**row, "ip": key}, zones)
    if duplicates:
        logger.warning("%d addresses belong to more than one interface; the first one names them", duplicates)
    return list(book.values())


def _placed(row: dict, zones: dict[str, dict]) -> dict:
    subnet = zones.get(row.get("subnet_id")) or {}
    row["availability_zone"] = row.get("availability_zone") or subnet.get("availability_zone")
    row["availability_zone_id"] = subnet.get("availability_zone_id")
    return row


def _epoch(moment: datetime.datetime) -> int:
    return int(moment.timestamp())


def _snapshot_time(tables: dict[str, pa.Table]) -> int | None:
    """When the snapshot was taken (None for an empty one: it saw nothing)."""
    times = [
        moment
        for name, table in tables.items()
        if name != EVENTS_TABLE and "snapshot_time" in table.column_names
        for moment in table.column("snapshot_time").to_pylist()
        if moment is not None
    ]
    return _epoch(max(times)) if times else None


def _created_entries(tables: dict[str, pa.Table], lookups: Lookups) -> list[dict]:
    """Addresses of the ENIs CloudTrail saw created, with created_at."""
    zones = {subnet["subnet_id"]: subnet for subnet in _rows(tables, "inventory_subnets")}
    creations = [event for event in _rows(tables, EVENTS_TABLE) if event["event_name"] == CREATE]
    return [
        {**_placed({**row, "ip": ipaddress.ip_address(row["ip"]).compressed}, zones), "created_at": created}
        for event in creations
        for created in [_epoch(event["event_time"])]
        for row in _eni_entries([event], lookups)
    ]


def _deletions(tables: dict[str, pa.Table]) -> dict[str, int]:
    return {
        event["network_interface_id"]: _epoch(event["event_time"])
        for event in _rows(tables, EVENTS_TABLE)
        if event["event_name"] == DELETE
    }


def covered_places(tables: dict[str, pa.Table], errors: pa.Table | None) -> set[tuple[str, str]]:
    """(account, region) pairs whose ENIs the snapshot listed: it answered there, and the ENI call did not
    fail. Only there does an address missing from the snapshot mean its owner is gone."""
    answered = {
        (row["account_id"], row["region"])
        for name, table in tables.items()
        if name != EVENTS_TABLE and {"account_id", "region"} <= set(table.column_names)
        for row in table.select(["account_id", "region"]).to_pylist()
    }
    failed = {
        (row["account_id"], row["region"])
        for row in (errors.to_pylist() if errors is not None else [])
        if row["api"] == ENI_LIST_API
    }
    return answered - failed


def build_address_book(
    tables: dict[str, pa.Table],
    previous: pa.Table | None = None,
    *,
    errors: pa.Table | None = None,
    not_before: int | None = None,
) -> pa.Table:
    """One row per (address, owner) with its validity: the snapshot `tables` (with CloudTrail's ENI events
    when read) combined with an earlier address book. Owners that stopped before `not_before` (unix
    seconds) are left out. With a single snapshot and no events, one row per address, valid always."""
    lookups = build_lookups(tables)
    earlier = previous.to_pylist() if previous is not None else []
    spans = merge_spans(
        [{**dict.fromkeys(TIME_COLUMNS), **row} for row in earlier],
        _snapshot_entries(tables, lookups),
        _snapshot_time(tables),
        created=_created_entries(tables, lookups),
        deleted=_deletions(tables),
        covered=covered_places(tables, errors),
    )
    rows = with_validity(spans, not_before)
    return pa.Table.from_pylist(rows, schema=ADDRESS_BOOK_SCHEMA)
