"""Builds the simulated AWS account in the moto server and describes what it built.

Everything is created with plain boto3 clients (the standard AWS settings point them at moto), so the
inventory code later reads it back through the same describe_* calls it uses against AWS. Where moto makes
no ENI for a service (ALB, RDS, Lambda) the ENIs are created here with the descriptions AWS gives them;
where moto leaves a description empty (EFS, NAT gateway, interface endpoint) it is set to AWS's text.
"""

import io
import ipaddress
import json
import logging
import zipfile
from dataclasses import dataclass

import boto3

from flowpipe.lib.flow_fields import DEFAULT_FORMAT

log = logging.getLogger(__name__)

DEFAULT_BUCKET = "flowpipe-demo-flow-logs"
VPC_CIDR = "10.0.0.0/16"
ALB_NAME = "web-alb"
DB_IDENTIFIER = "orders-db"
FUNCTION_NAME = "orders-fn"
FILE_SYSTEM_NAME = "myapp1-efs-general-purpose"
NAT_NAME = "nat-a"
ENDPOINT_SERVICE = "secretsmanager"
# (Name tag, subnet key): "web" and "app" share names across AZs as an auto scaling group's instances do.
INSTANCES: tuple[tuple[str, str], ...] = (
    ("web", "private-a"),
    ("web", "private-b"),
    ("web", "private-a"),
    ("app", "private-a"),
    ("app", "private-b"),
    ("management-server", "public-a"),
    ("batch-worker", "private-b"),
)
# subnet key -> (cidr, availability zone letter)
_SUBNETS = {
    "private-a": ("10.0.1.0/24", "a"),
    "private-b": ("10.0.2.0/24", "b"),
    "public-a": ("10.0.101.0/24", "a"),
    "public-b": ("10.0.102.0/24", "b"),
}
_IMAGE_ID = "ami-12c6146b"
_LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


@dataclass(frozen=True)
class Subnet:
    subnet_id: str
    name: str  # "private-a"
    cidr: str
    availability_zone: str
    availability_zone_id: str
    public: bool


@dataclass(frozen=True)
class Endpoint:
    """One private address of the VPC and the name the README's naming rules give it.

    `interface_type` and `requester_managed` are what AWS would report for this ENI. moto always reports
    "interface" and False, so they are kept here for tests rather than read back from moto.
    """

    ip: str
    interface_id: str
    entity_type: str
    entity_name: str
    entity_id: str
    subnet_id: str
    availability_zone: str
    availability_zone_id: str
    interface_type: str = "interface"
    requester_managed: bool = False
    instance_id: str | None = None  # the flow log's instance-id field: set only for instance ENIs


@dataclass(frozen=True)
class AccountModel:
    """What build_account created: every endpoint the traffic model may use, and where the logs go."""

    account_id: str
    region: str
    vpc_id: str
    vpc_cidr: str
    subnets: tuple[Subnet, ...]
    endpoints: tuple[Endpoint, ...]
    flow_log_id: str
    flow_log_bucket: str

    def by_type(self, entity_type: str) -> tuple[Endpoint, ...]:
        return tuple(endpoint for endpoint in self.endpoints if endpoint.entity_type == entity_type)

    def by_name(self, entity_name: str) -> tuple[Endpoint, ...]:
        return tuple(endpoint for endpoint in self.endpoints if endpoint.entity_name == entity_name)

    def subnet(self, subnet_id: str) -> Subnet:
        return next(subnet for subnet in self.subnets if subnet.subnet_id == subnet_id)


def ensure_bucket(bucket: str, region: str = "us-east-1") -> None:
    """Creates the bucket unless this account already owns it."""
    s3 = boto3.client("s3", region_name=region)
    if bucket in {entry["Name"] for entry in s3.list_buckets().get("Buckets", [])}:
        return
    if region == "us-east-1":
        s3.create_bucket(Bucket=bucket)
    else:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})


