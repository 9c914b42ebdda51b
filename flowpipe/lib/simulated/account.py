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
from datetime import datetime, timedelta

import boto3

from flowpipe.lib.flow_fields import DEFAULT_FORMAT
from flowpipe.lib.simulated.cloudtrail import InterfaceEvent

log = logging.getLogger(__name__)

DEFAULT_BUCKET = "flowpipe-demo-flow-logs"
VPC_CIDR = "10.0.0.0/16"
ALB_NAME = "web-alb"
DB_IDENTIFIER = "orders-db"
FUNCTION_NAME = "orders-fn"
FILE_SYSTEM_NAME = "myapp1-efs-general-purpose"
NAT_NAME = "nat-a"
ENDPOINT_SERVICE = "secretsmanager"
# Resources that carry no traffic, built after the traffic's endpoints so the traffic stays as it was.
BASTION_NAME = "bastion"
CLASSIC_ELB_NAME = "legacy-clb"
CACHE_CLUSTER_ID = "sessions"
ECS_CLUSTER, ECS_SERVICE = "shop", "cart"
PROXY_NAME = "orders-proxy"
PEER_ACCOUNT_ID = "111111111111"
PEER_VPC_CIDR = "172.31.128.0/20"
PEERING_NAME = "shared-services"
PREFIX_LIST_NAME = "corp-offices"
PREFIX_LIST_CIDR = "198.51.100.0/24"
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
    is_public: bool = False


@dataclass(frozen=True)
class NamedNetwork:
    """A CIDR outside the account's VPCs that the cidr book names (a peered VPC, a prefix list entry)."""

    cidr: str
    kind: str  # cidr_book kind: "peered-vpc" or "prefix-list"
    entity_name: str
    entity_id: str  # the peer VPC id, or the prefix list id
    account_id: str


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
    # Addresses of resources that carry no traffic (the traffic model only uses `endpoints`).
    idle_endpoints: tuple[Endpoint, ...] = ()
    networks: tuple[NamedNetwork, ...] = ()
    # CloudTrail's CreateNetworkInterface events of the ENIs built (build_account's built_at), in build order.
    interface_events: tuple[InterfaceEvent, ...] = ()

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
    built_at: datetime | None = None,
) -> AccountModel:
    """Creates the VPC, its workloads and a VPC flow log to S3; returns the model of what exists.

    With `built_at` (when the simulated timeline built the account), the model also holds CloudTrail's
    CreateNetworkInterface event of each ENI, a second apart from then in build order."""
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
    idle = [
        *_bastion(ec2, subnets["public-b"], groups["app"]),
        *_classic_load_balancer(ec2, region, subnets, groups["alb"]),
        *_cache_cluster(ec2, region, subnets, groups["app"]),
        *_ecs_task(ec2, region, account_id, subnets["private-b"], groups["app"]),
        *_database_proxy(ec2, region, vpc_id, subnets),
        *_transit_gateway(ec2, vpc_id, subnets["private-a"], groups["app"]),
    ]
    _listener_targets(region, vpc_id, [e.entity_id for e in endpoints if e.entity_name == "web"])
    networks = (_peering(ec2, vpc_id, region), _prefix_list(ec2, account_id))
    addresses = [endpoint.ip for endpoint in [*endpoints, *idle]]
    if len(set(addresses)) != len(addresses):
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
        idle_endpoints=tuple(idle),
        networks=networks,
        interface_events=_creations(ec2, vpc_id, [*endpoints, *idle], built_at) if built_at else (),
    )


