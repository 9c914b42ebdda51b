"""The account's trail in S3: gzip JSON files per five minutes of events in AWS's CloudTrail layout, read back
per region; an account's ENI creations are its records."""

import gzip
import json
import re
from datetime import UTC, datetime, timedelta

import boto3

from flowpipe.lib.inventory_events import CREATE, DELETE
from flowpipe.lib.simulated.account import build_account
from flowpipe.lib.simulated.cloudtrail import InterfaceEvent
from flowpipe.lib.simulated.trail import TRAIL_BUCKET, deliver_trail, trail_records

ACCOUNT = "123456789012"
START = datetime(2026, 3, 14, 20, tzinfo=UTC)
ENI = {
    "SubnetId": "subnet-1",
    "VpcId": "vpc-1",
    "AvailabilityZone": "us-east-1a",
    "PrivateIpAddress": "10.0.1.220",
    "Groups": [{"GroupId": "sg-1", "GroupName": "lambda-sg"}],
}


def _created(minutes: list[int]) -> list[InterfaceEvent]:
    return [
        InterfaceEvent(CREATE, START + timedelta(minutes=m), f"eni-{m}", ENI, "lambda", True) for m in minutes
    ]


def _files(keys: list[str]) -> list[list[str]]:
    """Each file's records, as their event times."""
    s3 = boto3.client("s3")
    bodies = [s3.get_object(Bucket=TRAIL_BUCKET, Key=key)["Body"].read() for key in keys]
    return [
        [record["eventTime"] for record in json.loads(gzip.decompress(body))["Records"]] for body in bodies
    ]


def test_events_land_in_a_file_per_five_minutes_named_as_cloudtrail_names_them(aws) -> None:
    keys = deliver_trail(_created([12, 2, 0, 7]), ACCOUNT, "us-east-1")
    name = (
        r"AWSLogs/123456789012/CloudTrail/us-east-1/2026/03/14/"
        r"123456789012_CloudTrail_us-east-1_(\w+)_[0-9a-f]{16}\.json\.gz"
    )
    assert [re.fullmatch(name, key).group(1) for key in keys] == [
        "20260314T2005Z",
        "20260314T2010Z",
        "20260314T2015Z",
    ]
    assert _files(keys) == [
        ["2026-03-14T20:00:00Z", "2026-03-14T20:02:00Z"],
        ["2026-03-14T20:07:00Z"],
        ["2026-03-14T20:12:00Z"],
    ]


def test_delivering_the_same_events_again_rewrites_the_same_files(aws) -> None:
    events = _created([0, 7])
    first = deliver_trail(events, ACCOUNT, "us-east-1")
    assert deliver_trail(events, ACCOUNT, "us-east-1") == first
    listed = boto3.client("s3").list_objects_v2(Bucket=TRAIL_BUCKET)["Contents"]
    assert sorted(entry["Key"] for entry in listed) == sorted(first)


def test_no_events_make_no_trail_and_no_trail_reads_as_no_records(aws) -> None:
    s3 = boto3.client("s3")
    assert deliver_trail([], ACCOUNT, "us-east-1") == []
    assert s3.list_buckets()["Buckets"] == []
    assert trail_records(s3, "us-east-1") == []


def test_records_are_read_back_for_one_region_of_every_account(aws) -> None:
    deliver_trail(_created([0]), ACCOUNT, "us-east-1")
    deliver_trail(_created([1]), "210987654321", "us-east-1")
    deliver_trail([InterfaceEvent(DELETE, START, "eni-9")], ACCOUNT, "us-west-2")
    records = trail_records(boto3.client("s3"), "us-east-1")
    assert sorted((r["recipientAccountId"], r["eventName"], r["eventTime"]) for r in records) == [
        ("123456789012", CREATE, "2026-03-14T20:00:00Z"),
        ("210987654321", CREATE, "2026-03-14T20:01:00Z"),
    ]
    [west] = trail_records(boto3.client("s3"), "us-west-2")
    assert (west["awsRegion"], west["requestParameters"]) == ("us-west-2", {"networkInterfaceId": "eni-9"})


def test_the_accounts_eni_creations_are_its_trails_records(aws) -> None:
    model = build_account(built_at=START)
    deliver_trail(model.interface_events, model.account_id, model.region)
    records = trail_records(boto3.client("s3"), model.region)
    enis = {
        eni["NetworkInterfaceId"]: eni["PrivateIpAddress"]
        for eni in boto3.client("ec2").describe_network_interfaces()["NetworkInterfaces"]
    }
    created = [record["responseElements"]["networkInterface"] for record in records]
    assert len(created) == len(model.interface_events) > 0
    assert [eni["networkInterfaceId"] for eni in created] == [e.interface_id for e in model.interface_events]
    assert [eni["privateIpAddress"] for eni in created] == [
        enis[eni["networkInterfaceId"]] for eni in created
    ]
    assert {record["eventName"] for record in records} == {CREATE}
    assert records[0]["eventTime"] == "2026-03-14T20:00:00Z"
