"""The simulated account's CloudTrail endpoint answers boto3's LookupEvents as AWS does, from the account's
trail: the ENIs the simulation created and the reuse scenario's changes, so its inventory reads CloudTrail."""

import datetime
from datetime import UTC, timedelta

import boto3
import pytest
from botocore.exceptions import ClientError

from flowpipe.lib.inventory import take_inventory
from flowpipe.lib.inventory_events import CREATE, DELETE, EVENTS_TABLE
from flowpipe.lib.simulated.cloudtrail import InterfaceEvent, lookup_item
from flowpipe.lib.simulated.moto_server import patched_environment
from flowpipe.lib.simulated.reuse import hand_over
from flowpipe.lib.simulated.simulation import simulate
from flowpipe.lib.simulated.trail import deliver_trail
from flowpipe_tests.simulated_run import reset_account

ACCOUNT = "123456789012"
START = datetime.datetime(2026, 3, 14, 20, tzinfo=UTC)
ENI = {
    "NetworkInterfaceId": "eni-0a1b2c3d4e5f60718",
    "SubnetId": "subnet-1",
    "VpcId": "vpc-1",
    "AvailabilityZone": "us-east-1a",
    "Description": "AWS Lambda VPC ENI-invoice-fn-00000009-5f3a-4c1e-9b7d-0a1b2c3d4e5f",
    "PrivateIpAddress": "10.0.1.220",
    "Groups": [{"GroupId": "sg-1", "GroupName": "lambda-sg"}],
}
DATE = datetime.date(2026, 3, 14)


def _created(count: int) -> list[InterfaceEvent]:
    return [
        InterfaceEvent(CREATE, START + timedelta(minutes=n), f"eni-{n:017x}", ENI, "lambda", True)
        for n in range(count)
    ]


def _lookup(region: str = "us-east-1", page_size: int | None = None, **parameters) -> list[list[dict]]:
    """Every page of the lookup, through boto3's paginator."""
    paginator = boto3.client("cloudtrail", region_name=region).get_paginator("lookup_events")
    config = {"PaginationConfig": {"PageSize": page_size}} if page_size else {}
    return [page["Events"] for page in paginator.paginate(**parameters, **config)]


def _named(name: str) -> dict:
    return {"LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": name}]}


def _items(events: list[InterfaceEvent], region: str = "us-east-1") -> list[dict]:
    """What AWS returns for the events: newest first."""
    return [
        lookup_item(event, ACCOUNT, region) for event in sorted(events, key=lambda e: e.time, reverse=True)
    ]


def test_a_lookup_by_event_name_returns_exactly_its_events_newest_first_fifty_a_page(aws) -> None:
    created = _created(120)
    deleted = [InterfaceEvent(DELETE, START + timedelta(hours=3), created[0].interface_id)]
    deliver_trail(created + deleted, ACCOUNT, "us-east-1")
    pages = _lookup(**_named(CREATE))
    assert [len(page) for page in pages] == [50, 50, 20]
    assert [item for page in pages for item in page] == _items(created)
    assert _lookup(**_named(DELETE)) == [_items(deleted)]


def test_max_results_sets_the_page_size(aws) -> None:
    created = _created(20)
    deliver_trail(created, ACCOUNT, "us-east-1")
    pages = _lookup(page_size=7, **_named(CREATE))
    assert [len(page) for page in pages] == [7, 7, 6]
    assert [item for page in pages for item in page] == _items(created)


def test_start_and_end_time_are_both_included(aws) -> None:
    created = _created(30)
    deliver_trail(created, ACCOUNT, "us-east-1")
    pages = _lookup(StartTime=START + timedelta(minutes=10), EndTime=START + timedelta(minutes=20))
    assert [item for page in pages for item in page] == _items(created[10:21])


def test_an_account_without_a_trail_has_no_events(aws) -> None:
    assert _lookup(**_named(CREATE)) == [[]]


def test_only_the_signing_regions_events_are_returned(aws) -> None:
    east, west = _created(2), _created(3)[2:]
    deliver_trail(east, ACCOUNT, "us-east-1")
    deliver_trail(west, ACCOUNT, "us-west-2")
    assert _lookup("us-east-1") == [_items(east)]
    assert _lookup("us-west-2") == [_items(west, "us-west-2")]


