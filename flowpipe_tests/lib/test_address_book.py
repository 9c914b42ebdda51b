import io
import json
import zipfile

import boto3
import pytest

from flowpipe.lib.address_book import ADDRESS_BOOK_SCHEMA, build_address_book
from flowpipe.lib.inventory import take_inventory
from flowpipe.lib.simulated.moto_server import MotoServer

LAMBDA_UUID = "3f6b9f0e-5c2a-4b8e-9d1a-2b7c8e9f0a1b"


def _tags(resource_type: str, name: str) -> list[dict]:
    return [{"ResourceType": resource_type, "Tags": [{"Key": "Name", "Value": name}]}]


def _eni(ec2, subnet: str, description: str, groups: list[str]) -> str:
    eni = ec2.create_network_interface(SubnetId=subnet, Description=description, Groups=groups)
    return eni["NetworkInterface"]["PrivateIpAddress"]


def _tiny_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


def _build_account() -> dict[str, tuple[str, str]]:
    """A VPC over two AZs, one resource of each kind; returns ip -> expected (entity_type, entity_name)."""
    ec2 = boto3.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet_a = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]
    subnet_b = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24", AvailabilityZone="us-east-1b")["Subnet"]
    a, b = subnet_a["SubnetId"], subnet_b["SubnetId"]
    app_sg = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
    db_sg = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc)["GroupId"]
    expected = {}
    for subnet, name in ((a, "web"), (b, "web"), (b, None)):
        tags = _tags("instance", name) if name else []
        [instance] = ec2.run_instances(
            ImageId="ami-12345678", MinCount=1, MaxCount=1, SubnetId=subnet, TagSpecifications=tags
        )["Instances"]
        expected[instance["PrivateIpAddress"]] = ("ec2:instance", name or instance["InstanceId"])

    efs = boto3.client("efs")
    fs = efs.create_file_system(CreationToken="home", Tags=[{"Key": "Name", "Value": "shared-home"}])
    for subnet in (a, b):
        target = efs.create_mount_target(FileSystemId=fs["FileSystemId"], SubnetId=subnet)
        expected[target["IpAddress"]] = ("efs:mount-target", "shared-home")

    allocation = ec2.allocate_address(Domain="vpc")
    nat = ec2.create_nat_gateway(
        SubnetId=a,
        AllocationId=allocation["AllocationId"],
        TagSpecifications=_tags("natgateway", "egress-nat"),
    )["NatGateway"]
    nat_private = nat["NatGatewayAddresses"][0].get("PrivateIp")
    nat_addresses = ec2.describe_nat_gateways()["NatGateways"][0]["NatGatewayAddresses"][0]
    expected[nat_addresses["PrivateIp"]] = ("nat-gateway", "egress-nat")
    expected[allocation["PublicIp"]] = ("nat-gateway", "egress-nat")
    assert nat_private in (None, nat_addresses["PrivateIp"])

    endpoint = ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName="com.amazonaws.us-east-1.sqs", VpcEndpointType="Interface", SubnetIds=[a]
    )["VpcEndpoint"]
    [endpoint_eni] = ec2.describe_network_interfaces(NetworkInterfaceIds=endpoint["NetworkInterfaceIds"])[
        "NetworkInterfaces"
    ]
    expected[endpoint_eni["PrivateIpAddress"]] = ("vpc-endpoint", "com.amazonaws.us-east-1.sqs")

    elbv2 = boto3.client("elbv2")
    alb = elbv2.create_load_balancer(Name="web-alb", Subnets=[a, b], SecurityGroups=[app_sg])[
        "LoadBalancers"
    ][0]
    alb_id = alb["LoadBalancerArn"].rsplit("/", 1)[1]
    for subnet in (a, b):
        expected[_eni(ec2, subnet, f"ELB app/web-alb/{alb_id}", [app_sg])] = ("elb:application", "web-alb")

    rds = boto3.client("rds")
    rds.create_db_subnet_group(DBSubnetGroupName="db", DBSubnetGroupDescription="db", SubnetIds=[a, b])
    rds.create_db_instance(
        DBInstanceIdentifier="orders-db", Engine="postgres", DBInstanceClass="db.t3.micro",
        AllocatedStorage=20, MasterUsername="admin", MasterUserPassword="password123", DBSubnetGroupName="db",
        VpcSecurityGroupIds=[db_sg], AvailabilityZone="us-east-1a",
    )  # fmt: skip
    expected[_eni(ec2, a, "RDSNetworkInterface", [db_sg])] = ("rds:db", "orders-db")

    role = boto3.client("iam").create_role(
        RoleName="lambda", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []})
    )["Role"]["Arn"]
    boto3.client("lambda").create_function(
        FunctionName="order-sync-v2", Runtime="python3.12", Role=role, Handler="handler.handler",
        Code={"ZipFile": _tiny_zip()}, VpcConfig={"SubnetIds": [b], "SecurityGroupIds": [app_sg]},
    )  # fmt: skip
    description = f"AWS Lambda VPC ENI-order-sync-v2-{LAMBDA_UUID}"
    expected[_eni(ec2, b, description, [app_sg])] = ("lambda:function", "order-sync-v2")
    expected[_eni(ec2, b, "", [app_sg])] = ("eni", None)
    return expected


@pytest.fixture
def book(aws: MotoServer) -> tuple[dict[str, dict], dict[str, tuple[str, str]]]:
    expected = _build_account()
    inventory = take_inventory(["us-east-1"])
    assert inventory.errors.num_rows == 0, inventory.errors.to_pylist()
    table = build_address_book(inventory.tables)
    assert table.schema == ADDRESS_BOOK_SCHEMA
    rows = table.to_pylist()
    assert len({row["ip"] for row in rows}) == len(rows), "one row per ip"
    return {row["ip"]: row for row in rows}, expected


def test_every_address_of_the_account_is_named_per_the_naming_rules(book) -> None:
    rows, expected = book
    named = {ip: (rows[ip]["entity_type"], rows[ip]["entity_name"]) for ip in expected}
    plain_eni = next(ip for ip, (kind, _) in expected.items() if kind == "eni")
    expected[plain_eni] = ("eni", rows[plain_eni]["interface_id"])
    assert named == expected


def test_rows_carry_zone_ids_groups_and_owner_tags(book) -> None:
    rows, expected = book
    web = next(rows[ip] for ip, (kind, name) in expected.items() if name == "web")
    assert web["availability_zone"] in ("us-east-1a", "us-east-1b")
    assert web["availability_zone_id"].startswith("use1-az")
    assert json.loads(web["tags"]) == {"Name": "web"}
    assert web["arn"] == f"arn:aws:ec2:us-east-1:123456789012:instance/{web['entity_id']}"
    assert web["is_public"] is False
    alb = next(rows[ip] for ip, (kind, _) in expected.items() if kind == "elb:application")
    assert alb["arn"].startswith(
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web-alb/"
    )
    assert alb["security_group_ids"].startswith("sg-")
    lambda_row = next(rows[ip] for ip, (kind, _) in expected.items() if kind == "lambda:function")
    assert lambda_row["arn"].endswith(":function:order-sync-v2")


def test_nat_public_address_is_public_and_private_ones_are_not(book) -> None:
    rows, expected = book
    nat = {ip: rows[ip]["is_public"] for ip, (kind, _) in expected.items() if kind == "nat-gateway"}
    assert sorted(nat.values()) == [False, True]
    assert {rows[ip]["entity_id"] for ip in nat} == {next(rows[ip]["entity_id"] for ip in nat)}
