"""The simulated CloudTrail: LookupEvents pages, newest first, whose records flowpipe reads back as AWS's."""

from datetime import UTC, datetime, timedelta

from flowpipe.lib.inventory_events import CREATE, DELETE, event_rows
from flowpipe.lib.simulated.cloudtrail import InterfaceEvent, lookup_pages

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


def test_pages_hold_fifty_events_newest_first_and_chain_by_token() -> None:
    pages = lookup_pages(_events(120), CREATE, "123456789012", "us-east-1")
    assert [len(page["Events"]) for page in pages] == [50, 50, 20]
    assert [page.get("NextToken") for page in pages] == [f"{CREATE}-1", f"{CREATE}-2", None]
    times = [item["EventTime"] for page in pages for item in page["Events"]]
    assert times == sorted(times, reverse=True)


def test_an_event_name_without_events_is_one_empty_page() -> None:
    assert lookup_pages([], DELETE, "123456789012", "us-east-1") == [{"Events": []}]


def test_records_read_back_as_the_eni_that_was_created_and_deleted() -> None:
    [created] = lookup_pages(_events(1), CREATE, "123456789012", "us-east-1")[0]["Events"]
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
    [deleted] = lookup_pages(_events(1), DELETE, "123456789012", "us-east-1")[0]["Events"]
    assert event_rows(deleted) == [
        {
            "event_time": START + timedelta(hours=1),
            "event_name": DELETE,
            "event_id": deleted["EventId"],
            "network_interface_id": "eni-0",
        }
    ]