@pytest.mark.parametrize(
    ("parameters", "code"),
    [
        ({"StartTime": START, "EndTime": START - timedelta(seconds=1)}, "InvalidTimeRangeException"),
        ({"MaxResults": 51}, "InvalidMaxResultsException"),
        ({"NextToken": "not-a-token"}, "InvalidNextTokenException"),
        (
            {
                "LookupAttributes": [
                    _named(CREATE)["LookupAttributes"][0],
                    {**_named(DELETE)["LookupAttributes"][0]},
                ]
            },
            "InvalidLookupAttributesException",
        ),
        (
            {"LookupAttributes": [{"AttributeKey": "Colour", "AttributeValue": "red"}]},
            "InvalidLookupAttributesException",
        ),
        ({"EventCategory": "management"}, "InvalidEventCategoryException"),
    ],
)
def test_invalid_lookups_get_awss_errors(aws, parameters: dict, code: str) -> None:
    with pytest.raises(ClientError) as raised:
        boto3.client("cloudtrail").lookup_events(**parameters)
    assert raised.value.response["Error"]["Code"] == code
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_a_next_token_is_refused_with_other_parameters(aws) -> None:
    deliver_trail(_created(3), ACCOUNT, "us-east-1")
    cloudtrail = boto3.client("cloudtrail")
    token = cloudtrail.lookup_events(MaxResults=1, **_named(CREATE))["NextToken"]
    assert len(cloudtrail.lookup_events(MaxResults=1, NextToken=token, **_named(CREATE))["Events"]) == 1
    with pytest.raises(ClientError, match="InvalidNextTokenException"):
        cloudtrail.lookup_events(MaxResults=1, NextToken=token, **_named(DELETE))


def test_other_operations_are_unknown(aws) -> None:
    with pytest.raises(ClientError) as raised:
        boto3.client("cloudtrail").describe_trails()
    assert raised.value.response["Error"]["Code"] == "UnknownOperationException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


@pytest.fixture(scope="module")
def simulated(moto_server):
    """The simulated date's account, then the reuse scenario on it (its night's ENI changes)."""
    reset_account(moto_server)
    with patched_environment(moto_server.environment()):
        model = simulate(DATE, bucket="cloudtrail-test-flow-logs", scale=0.02).model
        night = datetime.datetime.combine(DATE, datetime.time(20), UTC)
        reuse = hand_over(
            model, night, (night + timedelta(hours=1), night + timedelta(hours=2)), night + timedelta(hours=3)
        )
    return model, reuse


def test_the_trail_holds_a_creation_of_each_eni_the_simulation_built_the_day_before(simulated, moto_server):
    model, _ = simulated
    built = datetime.datetime.combine(DATE - timedelta(days=1), datetime.time(), UTC)
    with patched_environment(moto_server.environment()):
        pages = _lookup(StartTime=built, EndTime=built + timedelta(days=1), **_named(CREATE))
        enis = boto3.client("ec2").describe_network_interfaces(
            Filters=[{"Name": "vpc-id", "Values": [model.vpc_id]}]
        )["NetworkInterfaces"]
    assert [item for page in pages for item in page] == _items(list(model.interface_events))
    assert [event.time for event in model.interface_events] == [
        built + timedelta(seconds=n) for n in range(len(model.interface_events))
    ]
    # every ENI but the instances' (RunInstances creates those) and orders-fn's, deleted by the scenario
    instances = {
        e.interface_id for e in (*model.endpoints, *model.idle_endpoints) if e.entity_type == "ec2:instance"
    }
    orders_fn = model.by_type("lambda:function")[0].interface_id
    scenario = {event.interface_id for event in simulated[1].events}
    listed = {eni["NetworkInterfaceId"] for eni in enis} - instances - scenario
    assert {event.interface_id for event in model.interface_events} == listed | {orders_fn}


def test_an_inventory_of_the_simulated_account_reads_the_scenarios_changes_without_errors(
    simulated, moto_server
) -> None:
    _, reuse = simulated
    since = datetime.datetime.combine(DATE, datetime.time(18), UTC) - timedelta(hours=1)
    with patched_environment(moto_server.environment()):
        inventory = take_inventory(["us-east-1"], events_since=since)
    assert inventory.errors.to_pylist() == []
    rows = inventory.tables[EVENTS_TABLE].to_pylist()
    assert [(row["event_name"], row["network_interface_id"], row["event_time"]) for row in rows] == [
        (event.name, event.interface_id, event.time) for event in reuse.events
    ]
    assert {row["private_ip_address"] for row in rows if row["event_name"] == CREATE} == {reuse.ip}
