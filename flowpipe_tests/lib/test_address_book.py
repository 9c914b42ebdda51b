import datetime
import io
import ipaddress
import json
import zipfile

import boto3
import pyarrow as pa
import pytest

from flowpipe.lib.address_book import ADDRESS_BOOK_SCHEMA, build_address_book
from flowpipe.lib.inventory import ERRORS_SCHEMA, table_schema, take_inventory
from flowpipe.lib.inventory_events import CREATE, DELETE, EVENTS_TABLE
from flowpipe.lib.simulated.moto_server import MotoServer

LAMBDA_UUID = "3f6b9f0e-5c2a-4b8e-9d1a-2b7c8e9f0a1b"


def _tags(resource_type: str, name: str) -> list[dict]:
    return [{"ResourceType": resource_type, "Tags": [{"Key": "Name", "Value": name}]}]


def _eni(ec2, subnet: str, description: str, groups: list[str]) -> str:
    """A requester-managed ENI at the subnet's next address from .100: without one moto picks a random
    address, which can be one its instances or mount targets already hold."""
    cidr = ipaddress.ip_network(ec2.describe_subnets(SubnetIds=[subnet])["Subnets"][0]["CidrBlock"])
    taken = {eni["PrivateIpAddress"] for eni in ec2.describe_network_interfaces()["NetworkInterfaces"]}
    ip = next(str(cidr[host]) for host in range(100, cidr.num_addresses - 1) if str(cidr[host]) not in taken)
    eni = ec2.create_network_interface(
        SubnetId=subnet, Description=description, Groups=groups, PrivateIpAddress=ip
    )
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


def _snapshot(taken: datetime.datetime, enis: list[tuple[str, str, str]], events: list[dict] = ()) -> dict:
    """Inventory tables of one snapshot: (eni id, address, Lambda function) ENIs and CloudTrail rows."""
    place = {"snapshot_time": taken, "account_id": "123456789012", "region": "us-east-1"}
    rows = [
        {
            **place,
            "network_interface_id": eni,
            "private_ip_address": ip,
            "is_primary": True,
            "interface_type": "lambda",
            "description": f"AWS Lambda VPC ENI-{function}-{LAMBDA_UUID}",
            "subnet_id": "subnet-1",
            "availability_zone": "us-east-1a",
        }
        for eni, ip, function in enis
    ]
    return {
        "inventory_network_interfaces": pa.Table.from_pylist(
            rows, schema=table_schema("inventory_network_interfaces")
        ),
        EVENTS_TABLE: pa.Table.from_pylist(
            [{**place, **event} for event in events], schema=table_schema(EVENTS_TABLE)
        ),
    }


def _at(hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 3, 14, hour, minute, tzinfo=datetime.UTC)


def _epoch(moment: datetime.datetime) -> int:
    return int(moment.timestamp())


def test_a_reused_address_has_one_row_per_owner_with_non_overlapping_validity() -> None:
    """Snapshot 1 (18:20) saw fn-a at 10.0.1.20, snapshot 2 (06:20) saw fn-b; CloudTrail (read by the
    second) saw fn-a deleted at 20:00, fn-c created at 21:00 and deleted at 22:00, fn-b created at 23:00."""
    first = build_address_book(_snapshot(_at(18, 20), [("eni-a", "10.0.1.20", "fn-a")]))
    lambda_eni = {"interface_type": "lambda", "is_primary": True, "availability_zone": "us-east-1a"}
    events = [
        {"event_time": _at(20), "event_name": DELETE, "network_interface_id": "eni-a"},
        {
            **lambda_eni,
            "event_time": _at(21),
            "event_name": CREATE,
            "network_interface_id": "eni-c",
            "private_ip_address": "10.0.1.20",
            "description": f"AWS Lambda VPC ENI-fn-c-{LAMBDA_UUID}",
        },
        {"event_time": _at(22), "event_name": DELETE, "network_interface_id": "eni-c"},
        {
            **lambda_eni,
            "event_time": _at(23),
            "event_name": CREATE,
            "network_interface_id": "eni-b",
            "private_ip_address": "10.0.1.20",
            "description": f"AWS Lambda VPC ENI-fn-b-{LAMBDA_UUID}",
        },
    ]
    second = _snapshot(_at(6, 20) + datetime.timedelta(days=1), [("eni-b", "10.0.1.20", "fn-b")], events)
    book = build_address_book(second, first, not_before=_epoch(_at(18))).to_pylist()
    assert [(r["entity_type"], r["entity_name"], r["valid_from"], r["valid_to"]) for r in book] == [
        ("lambda:function", "fn-a", None, _epoch(_at(20))),
        ("lambda:function", "fn-c", _epoch(_at(21)), _epoch(_at(22))),
        ("lambda:function", "fn-b", _epoch(_at(23)), None),
    ]
    assert book[1]["arn"] == "arn:aws:lambda:us-east-1:123456789012:function:fn-c"
    assert book[1]["availability_zone"] == "us-east-1a"


def test_without_cloudtrail_the_owner_changes_at_the_last_snapshot_that_saw_the_old_one() -> None:
    first = build_address_book(_snapshot(_at(18, 20), [("eni-a", "10.0.1.20", "fn-a")]))
    second = _snapshot(_at(6, 20) + datetime.timedelta(days=1), [("eni-b", "10.0.1.20", "fn-b")])
    book = build_address_book(second, first).to_pylist()
    boundary = _epoch(_at(18, 20))
    assert [(r["entity_name"], r["valid_from"], r["valid_to"]) for r in book] == [
        ("fn-a", None, boundary),
        ("fn-b", boundary, None),
    ]


def test_a_window_without_aws_access_keeps_the_owners_the_previous_window_knew() -> None:
    first = build_address_book(_snapshot(_at(18, 20), [("eni-a", "10.0.1.20", "fn-a")]))
    nothing = {"inventory_network_interfaces": table_schema("inventory_network_interfaces").empty_table()}
    errors = pa.Table.from_pylist(
        [{"account_id": "unknown", "region": "us-east-1", "api": "sts:GetCallerIdentity", "error_code": "x"}],
        schema=ERRORS_SCHEMA,
    )
    book = build_address_book(nothing, first, errors=errors).to_pylist()
    assert [(r["entity_name"], r["valid_from"], r["valid_to"]) for r in book] == [("fn-a", None, None)]
