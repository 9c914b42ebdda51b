"""An address that changes owner during a night, as Lambda and ECS addresses do, with the traffic each owner
sent while it held the address and CloudTrail's record of the changes.

orders-fn's Lambda ENI is deleted; its private address is then held by another function's ENI (invoice-fn,
created and deleted between two snapshots, so only CloudTrail knows it) and finally by an ECS task's ENI of
the cart service. moto creates each ENI at the reused address (PrivateIpAddress); the times are the
simulated date's, given by the caller.
"""

import datetime
import random
from dataclasses import dataclass

import boto3

from flowpipe.lib.simulated.account_compute import ECS_SERVICE
from flowpipe.lib.simulated.account_data_stores import DB_IDENTIFIER
from flowpipe.lib.simulated.account_model import AccountModel, Endpoint
from flowpipe.lib.simulated.cloudtrail import InterfaceEvent
from flowpipe.lib.simulated.traffic import Traffic, traffic_of
from flowpipe.lib.simulated.traffic_connections import Connection, Peer, split
from flowpipe.lib.simulated.trail import deliver_trail

BORROWER = "invoice-fn"
TASK_ATTACHMENT = "1d4c6e8f-2a3b-4c5d-9e0f-1a2b3c4d5e6f"  # fixed: rebuilt accounts stay comparable
_LAMBDA_SUFFIX = "00000009-5f3a-4c1e-9b7d-0a1b2c3d4e5f"


@dataclass(frozen=True)
class Holding:
    """An owner of the address and when it held it: [start, end), None for open."""

    endpoint: Endpoint
    start: datetime.datetime | None
    end: datetime.datetime | None


@dataclass(frozen=True)
class Reuse:
    ip: str
    holdings: tuple[Holding, ...]  # in time order
    events: tuple[InterfaceEvent, ...]  # CloudTrail's CreateNetworkInterface / DeleteNetworkInterface

    def owner_at(self, moment: datetime.datetime) -> Endpoint | None:
        return next(
            (
                held.endpoint
                for held in self.holdings
                if (held.start is None or held.start <= moment) and (held.end is None or moment < held.end)
            ),
            None,
        )


def _create(ec2, original: Endpoint, groups: list[str], description: str, tags: list[dict]) -> dict:
    created = ec2.create_network_interface(
        SubnetId=original.subnet_id,
        Groups=groups,
        Description=description,
        PrivateIpAddress=original.ip,
        TagSpecifications=[{"ResourceType": "network-interface", "Tags": tags}] if tags else [],
    )["NetworkInterface"]
    return ec2.describe_network_interfaces(NetworkInterfaceIds=[created["NetworkInterfaceId"]])[
        "NetworkInterfaces"
    ][0]


def _endpoint(
    original: Endpoint, eni: dict, entity_type: str, name: str, entity_id: str, kind: str
) -> Endpoint:
    return Endpoint(
        ip=original.ip,
        interface_id=eni["NetworkInterfaceId"],
        entity_type=entity_type,
        entity_name=name,
        entity_id=entity_id,
        subnet_id=original.subnet_id,
        availability_zone=original.availability_zone,
        availability_zone_id=original.availability_zone_id,
        interface_type=kind,
        requester_managed=True,
    )


def hand_over(
    model: AccountModel,
    deleted: datetime.datetime,
    borrowed: tuple[datetime.datetime, datetime.datetime],
    taken: datetime.datetime,
) -> Reuse:
    """orders-fn's first ENI is deleted at `deleted`; invoice-fn's ENI holds the address during `borrowed`;
    from `taken` on an ECS task of the cart service holds it. The events go to the account's trail."""
    ec2 = boto3.client("ec2", region_name=model.region)
    original = model.by_type("lambda:function")[0]
    eni = ec2.describe_network_interfaces(NetworkInterfaceIds=[original.interface_id])["NetworkInterfaces"][0]
    groups = [group["GroupId"] for group in eni["Groups"]]
    ec2.delete_network_interface(NetworkInterfaceId=original.interface_id)
    borrower_eni = _create(ec2, original, groups, f"AWS Lambda VPC ENI-{BORROWER}-{_LAMBDA_SUFFIX}", [])
    ec2.delete_network_interface(NetworkInterfaceId=borrower_eni["NetworkInterfaceId"])
    description = f"arn:aws:ecs:{model.region}:{model.account_id}:attachment/{TASK_ATTACHMENT}"
    task_eni = _create(
        ec2, original, groups, description, [{"Key": "aws:ecs:serviceName", "Value": ECS_SERVICE}]
    )
    borrower = _endpoint(original, borrower_eni, "lambda:function", BORROWER, BORROWER, "lambda")
    task = _endpoint(original, task_eni, "ecs:task", ECS_SERVICE, TASK_ATTACHMENT, "interface")
    events = (
        InterfaceEvent("DeleteNetworkInterface", deleted, original.interface_id),
        InterfaceEvent(
            "CreateNetworkInterface", borrowed[0], borrower.interface_id, borrower_eni, "lambda", True
        ),
        InterfaceEvent("DeleteNetworkInterface", borrowed[1], borrower.interface_id),
        InterfaceEvent("CreateNetworkInterface", taken, task.interface_id, task_eni, "interface", True),
    )
    deliver_trail(events, model.account_id, model.region)
    holdings = (Holding(original, None, deleted), Holding(borrower, *borrowed), Holding(task, taken, None))
    return Reuse(ip=original.ip, holdings=holdings, events=events)


def reuse_traffic(
    model: AccountModel, reuse: Reuse, date: datetime.date, starts: list[datetime.datetime], seed: int = 7
) -> Traffic:
    """One short connection at each start from the address's owner at that time to the database (and one
    from a web instance to the cart task on 8080 when the task holds it): records and ground truth."""
    rng = random.Random(seed)
    database = Peer.of(next(e for e in model.endpoints if e.entity_name == DB_IDENTIFIER))
    web = Peer.of(model.by_name("web")[0])
    connections = []
    for start in starts:
        owner = reuse.owner_at(start)
        if owner is None:
            continue
        client, server, port = (
            (web, Peer.of(owner), 8080)
            if owner.entity_type == "ecs:task"
            else (Peer.of(owner), database, 5432)
        )
        moment = int(start.timestamp())
        exchanges = split(
            moment, moment + 2, rng.randint(1000, 5000), rng.randint(2000, 60_000), (1400, 1400)
        )
        connections.append(Connection(client, server, rng.randint(32768, 60999), port, "ACCEPT", exchanges))
    return traffic_of(model, connections, date)
