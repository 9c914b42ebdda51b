"""The simulated account exists in moto and reads back as AWS would describe it."""

import re

import boto3

from flowpipe.lib.address_book import build_address_book
from flowpipe.lib.inventory import take_inventory
from flowpipe.lib.simulated.account_model import AccountModel

# The `account` and `ec2` fixtures are in conftest.py: the creators' tests build the same account.


def _enis(ec2) -> dict[str, dict]:
    return {eni["NetworkInterfaceId"]: eni for eni in ec2.describe_network_interfaces()["NetworkInterfaces"]}


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
