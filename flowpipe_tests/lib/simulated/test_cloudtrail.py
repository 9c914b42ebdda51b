"""The simulated CloudTrail's LookupEvents items, which flowpipe reads back as AWS's."""

from datetime import UTC, datetime, timedelta

from flowpipe.lib.inventory_events import CREATE, DELETE, event_rows
from flowpipe.lib.simulated.cloudtrail import InterfaceEvent, lookup_item

START = datetime(2026, 3, 14, 20, tzinfo=UTC)
ENI = {
    "NetworkInterfaceId": "eni-0a1b2c3d4e5f60718",
    "SubnetId": "subnet-1",
    "VpcId": "vpc-1",
    "AvailabilityZone": "us-east-1a",
    "Description": "AWS Lambda VPC ENI-invoice-fn-00000009-5f3a-4c1e-9b7d-0a1b2c3d4e5f",
    "PrivateIpAddress": "10.0.1.220",
    "PrivateIpAddresses": [{"PrivateIpAddress": "10.0.1.220", "Primary": True}],
    "Groups": [{"GroupId": "sg-1", "GroupName": "lambda-sg"}],
    "TagSet": [],
}


def _events(count: int) -> list[InterfaceEvent]:
    created = [
        InterfaceEvent(CREATE, START + timedelta(minutes=n), f"eni-{n}", ENI, "lambda", True)
        for n in range(count)
    ]
    return created + [InterfaceEvent(DELETE, START + timedelta(hours=1), "eni-0")]


def test_records_read_back_as_the_eni_that_was_created_and_deleted() -> None:
    created = lookup_item(_events(1)[0], "123456789012", "us-east-1")
    [row] = event_rows(created)
    assert (row["network_interface_id"], row["private_ip_address"], row["interface_type"]) == (
        "eni-0",
        "10.0.1.220",
        "lambda",
    )
    assert (row["description"], row["security_group_ids"], row["requester_managed"]) == (
        ENI["Description"],
        "sg-1",
        True,
    )
    deleted = lookup_item(_events(1)[-1], "123456789012", "us-east-1")
    assert event_rows(deleted) == [
        {
            "event_time": START + timedelta(hours=1),
            "event_name": DELETE,
            "event_id": deleted["EventId"],
            "network_interface_id": "eni-0",
        }
    ]