def build_account(
    region: str = "us-east-1",
    *,
    flow_log_bucket: str = DEFAULT_BUCKET,
    flow_log_fields: tuple[str, ...] = DEFAULT_FORMAT,
) -> AccountModel:
    """Creates the VPC, its workloads and a VPC flow log to S3; returns the model of what exists."""
    ec2 = boto3.client("ec2", region_name=region)
    account_id = boto3.client("sts", region_name=region).get_caller_identity()["Account"]
    vpc_id = ec2.create_vpc(CidrBlock=VPC_CIDR, TagSpecifications=_name_tag("vpc", "flowpipe-demo"))["Vpc"][
        "VpcId"
    ]
    igw_id = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)
    subnets = {key: _create_subnet(ec2, vpc_id, key, region) for key in _SUBNETS}
    groups = {
        role: ec2.create_security_group(GroupName=f"{role}-sg", Description=f"{role} servers", VpcId=vpc_id)[
            "GroupId"
        ]
        for role in ("app", "alb", "efs", "rds", "lambda", "endpoint")
    }
    endpoints = [
        *_instances(ec2, subnets, groups["app"]),
        *_file_system(region, subnets, groups["efs"]),
        *_load_balancer(ec2, region, subnets, groups["alb"]),
        *_database(ec2, region, subnets, groups["rds"]),
        *_function(ec2, region, subnets, groups["lambda"]),
        *_nat_gateway(ec2, subnets),
        *_vpc_endpoints(ec2, vpc_id, region, subnets, groups["endpoint"]),
    ]
    if len({endpoint.ip for endpoint in endpoints}) != len(endpoints):
        raise RuntimeError("moto gave two ENIs the same private address; build the account again")
    ensure_bucket(flow_log_bucket, region)
    flow_log_id = ec2.create_flow_logs(
        ResourceIds=[vpc_id],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="s3",
        LogDestination=f"arn:aws:s3:::{flow_log_bucket}",
        LogFormat=" ".join(f"${{{name}}}" for name in flow_log_fields),
    )["FlowLogIds"][0]
    log.info("built simulated account %s: %d endpoints in %s", account_id, len(endpoints), vpc_id)
    return AccountModel(
        account_id=account_id,
        region=region,
        vpc_id=vpc_id,
        vpc_cidr=VPC_CIDR,
        subnets=tuple(subnets.values()),
        endpoints=tuple(endpoints),
        flow_log_id=flow_log_id,
        flow_log_bucket=flow_log_bucket,
    )


def _name_tag(resource_type: str, name: str) -> list[dict]:
    return [{"ResourceType": resource_type, "Tags": [{"Key": "Name", "Value": name}]}]


def _create_subnet(ec2, vpc_id: str, key: str, region: str) -> Subnet:
    cidr, zone_letter = _SUBNETS[key]
    subnet = ec2.create_subnet(
        VpcId=vpc_id,
        CidrBlock=cidr,
        AvailabilityZone=f"{region}{zone_letter}",
        TagSpecifications=_name_tag("subnet", key),
    )["Subnet"]
    return Subnet(
        subnet_id=subnet["SubnetId"],
        name=key,
        cidr=cidr,
        availability_zone=subnet["AvailabilityZone"],
        availability_zone_id=subnet["AvailabilityZoneId"],
        public=key.startswith("public"),
    )


def _endpoint(subnet: Subnet, ip: str, interface_id: str, entity_type: str, name: str, entity_id: str, **kw):
    return Endpoint(
        ip=ip,
        interface_id=interface_id,
        entity_type=entity_type,
        entity_name=name,
        entity_id=entity_id,
        subnet_id=subnet.subnet_id,
        availability_zone=subnet.availability_zone,
        availability_zone_id=subnet.availability_zone_id,
        **kw,
    )


def _create_eni(ec2, subnet: Subnet, group_id: str, description: str, host: int) -> tuple[str, str]:
    """An ENI at a fixed host number: moto picks random addresses that can collide with its instances'."""
    ip = str(ipaddress.ip_network(subnet.cidr)[host])
    eni = ec2.create_network_interface(
        SubnetId=subnet.subnet_id, Groups=[group_id], Description=description, PrivateIpAddress=ip
    )
    return eni["NetworkInterface"]["NetworkInterfaceId"], eni["NetworkInterface"]["PrivateIpAddress"]


def _describe_eni(ec2, interface_id: str) -> dict:
    return ec2.describe_network_interfaces(NetworkInterfaceIds=[interface_id])["NetworkInterfaces"][0]


