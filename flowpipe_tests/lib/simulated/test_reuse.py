"""The reused address: each owner's ENI holds the same private address in moto, one after the other, and the
traffic comes from whoever held it at each start."""

from datetime import UTC, datetime, timedelta

import boto3
import pytest

from flowpipe.lib.simulated.account import build_account
from flowpipe.lib.simulated.reuse import hand_over, reuse_traffic

DELETED = datetime(2026, 3, 14, 20, tzinfo=UTC)


@pytest.fixture
def handed_over(aws):
    model = build_account()
    hours = [DELETED + timedelta(hours=n) for n in (1, 2, 3)]
    return model, hand_over(model, DELETED, (hours[0], hours[1]), hours[2])


def test_the_address_is_held_by_the_task_eni_and_the_lambda_eni_is_gone(handed_over) -> None:
    model, reuse = handed_over
    enis = boto3.client("ec2").describe_network_interfaces(
        Filters=[{"Name": "addresses.private-ip-address", "Values": [reuse.ip]}]
    )["NetworkInterfaces"]
    assert [eni["NetworkInterfaceId"] for eni in enis] == [reuse.holdings[-1].endpoint.interface_id]
    assert reuse.ip == model.by_type("lambda:function")[0].ip
    assert [event.name for event in reuse.events] == [
        "DeleteNetworkInterface", "CreateNetworkInterface", "DeleteNetworkInterface", "CreateNetworkInterface"
    ]  # fmt: skip


def test_owners_follow_each_other_and_nobody_holds_the_address_in_between(handed_over) -> None:
    _, reuse = handed_over
    names = [
        (owner.entity_name if (owner := reuse.owner_at(DELETED + timedelta(minutes=m))) else None)
        for m in (-1, 30, 90, 150, 200)
    ]
    assert names == ["orders-fn", None, "invoice-fn", None, "cart"]


def test_traffic_comes_from_the_owner_at_each_start_and_none_in_the_gaps(handed_over) -> None:
    model, reuse = handed_over
    starts = [
        DELETED - timedelta(hours=1),
        DELETED + timedelta(minutes=30),
        DELETED + timedelta(minutes=90),
        DELETED + timedelta(hours=4),
    ]
    truth = reuse_traffic(model, reuse, DELETED.date(), starts).exchanges
    assert list(zip(truth.client_name, truth.server_name, strict=True)) == [
        ("orders-fn", "orders-db"), ("invoice-fn", "orders-db"), ("web", "cart")
    ]  # fmt: skip
