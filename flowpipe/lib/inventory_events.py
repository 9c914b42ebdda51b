"""CloudTrail's ENI lifecycle events: when each network interface was created (with its addresses) and
deleted, read with LookupEvents, so the address book can date owners that snapshots alone cannot.

An ENI created and deleted between two snapshots (Lambda, ECS and Fargate ENIs live minutes) is only
known from these events. LookupEvents answers one event name per call, 50 events a page, at most 2 calls
a second per account and region (AWS's limit), over the last 90 days; the calls here are paced to that
rate, and a failed lookup is recorded like any other inventory call (inventory_calls.ApiCalls).
"""

import json
import threading
import time
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
from botocore.client import BaseClient
from botocore.config import Config

from flowpipe.lib.inventory_calls import ApiCalls
from flowpipe.lib.inventory_fields import joined, string_columns, tags_json

EVENTS_TABLE = "inventory_network_interface_events"
CREATE = "CreateNetworkInterface"
DELETE = "DeleteNetworkInterface"
EVENT_NAMES = (CREATE, DELETE)
SECONDS_BETWEEN_CALLS = 0.5  # LookupEvents: 2 requests per second per account and region
# Paced calls are rarely throttled, so a few retries suffice; a lookup that still fails is recorded and
# the snapshots alone date the owners (an endpoint without LookupEvents, such as moto, costs < 1 s).
RETRY_CONFIG = Config(retries={"mode": "standard", "max_attempts": 4})


# Named as inventory_network_interfaces' columns, so a created ENI is classified as a listed one.
EVENT_COLUMNS: list[tuple[str, pa.DataType]] = (
    [("event_time", pa.timestamp("us", tz="UTC"))]
    + string_columns("event_name", "event_id", "network_interface_id", "private_ip_address")
    + [("is_primary", pa.bool_())]
    + string_columns("ipv6_addresses", "interface_type", "requester_id")
    + [("requester_managed", pa.bool_())]
    + string_columns(
        "description", "subnet_id", "vpc_id", "availability_zone", "security_group_ids", "owner_id", "name",
        "tags",
    )
)  # fmt: skip


def _items(collection: dict | list | None) -> list[dict]:
    """CloudTrail writes EC2's lists as {"items": [...]} (or {"item": [...]} for private addresses)."""
    if isinstance(collection, list):
        return collection
    collection = collection or {}
    return collection.get("items") or collection.get("item") or []


def _event_time(event: dict, detail: dict) -> datetime:
    when = event.get("EventTime")
    if isinstance(when, datetime):
        return when.astimezone(UTC)
    return datetime.fromisoformat(detail["eventTime"].replace("Z", "+00:00"))


def _created_rows(interface: dict) -> list[dict]:
    """One row per private IPv4 address of the responseElements.networkInterface of a create."""
    tag_list = [{"Key": tag.get("key"), "Value": tag.get("value")} for tag in _items(interface.get("tagSet"))]
    shared = {
        "network_interface_id": interface["networkInterfaceId"],
        "ipv6_addresses": joined(
            item.get("ipv6Address") for item in _items(interface.get("ipv6AddressesSet"))
        ),
        "interface_type": interface.get("interfaceType"),
        "requester_id": interface.get("requesterId"),
        "requester_managed": interface.get("requesterManaged"),
        "description": interface.get("description"),
        "subnet_id": interface.get("subnetId"),
        "vpc_id": interface.get("vpcId"),
        "availability_zone": interface.get("availabilityZone"),
        "security_group_ids": joined(group.get("groupId") for group in _items(interface.get("groupSet"))),
        "owner_id": interface.get("ownerId"),
        "name": {tag["Key"]: tag["Value"] for tag in tag_list}.get("Name"),
        "tags": tags_json(tag_list),
    }
    addresses = _items(interface.get("privateIpAddressesSet")) or [
        {"privateIpAddress": interface.get("privateIpAddress"), "primary": True}
    ]
    return [
        {
            **shared,
            "private_ip_address": address.get("privateIpAddress"),
            "is_primary": address.get("primary"),
        }
        for address in addresses
        if address.get("privateIpAddress")
    ]


def event_rows(event: dict) -> list[dict]:
    """Rows of one LookupEvents item: a create gives one row per address, a delete one row naming the ENI.
    Failed calls (an errorCode, as dry runs and "insufficient free addresses" have) give none."""
    detail = json.loads(event.get("CloudTrailEvent") or "{}")
    if detail.get("errorCode"):
        return []
    name = event.get("EventName") or detail.get("eventName")
    base = {
        "event_time": _event_time(event, detail),
        "event_name": name,
        "event_id": event.get("EventId") or detail.get("eventID"),
    }
    if name == DELETE:
        resources = [r.get("ResourceName") for r in event.get("Resources") or [] if r.get("ResourceName")]
        interface_id = (detail.get("requestParameters") or {}).get("networkInterfaceId") or next(
            (resource for resource in resources if resource.startswith("eni-")), None
        )
        return [{**base, "network_interface_id": interface_id}] if interface_id else []
    interface = (detail.get("responseElements") or {}).get("networkInterface") or {}
    if name != CREATE or not interface.get("networkInterfaceId"):
        return []
    return [{**base, **row} for row in _created_rows(interface)]


class _Pacer:
    """A before-send hook keeping requests at least `interval` seconds apart (thread-safe): at the last
    moment before the wire, so signing time does not shorten the gap and retries are spaced too."""

    def __init__(self, interval: float) -> None:
        self.interval, self.last = interval, None
        self.lock = threading.Lock()

    def __call__(self, **_: Any) -> None:
        with self.lock:
            if self.last is not None:
                time.sleep(max(0.0, self.interval - (time.monotonic() - self.last)))
            self.last = time.monotonic()


def pace(client: BaseClient, interval: float = SECONDS_BETWEEN_CALLS) -> BaseClient:
    """The CloudTrail client, its LookupEvents requests spaced `interval` seconds apart."""
    client.meta.events.register("before-send.cloudtrail.LookupEvents", _Pacer(interval))
    return client


def interface_events(calls: ApiCalls, start: datetime, end: datetime) -> list[dict]:
    """Every ENI create and delete of the account and region between start and end, oldest first.

    One paginated lookup per event name; after a failed lookup (recorded in calls.errors) the other is not
    tried, as it would fail the same way."""
    rows = []
    for name in EVENT_NAMES:
        events = calls.list(
            "cloudtrail",
            "lookup_events",
            "Events",
            LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": name}],
            StartTime=start,
            EndTime=end,
        )
        if events is None:
            break
        rows += [row for event in events for row in event_rows(event)]
    return sorted(rows, key=lambda row: (row["event_time"], row["event_name"] != CREATE))