def _set_description(ec2, interface_id: str, description: str) -> None:
    ec2.modify_network_interface_attribute(
        NetworkInterfaceId=interface_id, Description={"Value": description}
    )


def _instances(ec2, subnets: dict[str, Subnet], group_id: str) -> list[Endpoint]:
    endpoints = []
    for name, key in INSTANCES:
        instance = ec2.run_instances(
            ImageId=_IMAGE_ID,
            InstanceType="m5.large",
            MinCount=1,
            MaxCount=1,
            SubnetId=subnets[key].subnet_id,
            SecurityGroupIds=[group_id],
            TagSpecifications=_name_tag("instance", name),
        )["Instances"][0]
        eni = instance["NetworkInterfaces"][0]
        endpoints.append(
            _endpoint(
                subnets[key],
                eni["PrivateIpAddress"],
                eni["NetworkInterfaceId"],
                "ec2:instance",
                name,
                instance["InstanceId"],
                instance_id=instance["InstanceId"],
            )
        )
    return endpoints


def _file_system(region: str, subnets: dict[str, Subnet], group_id: str) -> list[Endpoint]:
    efs = boto3.client("efs", region_name=region)
    ec2 = boto3.client("ec2", region_name=region)
    file_system_id = efs.create_file_system(
        CreationToken=FILE_SYSTEM_NAME,
        PerformanceMode="generalPurpose",
        Tags=[{"Key": "Name", "Value": FILE_SYSTEM_NAME}],
    )["FileSystemId"]
    endpoints = []
    for key in ("private-a", "private-b"):
        target = efs.create_mount_target(
            FileSystemId=file_system_id, SubnetId=subnets[key].subnet_id, SecurityGroups=[group_id]
        )
        interface_id = target["NetworkInterfaceId"]
        _set_description(
            ec2, interface_id, f"EFS mount target for {file_system_id} ({target['MountTargetId']})"
        )
        endpoints.append(
            _endpoint(
                subnets[key],
                target["IpAddress"],
                interface_id,
                "efs:mount-target",
                FILE_SYSTEM_NAME,
                file_system_id,
                requester_managed=True,
            )
        )
    return endpoints


def _load_balancer(ec2, region: str, subnets: dict[str, Subnet], group_id: str) -> list[Endpoint]:
    public = [subnets["public-a"], subnets["public-b"]]
    balancer = boto3.client("elbv2", region_name=region).create_load_balancer(
        Name=ALB_NAME,
        Subnets=[subnet.subnet_id for subnet in public],
        SecurityGroups=[group_id],
        Scheme="internet-facing",
        Type="application",
    )["LoadBalancers"][0]
    balancer_id = balancer["LoadBalancerArn"].rsplit("/", 1)[1]
    entity_id = f"app/{ALB_NAME}/{balancer_id}"
    endpoints = []
    for subnet in public:
        interface_id, ip = _create_eni(ec2, subnet, group_id, f"ELB {entity_id}", 200)
        endpoints.append(
            _endpoint(
                subnet, ip, interface_id, "elb:application", ALB_NAME, entity_id, requester_managed=True
            )
        )
    return endpoints


def _database(ec2, region: str, subnets: dict[str, Subnet], group_id: str) -> list[Endpoint]:
    rds = boto3.client("rds", region_name=region)
    private = [subnets["private-a"], subnets["private-b"]]
    rds.create_db_subnet_group(
        DBSubnetGroupName="orders-db-subnets",
        DBSubnetGroupDescription="orders database",
        SubnetIds=[subnet.subnet_id for subnet in private],
    )
    rds.create_db_instance(
        DBInstanceIdentifier=DB_IDENTIFIER,
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        MasterUsername="orders",
        MasterUserPassword="orders-password",
        DBSubnetGroupName="orders-db-subnets",
        VpcSecurityGroupIds=[group_id],
        AvailabilityZone=private[0].availability_zone,
    )
    interface_id, ip = _create_eni(ec2, private[0], group_id, "RDSNetworkInterface", 210)
    return [
        _endpoint(
            private[0], ip, interface_id, "rds:db", DB_IDENTIFIER, DB_IDENTIFIER, requester_managed=True
        )
    ]


