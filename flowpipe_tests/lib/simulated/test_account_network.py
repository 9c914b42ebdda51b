"""The account's NAT gateway and interface endpoint are named as EC2 describes them, and its peered VPC and
prefix list name the addresses outside the account."""

import ipaddress

from flowpipe.lib.address_book import build_address_book
from flowpipe.lib.address_resolver import resolve_addresses
from flowpipe.lib.inventory import take_inventory
from flowpipe.lib.ip_ranges import build_cidr_book
from flowpipe.lib.simulated.account_model import AccountModel


def test_nat_gateway_and_interface_endpoints_are_named_as_ec2_describes_them(
    account: AccountModel, ec2
) -> None:
    nat = ec2.describe_nat_gateways()["NatGateways"][0]
    vpce = next(
        e for e in ec2.describe_vpc_endpoints()["VpcEndpoints"] if e["VpcEndpointType"] == "Interface"
    )

    (nat_endpoint,) = account.by_type("nat-gateway")
    assert nat_endpoint.interface_id == nat["NatGatewayAddresses"][0]["NetworkInterfaceId"]
    assert (nat_endpoint.entity_name, nat_endpoint.entity_id) == ("nat-a", nat["NatGatewayId"])
    assert {e.interface_id for e in account.by_type("vpc-endpoint")} == set(vpce["NetworkInterfaceIds"])
    assert {e.entity_name for e in account.by_type("vpc-endpoint")} == {vpce["ServiceName"]}


def test_peered_vpc_and_prefix_list_name_addresses_outside_the_account(account: AccountModel) -> None:
    inventory = take_inventory([account.region])
    tables = inventory.tables
    cidrs = build_cidr_book(
        {"prefixes": []},
        tables["inventory_vpcs"],
        tables["inventory_vpc_peering_connections"],
        tables["inventory_managed_prefix_lists"],
    )
    assert tables["inventory_internet_gateways"].column("vpc_ids").to_pylist() == [account.vpc_id]
    book = build_address_book(tables)
    for network in account.networks:
        inside = str(ipaddress.ip_network(network.cidr)[9])
        [row] = resolve_addresses([inside], book, cidrs).to_pylist()
        assert (row["entity_type"], row["entity_name"], row["entity_id"]) == (
            network.kind,
            network.entity_name,
            network.entity_id,
        )
    peered = next(n for n in account.networks if n.kind == "peered-vpc")
    [row] = resolve_addresses([str(ipaddress.ip_network(peered.cidr)[9])], book, cidrs).to_pylist()
    assert (row["account_id"], row["network_kind"], row["is_public"]) == (
        peered.account_id,
        "peered-vpc",
        False,
    )