def _creations(ec2, vpc_id: str, endpoints: list[Endpoint], built_at: datetime) -> tuple[InterfaceEvent, ...]:
    """The ENIs' CreateNetworkInterface events, with each ENI as described now. Instances' ENIs have none:
    RunInstances creates them, and CloudTrail records that call, not CreateNetworkInterface."""
    paginator = ec2.get_paginator("describe_network_interfaces")
    pages = paginator.paginate(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])
    described = {eni["NetworkInterfaceId"]: eni for page in pages for eni in page["NetworkInterfaces"]}
    created = {
        endpoint.interface_id: endpoint
        for endpoint in endpoints
        if endpoint.entity_type != "ec2:instance" and endpoint.interface_id in described
    }
    return tuple(
        InterfaceEvent(
            "CreateNetworkInterface",
            built_at + timedelta(seconds=index),
            interface_id,
            described[interface_id],
            endpoint.interface_type,
            endpoint.requester_managed,
        )
        for index, (interface_id, endpoint) in enumerate(created.items())
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


def _bastion(ec2, subnet: Subnet, group_id: str) -> list[Endpoint]:
    """An instance holding an Elastic IP: its private and its public address both name the instance."""
    instance = ec2.run_instances(
        ImageId=_IMAGE_ID,
        InstanceType="t3.micro",
        MinCount=1,
        MaxCount=1,
        SubnetId=subnet.subnet_id,
        SecurityGroupIds=[group_id],
        PrivateIpAddress=str(ipaddress.ip_network(subnet.cidr)[50]),
        TagSpecifications=_name_tag("instance", BASTION_NAME),
    )["Instances"][0]
    address = ec2.allocate_address(Domain="vpc", TagSpecifications=_name_tag("elastic-ip", "bastion-eip"))
    ec2.associate_address(AllocationId=address["AllocationId"], InstanceId=instance["InstanceId"])
    eni = instance["NetworkInterfaces"][0]
    shared = {"instance_id": instance["InstanceId"]}
    return [
        _endpoint(
            subnet, ip, eni["NetworkInterfaceId"], "ec2:instance", BASTION_NAME, instance["InstanceId"], **kw
        )
        for ip, kw in (
            (eni["PrivateIpAddress"], shared),
            (address["PublicIp"], {**shared, "is_public": True}),
        )
    ]


def _classic_load_balancer(ec2, region: str, subnets: dict[str, Subnet], group_id: str) -> list[Endpoint]:
    """moto makes no ENI for a classic ELB; AWS describes its ENIs as "ELB <name>"."""
    subnet = subnets["public-a"]
    boto3.client("elb", region_name=region).create_load_balancer(
        LoadBalancerName=CLASSIC_ELB_NAME,
        Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 8080}],
        Subnets=[subnet.subnet_id],
        SecurityGroups=[group_id],
    )
    interface_id, ip = _create_eni(ec2, subnet, group_id, f"ELB {CLASSIC_ELB_NAME}", 210)
    return [
        _endpoint(
            subnet,
            ip,
            interface_id,
            "elb:classic",
            CLASSIC_ELB_NAME,
            CLASSIC_ELB_NAME,
            requester_managed=True,
        )
    ]


def _cache_cluster(ec2, region: str, subnets: dict[str, Subnet], group_id: str) -> list[Endpoint]:
    """moto makes no cache node ENI; AWS describes it as "ElastiCache <cache cluster id>"."""
    subnet = subnets["private-a"]
    elasticache = boto3.client("elasticache", region_name=region)
    elasticache.create_cache_subnet_group(
        CacheSubnetGroupName="sessions-subnets",
        CacheSubnetGroupDescription="session cache",
        SubnetIds=[subnets["private-a"].subnet_id, subnets["private-b"].subnet_id],
    )
    elasticache.create_cache_cluster(
        CacheClusterId=CACHE_CLUSTER_ID,
        Engine="redis",
        CacheNodeType="cache.t3.micro",
        NumCacheNodes=1,
        CacheSubnetGroupName="sessions-subnets",
        SecurityGroupIds=[group_id],
    )
    interface_id, ip = _create_eni(ec2, subnet, group_id, f"ElastiCache {CACHE_CLUSTER_ID}", 230)
    return [
        _endpoint(
            subnet,
            ip,
            interface_id,
            "elasticache:cluster",
            CACHE_CLUSTER_ID,
            CACHE_CLUSTER_ID,
            requester_managed=True,
        )
    ]


def _ecs_task(ec2, region: str, account_id: str, subnet: Subnet, group_id: str) -> list[Endpoint]:
    """An awsvpc service's task ENI. moto 5.2.5 fails RunTask for awsvpc tasks (AttributeError on the ENI's
    private_dns_name), so the cluster and service exist and the ENI is made as AWS describes it."""
    ecs = boto3.client("ecs", region_name=region)
    ecs.create_cluster(clusterName=ECS_CLUSTER)
    ecs.register_task_definition(
        family=ECS_SERVICE,
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": ECS_SERVICE, "image": "public.ecr.aws/nginx/nginx:latest"}],
    )
    network = {"awsvpcConfiguration": {"subnets": [subnet.subnet_id], "securityGroups": [group_id]}}
    ecs.create_service(
        cluster=ECS_CLUSTER,
        serviceName=ECS_SERVICE,
        taskDefinition=ECS_SERVICE,
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration=network,
    )
    attachment_id = "0c3b5d7e-1f2a-4b6c-8d9e-0a1b2c3d4e5f"  # fixed: rebuilt accounts stay comparable
    description = f"arn:aws:ecs:{region}:{account_id}:attachment/{attachment_id}"
    interface_id, ip = _create_eni(ec2, subnet, group_id, description, 231)
    ec2.create_tags(Resources=[interface_id], Tags=[{"Key": "aws:ecs:serviceName", "Value": ECS_SERVICE}])
    return [
        _endpoint(
            subnet,
            ip,
            interface_id,
            "ecs:task",
            ECS_SERVICE,
            attachment_id,
            interface_type="interface",
            requester_managed=True,
        )
    ]