def _function(ec2, region: str, subnets: dict[str, Subnet], group_id: str) -> list[Endpoint]:
    role_arn = boto3.client("iam", region_name=region).create_role(
        RoleName=f"{FUNCTION_NAME}-role", AssumeRolePolicyDocument=json.dumps(_LAMBDA_TRUST)
    )["Role"]["Arn"]
    private = [subnets["private-a"], subnets["private-b"]]
    boto3.client("lambda", region_name=region).create_function(
        FunctionName=FUNCTION_NAME,
        Runtime="python3.12",
        Role=role_arn,
        Handler="index.handler",
        Code={"ZipFile": _handler_zip()},
        VpcConfig={"SubnetIds": [subnet.subnet_id for subnet in private], "SecurityGroupIds": [group_id]},
    )
    endpoints = []
    for index, subnet in enumerate(private):
        # AWS appends a random uuid4; a fixed one per subnet keeps rebuilt accounts comparable.
        suffix = f"{index:08x}-5f3a-4c1e-9b7d-0a1b2c3d4e5f"
        interface_id, ip = _create_eni(
            ec2, subnet, group_id, f"AWS Lambda VPC ENI-{FUNCTION_NAME}-{suffix}", 220
        )
        endpoints.append(
            _endpoint(
                subnet,
                ip,
                interface_id,
                "lambda:function",
                FUNCTION_NAME,
                FUNCTION_NAME,
                interface_type="lambda",
                requester_managed=True,
            )
        )
    return endpoints


def _handler_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return {}\n")
    return buffer.getvalue()


def _nat_gateway(ec2, subnets: dict[str, Subnet]) -> list[Endpoint]:
    allocation_id = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(
        SubnetId=subnets["public-a"].subnet_id,
        AllocationId=allocation_id,
        TagSpecifications=_name_tag("natgateway", NAT_NAME),
    )["NatGateway"]
    nat_id = nat["NatGatewayId"]
    interface_id = nat["NatGatewayAddresses"][0]["NetworkInterfaceId"]
    _set_description(ec2, interface_id, f"Interface for NAT Gateway {nat_id}")
    # moto gives this ENI a random 10.x address outside the subnet; flow logs must carry the ENI's own ip.
    ip = _describe_eni(ec2, interface_id)["PrivateIpAddress"]
    return [
        _endpoint(
            subnets["public-a"],
            ip,
            interface_id,
            "nat-gateway",
            NAT_NAME,
            nat_id,
            interface_type="nat_gateway",
            requester_managed=True,
        )
    ]


def _vpc_endpoints(
    ec2, vpc_id: str, region: str, subnets: dict[str, Subnet], group_id: str
) -> list[Endpoint]:
    route_table_id = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])[
        "RouteTables"
    ][0]["RouteTableId"]
    ec2.create_vpc_endpoint(
        VpcId=vpc_id,
        ServiceName=f"com.amazonaws.{region}.s3",
        VpcEndpointType="Gateway",
        RouteTableIds=[route_table_id],
    )
    service_name = f"com.amazonaws.{region}.{ENDPOINT_SERVICE}"
    private = [subnets["private-a"], subnets["private-b"]]
    endpoint = ec2.create_vpc_endpoint(
        VpcId=vpc_id,
        ServiceName=service_name,
        VpcEndpointType="Interface",
        SubnetIds=[subnet.subnet_id for subnet in private],
        SecurityGroupIds=[group_id],
    )["VpcEndpoint"]
    endpoints = []
    for interface_id in endpoint["NetworkInterfaceIds"]:
        eni = _describe_eni(ec2, interface_id)
        _set_description(ec2, interface_id, f"VPC Endpoint Interface {endpoint['VpcEndpointId']}")
        subnet = next(subnet for subnet in private if subnet.subnet_id == eni["SubnetId"])
        endpoints.append(
            _endpoint(
                subnet,
                eni["PrivateIpAddress"],
                interface_id,
                "vpc-endpoint",
                service_name,
                endpoint["VpcEndpointId"],
                interface_type="vpc_endpoint",
                requester_managed=True,
            )
        )
    return endpoints
