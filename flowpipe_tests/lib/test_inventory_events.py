"""CloudTrail's ENI creations and deletions: parsed from AWS's documented record shape, read page by page with
LookupEvents (the simulated account's CloudTrail endpoint: moto 5.2.5 has none), and recorded as a failed
call when CloudTrail cannot be read while the snapshot still lands."""

import io
import json
import time
from datetime import UTC, datetime, timedelta

import boto3
import pytest
import urllib3
from botocore.awsrequest import AWSResponse
from botocore.client import BaseClient
from botocore.config import Config
from botocore.stub import Stubber

from flowpipe.lib.inventory import inventory_client, take_inventory
from flowpipe.lib.inventory_events import CREATE, DELETE, EVENTS_TABLE, event_rows, pace
from flowpipe.lib.simulated.cloudtrail import InterfaceEvent
from flowpipe.lib.simulated.trail import deliver_trail

# The CreateNetworkInterface record of AWS's EFS user guide (logging with CloudTrail), as LookupEvents
# returns it: the record is the JSON string CloudTrailEvent.
EFS_RECORD = {
    "eventVersion": "1.05",
    "userIdentity": {"type": "AssumedRole", "invokedBy": "AWS Internal"},
    "eventTime": "2019-10-23T22:50:05Z",
    "eventSource": "ec2.amazonaws.com",
    "eventName": "CreateNetworkInterface",
    "awsRegion": "us-east-1",
    "sourceIPAddress": "elasticfilesystem.amazonaws.com",
    "userAgent": "elasticfilesystem.amazonaws.com",
    "requestParameters": {
        "subnetId": "subnet-71e2f83a",
        "description": "EFS mount target for fs-1234567 (fsmt-1234567)",
        "groupSet": {},
        "privateIpAddressesSet": {},
    },
    "responseElements": {
        "requestId": "0708e4ad-03f6-4802-b4ce-4ba987d94b8d",
        "networkInterface": {
            "networkInterfaceId": "eni-0123456789abcdef0",
            "subnetId": "subnet-12345678",
            "vpcId": "vpc-01234567",
            "availabilityZone": "us-east-1b",
            "description": "EFS mount target for fs-1234567 (fsmt-1234567)",
            "ownerId": "666051418590",
            "requesterId": "0123456789ab",
            "requesterManaged": True,
            "status": "pending",
            "macAddress": "00:bb:ee:ff:aa:cc",
            "privateIpAddress": "192.0.2.0",
            "privateDnsName": "ip-192-0-2-0.ec2.internal",
            "sourceDestCheck": True,
            "groupSet": {"items": [{"groupId": "sg-c16d65b6", "groupName": "default"}]},
            "privateIpAddressesSet": {"item": [{"privateIpAddress": "192.0.2.0", "primary": True}]},
            "tagSet": {},
        },
    },
    "requestID": "11112222-3333-4444-5555-666666777777",
    "eventID": "aaaabbbb-1111-2222-3333-444444555555",
    "eventType": "AwsApiCall",
    "recipientAccountId": "111122223333",
}
WHEN = datetime(2019, 10, 23, 22, 50, 5, tzinfo=UTC)


def _item(record: dict) -> dict:
    return {
        "EventId": record["eventID"],
        "EventName": record["eventName"],
        "EventTime": WHEN,
        "EventSource": "ec2.amazonaws.com",
        "CloudTrailEvent": json.dumps(record),
    }


def test_a_creation_gives_the_enis_address_with_the_fields_that_name_it() -> None:
    [row] = event_rows(_item(EFS_RECORD))
    assert row == {
        "event_time": WHEN,
        "event_name": CREATE,
        "event_id": "aaaabbbb-1111-2222-3333-444444555555",
        "network_interface_id": "eni-0123456789abcdef0",
        "private_ip_address": "192.0.2.0",
        "is_primary": True,
        "ipv6_addresses": None,
        "interface_type": None,
        "requester_id": "0123456789ab",
        "requester_managed": True,
        "description": "EFS mount target for fs-1234567 (fsmt-1234567)",
        "subnet_id": "subnet-12345678",
        "vpc_id": "vpc-01234567",
        "availability_zone": "us-east-1b",
        "security_group_ids": "sg-c16d65b6",
        "owner_id": "666051418590",
        "name": None,
        "tags": "{}",
    }


def test_secondary_addresses_and_tags_are_kept() -> None:
    record = json.loads(json.dumps(EFS_RECORD))
    interface = record["responseElements"]["networkInterface"]
    interface["privateIpAddressesSet"]["item"].append({"privateIpAddress": "192.0.2.9", "primary": False})
    interface["tagSet"] = {"items": [{"key": "Name", "value": "shared"}]}
    interface["interfaceType"] = "lambda"
    rows = event_rows(_item(record))
    assert [(r["private_ip_address"], r["is_primary"]) for r in rows] == [
        ("192.0.2.0", True),
        ("192.0.2.9", False),
    ]
    assert {(r["name"], r["tags"], r["interface_type"]) for r in rows} == {
        ("shared", '{"Name": "shared"}', "lambda")
    }


def test_a_deletion_names_the_interface_only() -> None:
    record = {
        **EFS_RECORD,
        "eventName": DELETE,
        "requestParameters": {"networkInterfaceId": "eni-0123456789abcdef0"},
        "responseElements": {"requestId": "0708e4ad-03f6-4802-b4ce-4ba987d94b8d", "_return": True},
    }
    assert event_rows(_item(record)) == [
        {
            "event_time": WHEN,
            "event_name": DELETE,
            "event_id": record["eventID"],
            "network_interface_id": "eni-0123456789abcdef0",
        }
    ]


