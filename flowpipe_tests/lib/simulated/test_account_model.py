"""The model's lookups, and the EC2 helpers the creators share: an Endpoint sits where its subnet is, and an
ENI is made at the host number asked (moto's random addresses could collide with its instances')."""

import boto3

from flowpipe.lib.simulated.account_model import (
    AccountModel,
    Subnet,
    create_eni,
    describe_eni,
    make_endpoint,
    set_description,
)

SUBNET_A = Subnet("subnet-a", "private-a", "10.0.1.0/24", "us-east-1a", "use1-az1", False)
SUBNET_B = Subnet("subnet-b", "public-b", "10.0.102.0/24", "us-east-1b", "use1-az2", True)


def test_an_endpoint_takes_its_subnets_placement() -> None:
    endpoint = make_endpoint(
        SUBNET_B, "10.0.102.9", "eni-1", "rds:db", "orders-db", "orders-db", is_public=True
    )
    assert (endpoint.subnet_id, endpoint.availability_zone, endpoint.availability_zone_id) == (
        "subnet-b",
        "us-east-1b",
        "use1-az2",
    )
    assert (endpoint.entity_name, endpoint.is_public, endpoint.interface_type) == (
        "orders-db",
        True,
        "interface",
    )


def test_the_model_finds_endpoints_by_type_and_name_and_subnets_by_id() -> None:
    web = make_endpoint(SUBNET_A, "10.0.1.5", "eni-1", "ec2:instance", "web", "i-1")
    database = make_endpoint(SUBNET_B, "10.0.102.9", "eni-2", "rds:db", "orders-db", "orders-db")
    model = AccountModel(
        "123456789012",
        "us-east-1",
        "vpc-1",
        "10.0.0.0/16",
        (SUBNET_A, SUBNET_B),
        (web, database),
        "fl-1",
        "b",
    )
    assert model.by_type("rds:db") == (database,)
    assert model.by_name("web") == (web,)
    assert model.by_type("lambda:function") == ()
    assert model.subnet("subnet-b") == SUBNET_B


def test_an_eni_is_made_at_the_host_number_asked_and_relabelled(aws) -> None:
    ec2 = boto3.client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    made = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]
    subnet = Subnet(
        made["SubnetId"], "private-a", "10.0.1.0/24", "us-east-1a", made["AvailabilityZoneId"], False
    )
    group_id = ec2.create_security_group(GroupName="g", Description="g", VpcId=vpc_id)["GroupId"]

    interface_id, ip = create_eni(ec2, subnet, group_id, "RDSNetworkInterface", 210)
    assert ip == "10.0.1.210"
    assert describe_eni(ec2, interface_id)["Description"] == "RDSNetworkInterface"
    set_description(ec2, interface_id, "Interface for NAT Gateway nat-1")
    assert describe_eni(ec2, interface_id)["Description"] == "Interface for NAT Gateway nat-1"
