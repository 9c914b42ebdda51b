"""Inventory clients whose CloudTrail answers from the simulated account's ENI events (botocore Stubber:
moto 5.2.5 has no LookupEvents); every other service is the moto server, reached as in production."""

from collections.abc import Callable
from datetime import datetime

import boto3
from botocore.client import BaseClient
from botocore.stub import ANY, Stubber

from flowpipe.lib.inventory import inventory_client
from flowpipe.lib.inventory_events import EVENT_NAMES
from flowpipe.lib.simulated.cloudtrail import InterfaceEvent, lookup_pages


def stub_lookups(client: BaseClient, events: list[InterfaceEvent], account_id: str, region: str) -> Stubber:
    """Queues one paginated lookup per event name, as flowpipe asks for them."""
    stubber = Stubber(client)
    for name in EVENT_NAMES:
        request = {
            "LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": name}],
            "StartTime": ANY,
            "EndTime": ANY,
        }
        token = None
        for page in lookup_pages(events, name, account_id, region):
            stubber.add_response(
                "lookup_events", page, {**request, **({"NextToken": token} if token else {})}
            )
            token = page.get("NextToken")
    stubber.activate()
    return stubber


def cloudtrail_from(
    events: list[InterfaceEvent],
    account_id: str,
    since: datetime,
    stubbers: list[Stubber] | None = None,
    until: datetime | None = None,
) -> Callable[[boto3.Session, str, str], BaseClient]:
    """A make_client for take_inventory: CloudTrail serves the events from `since` (until `until`), the
    rest is moto."""

    def make_client(session: boto3.Session, service: str, region: str) -> BaseClient:
        client = inventory_client(session, service, region)
        if service == "cloudtrail":
            recent = [e for e in events if e.time >= since and (until is None or e.time < until)]
            stubber = stub_lookups(client, recent, account_id, region)
            if stubbers is not None:
                stubbers.append(stubber)
        return client

    return make_client