@pytest.mark.parametrize(
    "error",
    [
        {
            "errorCode": "Client.DryRunOperation",
            "errorMessage": "Request would have succeeded, but DryRun flag is set.",
        },
        {
            "errorCode": "Client.InsufficientFreeAddressesInSubnet",
            "errorMessage": "insufficient free address",
        },
    ],
)
def test_failed_creations_give_no_rows(error: dict) -> None:
    assert event_rows(_item({**EFS_RECORD, **error, "responseElements": None})) == []


def _vpc_with_enis(count: int) -> list[dict]:
    ec2 = boto3.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    return [
        ec2.create_network_interface(SubnetId=subnet, PrivateIpAddress=f"10.0.1.{10 + n}")["NetworkInterface"]
        for n in range(count)
    ]


def test_every_page_of_both_event_names_lands_oldest_first(aws) -> None:
    enis = _vpc_with_enis(3)
    # whole seconds, as CloudTrail's event times are
    since = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    events = [
        InterfaceEvent(
            CREATE,
            since + timedelta(seconds=n),
            f"eni-{n:017x}",
            enis[n % 3] | {"NetworkInterfaceId": f"eni-{n:017x}"},
        )
        for n in range(120)
    ] + [InterfaceEvent(DELETE, since + timedelta(seconds=200 + n), f"eni-{n:017x}") for n in range(60)]
    deliver_trail(events, "123456789012", "us-east-1")
    inventory = take_inventory(["us-east-1"], events_since=since)
    rows = inventory.tables[EVENTS_TABLE].to_pylist()
    assert [row["event_name"] for row in rows] == [CREATE] * 120 + [DELETE] * 60
    assert [row["event_time"] for row in rows] == sorted(row["event_time"] for row in rows)
    assert {row["account_id"] for row in rows} == {"123456789012"}
    assert inventory.errors.num_rows == 0
    assert inventory.tables["inventory_network_interfaces"].num_rows == 3


def test_unreadable_cloudtrail_is_recorded_and_the_snapshot_still_lands(aws) -> None:
    _vpc_with_enis(2)
    stubbers = []

    def denied(session: boto3.Session, service: str, region: str) -> BaseClient:
        client = inventory_client(session, service, region)
        if service == "cloudtrail":
            stubber = Stubber(client)
            message = (
                "User: arn:aws:iam::123456789012:user/flowpipe is not authorized to perform:"
                " cloudtrail:LookupEvents"
            )
            stubber.add_client_error("lookup_events", "AccessDeniedException", message, http_status_code=400)
            stubber.activate()
            stubbers.append(stubber)
        return client

    inventory = take_inventory(
        ["us-east-1"], make_client=denied, events_since=datetime.now(UTC) - timedelta(hours=1)
    )
    stubbers[0].assert_no_pending_responses()  # the second event name was not asked for
    errors = inventory.errors.to_pylist()
    assert [(e["api"], e["error_code"]) for e in errors] == [
        ("cloudtrail:LookupEvents", "AccessDeniedException")
    ]
    assert inventory.tables[EVENTS_TABLE].num_rows == 0
    assert inventory.tables["inventory_network_interfaces"].num_rows == 2


def test_an_endpoint_without_lookup_events_costs_a_recorded_error_not_the_full_retry_budget(
    aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDTRAIL", aws.endpoint_url)  # moto's own: HTTP 500
    _vpc_with_enis(1)
    started = time.monotonic()
    inventory = take_inventory(["us-east-1"], events_since=datetime.now(UTC) - timedelta(hours=1))
    assert [e["api"] for e in inventory.errors.to_pylist()] == ["cloudtrail:LookupEvents"]
    assert time.monotonic() - started < 20  # 10 attempts, as the other calls get, take about 30 s
    assert inventory.tables["inventory_network_interfaces"].num_rows == 1


def _answered_lookups(statuses: list[int]) -> tuple[BaseClient, list[float]]:
    """A paced client whose requests are answered at before-send, after the pacing hook (registered
    first), with the given HTTP statuses in turn and 200 after them; and the times they were sent."""
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    config = Config(retries={"mode": "standard", "max_attempts": 3})
    client = pace(session.client("cloudtrail", config=config), interval=0.2)
    sent: list[float] = []

    def answer(request, **_) -> AWSResponse:
        sent.append(time.monotonic())
        status = statuses.pop(0) if statuses else 200
        body = b'{"Events": []}' if status == 200 else b'{"__type": "InternalFailure", "message": "x"}'
        raw = urllib3.HTTPResponse(body=io.BytesIO(body), status=status, preload_content=False)
        return AWSResponse(request.url, status, {"Content-Type": "application/x-amz-json-1.1"}, raw)

    client.meta.events.register("before-send.cloudtrail.LookupEvents", answer)
    return client, sent


def _shortest_gap(times: list[float]) -> float:
    return min(later - earlier for earlier, later in zip(times, times[1:], strict=False))


def test_lookups_are_spaced_to_cloudtrails_rate() -> None:
    client, sent = _answered_lookups([])
    for _ in range(3):
        client.lookup_events()
    assert len(sent) == 3
    assert _shortest_gap(sent) >= 0.19


def test_a_retried_lookup_is_spaced_like_a_first_one() -> None:
    """A 500 is retried after at most 50 ms of botocore's backoff: the pacing must hold the retry too."""
    client, sent = _answered_lookups([500])
    client.lookup_events()
    client.lookup_events()
    assert len(sent) == 3
    assert _shortest_gap(sent) >= 0.19