def _database_proxy(ec2, region: str, vpc_id: str, subnets: dict[str, Subnet]) -> list[Endpoint]:
    """An RDS proxy with its own security group; moto makes no ENI, AWS describes it "RDSNetworkInterface"."""
    subnet = subnets["private-b"]
    group_id = ec2.create_security_group(GroupName="rds-proxy-sg", Description="rds proxy", VpcId=vpc_id)[
        "GroupId"
    ]
    role_arn = boto3.client("iam", region_name=region).create_role(
        RoleName=f"{PROXY_NAME}-role", AssumeRolePolicyDocument=json.dumps(_LAMBDA_TRUST)
    )["Role"]["Arn"]
    boto3.client("rds", region_name=region).create_db_proxy(
        DBProxyName=PROXY_NAME,
        EngineFamily="POSTGRESQL",
        Auth=[
            {"AuthScheme": "SECRETS", "SecretArn": f"arn:aws:secretsmanager:{region}:000000000000:secret:db"}
        ],
        RoleArn=role_arn,
        VpcSubnetIds=[subnets["private-a"].subnet_id, subnet.subnet_id],
        VpcSecurityGroupIds=[group_id],
    )
    interface_id, ip = _create_eni(ec2, subnet, group_id, "RDSNetworkInterface", 240)
    return [_endpoint(subnet, ip, interface_id, "rds:proxy", PROXY_NAME, PROXY_NAME, requester_managed=True)]


def _transit_gateway(ec2, vpc_id: str, subnet: Subnet, group_id: str) -> list[Endpoint]:
    """A VPC attachment of a transit gateway; moto makes no ENI, AWS's has interface type transit_gateway."""
    gateway_id = ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayId"]
    attachment_id = ec2.create_transit_gateway_vpc_attachment(
        TransitGatewayId=gateway_id, VpcId=vpc_id, SubnetIds=[subnet.subnet_id]
    )["TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"]
    description = f"Network Interface for Transit Gateway Attachment {attachment_id}"
    interface_id, ip = _create_eni(ec2, subnet, group_id, description, 250)
    return [
        _endpoint(
            subnet,
            ip,
            interface_id,
            "transit-gateway",
            gateway_id,
            attachment_id,
            interface_type="transit_gateway",
            requester_managed=True,
        )
    ]


def _listener_targets(region: str, vpc_id: str, web_instance_ids: list[str]) -> None:
    """The ALB's port 80 listener forwarding to the web instances on 8080 (for inventory_lb_targets)."""
    elbv2 = boto3.client("elbv2", region_name=region)
    balancer_arn = elbv2.describe_load_balancers(Names=[ALB_NAME])["LoadBalancers"][0]["LoadBalancerArn"]
    group_arn = elbv2.create_target_group(Name="web", Protocol="HTTP", Port=8080, VpcId=vpc_id)[
        "TargetGroups"
    ][0]["TargetGroupArn"]
    elbv2.register_targets(TargetGroupArn=group_arn, Targets=[{"Id": i} for i in web_instance_ids])
    elbv2.create_listener(
        LoadBalancerArn=balancer_arn,
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": group_arn}],
    )


def _peering(ec2, vpc_id: str, region: str) -> NamedNetwork:
    """An active peering with a VPC of another account (moto models the peer account through STS)."""
    credentials = boto3.client("sts", region_name=region).assume_role(
        RoleArn=f"arn:aws:iam::{PEER_ACCOUNT_ID}:role/peer-admin", RoleSessionName="flowpipe-simulation"
    )["Credentials"]
    peer_ec2 = boto3.client(
        "ec2",
        region_name=region,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    peer_vpc_id = peer_ec2.create_vpc(CidrBlock=PEER_VPC_CIDR)["Vpc"]["VpcId"]
    peering_id = ec2.create_vpc_peering_connection(
        VpcId=vpc_id,
        PeerVpcId=peer_vpc_id,
        PeerOwnerId=PEER_ACCOUNT_ID,
        TagSpecifications=_name_tag("vpc-peering-connection", PEERING_NAME),
    )["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    peer_ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=peering_id)
    return NamedNetwork(PEER_VPC_CIDR, "peered-vpc", PEERING_NAME, peer_vpc_id, PEER_ACCOUNT_ID)


def _prefix_list(ec2, account_id: str) -> NamedNetwork:
    prefix_list_id = ec2.create_managed_prefix_list(
        PrefixListName=PREFIX_LIST_NAME,
        AddressFamily="IPv4",
        MaxEntries=5,
        Entries=[{"Cidr": PREFIX_LIST_CIDR, "Description": "head office"}],
    )["PrefixList"]["PrefixListId"]
    return NamedNetwork(PREFIX_LIST_CIDR, "prefix-list", PREFIX_LIST_NAME, prefix_list_id, account_id)
