"""The simulated account exists in moto and reads back as AWS would describe it."""

import ipaddress
import re
import urllib.request
from collections import Counter
from collections.abc import Iterator

import boto3
import pytest

from flowpipe.lib.address_book import build_address_book
from flowpipe.lib.address_resolver import resolve_addresses
from flowpipe.lib.inventory import take_inventory
from flowpipe.lib.ip_ranges import build_cidr_book
from flowpipe.lib.simulated.account import AccountModel, build_account
from flowpipe.lib.simulated.moto_server import MotoServer, patched_environment


@pytest.fixture(scope="module")
def account(moto_server: MotoServer) -> Iterator[AccountModel]:
    """One account for the module: building it takes seconds, and these tests only read."""
    with patched_environment(moto_server.environment()):
        _reset(moto_server)
        yield build_account()


def _reset(moto_server: MotoServer) -> None:
    request = urllib.request.Request(f"{moto_server.endpoint_url}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=10).close()


@pytest.fixture
def ec2(account: AccountModel, moto_server: MotoServer) -> Iterator:
    with patched_environment(moto_server.environment()):
        yield boto3.client("ec2")


def _enis(ec2) -> dict[str, dict]:
    return {eni["NetworkInterfaceId"]: eni for eni in ec2.describe_network_interfaces()["NetworkInterfaces"]}


def test_instances_share_name_tags_across_two_zones(ec2) -> None:
    instances = [i for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]]
    names = [next(t["Value"] for t in i["Tags"] if t["Key"] == "Name") for i in instances]
    assert Counter(names) == {"web": 3, "app": 2, "management-server": 1, "batch-worker": 1, "bastion": 1}
    web_zones = {
        i["Placement"]["AvailabilityZone"] for i, n in zip(instances, names, strict=True) if n == "web"
    }
    assert web_zones == {"us-east-1a", "us-east-1b"}


def test_every_model_endpoint_is_an_eni_with_its_address_and_subnet(account: AccountModel, ec2) -> None:
    enis = _enis(ec2)
    for endpoint in account.endpoints:
        eni = enis[endpoint.interface_id]
        assert (eni["PrivateIpAddress"], eni["SubnetId"]) == (endpoint.ip, endpoint.subnet_id)
        assert eni["AvailabilityZone"] == endpoint.availability_zone
    assert len({endpoint.ip for endpoint in account.endpoints}) == len(account.endpoints)


def test_service_enis_carry_the_descriptions_aws_gives_them(account: AccountModel, ec2) -> None:
    enis = _enis(ec2)
    arn = boto3.client("elbv2").describe_load_balancers()["LoadBalancers"][0]["LoadBalancerArn"]
    uuid4 = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
    expected = {
        "elb:application": rf"ELB app/web-alb/{arn.rsplit('/', 1)[1]}",
        "rds:db": r"RDSNetworkInterface",
        "lambda:function": rf"AWS Lambda VPC ENI-orders-fn-{uuid4}",
        "efs:mount-target": r"EFS mount target for fs-[0-9a-f]+ \(fsmt-[0-9a-f]+\)",
        "nat-gateway": r"Interface for NAT Gateway nat-[0-9a-f]+",
        "vpc-endpoint": r"VPC Endpoint Interface vpce-[0-9a-f]+",
        "ec2:instance": r"Primary network interface",
    }
    for endpoint in account.endpoints:
        assert re.fullmatch(expected[endpoint.entity_type], enis[endpoint.interface_id]["Description"])


def test_model_names_follow_the_naming_rules_of_the_describe_output(account: AccountModel, ec2) -> None:
    efs = boto3.client("efs")
    file_system = efs.describe_file_systems()["FileSystems"][0]
    targets = efs.describe_mount_targets(FileSystemId=file_system["FileSystemId"])["MountTargets"]
    nat = ec2.describe_nat_gateways()["NatGateways"][0]
    vpce = next(
        e for e in ec2.describe_vpc_endpoints()["VpcEndpoints"] if e["VpcEndpointType"] == "Interface"
    )
    rds = boto3.client("rds").describe_db_instances()["DBInstances"][0]

    mount_targets = account.by_type("efs:mount-target")
    assert {(t["NetworkInterfaceId"], t["IpAddress"]) for t in targets} == {
        (e.interface_id, e.ip) for e in mount_targets
    }
    assert {(e.entity_name, e.entity_id) for e in mount_targets} == {
        (file_system["Name"], file_system["FileSystemId"])
    }
    (nat_endpoint,) = account.by_type("nat-gateway")
    assert nat_endpoint.interface_id == nat["NatGatewayAddresses"][0]["NetworkInterfaceId"]
    assert (nat_endpoint.entity_name, nat_endpoint.entity_id) == ("nat-a", nat["NatGatewayId"])
    assert {e.interface_id for e in account.by_type("vpc-endpoint")} == set(vpce["NetworkInterfaceIds"])
    assert {e.entity_name for e in account.by_type("vpc-endpoint")} == {vpce["ServiceName"]}
    (db_endpoint,) = account.by_type("rds:db")
    db_groups = {g["VpcSecurityGroupId"] for g in rds["VpcSecurityGroups"]}
    assert {g["GroupId"] for g in _enis(ec2)[db_endpoint.interface_id]["Groups"]} == db_groups
    assert db_endpoint.entity_name == rds["DBInstanceIdentifier"] == "orders-db"
    bastion = {e.entity_id for e in account.idle_endpoints if e.entity_type == "ec2:instance"}
    assert {e.entity_id for e in account.by_type("ec2:instance")} | bastion == {
        i["InstanceId"] for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]
    }


def test_subnets_span_two_zones_with_private_and_public_subnets(account: AccountModel) -> None:
    assert {(s.availability_zone, s.public) for s in account.subnets} == {
        (zone, public) for zone in ("us-east-1a", "us-east-1b") for public in (True, False)
    }


def test_the_vpc_flow_log_goes_to_the_bucket(account: AccountModel, ec2) -> None:
    (flow_log,) = ec2.describe_flow_logs()["FlowLogs"]
    assert flow_log["FlowLogId"] == account.flow_log_id
    assert flow_log["ResourceId"] == account.vpc_id
    assert flow_log["LogDestination"] == f"arn:aws:s3:::{account.flow_log_bucket}"


def test_idle_resources_are_named_in_the_address_book_as_the_model_says(account: AccountModel, ec2) -> None:
    """Every address, the traffic's and the idle resources' (EIP, classic ELB, ElastiCache, ECS task, RDS
    proxy, transit gateway), is named by the inventory exactly as the model names it."""
    inventory = take_inventory([account.region])
    assert inventory.errors.to_pylist() == []
    book = {row["ip"]: row for row in build_address_book(inventory.tables).to_pylist()}
    for endpoint in (*account.endpoints, *account.idle_endpoints):
        row = book[endpoint.ip]
        named = (row["entity_type"], row["entity_name"], row["entity_id"], row["is_public"])
        assert named == (endpoint.entity_type, endpoint.entity_name, endpoint.entity_id, endpoint.is_public)
    assert {e.entity_type for e in account.idle_endpoints} >= {
        "elb:classic", "elasticache:cluster", "ecs:task", "rds:proxy", "transit-gateway"
    }  # fmt: skip
    assert any(e.is_public for e in account.idle_endpoints)


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
