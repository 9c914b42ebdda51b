"""Builds the simulated AWS account in the moto server and describes what it built.

Everything is created with plain boto3 clients (the standard AWS settings point them at moto), so the
inventory code later reads it back through the same describe_* calls it uses against AWS. This module lays
out the VPC, its subnets and security groups, calls the per-service creators (account_compute,
account_data_stores, account_network) in a fixed order, and turns on the VPC flow log to S3.
"""

import logging
from datetime import datetime, timedelta

import boto3

from flowpipe.lib.flow_fields import DEFAULT_FORMAT
from flowpipe.lib.simulated import account_compute as compute
from flowpipe.lib.simulated import account_data_stores as data_stores
from flowpipe.lib.simulated import account_network as network
from flowpipe.lib.simulated.account_model import AccountModel, Endpoint, Subnet, name_tag
from flowpipe.lib.simulated.cloudtrail import InterfaceEvent

log = logging.getLogger(__name__)

DEFAULT_BUCKET = "flowpipe-demo-flow-logs"
VPC_CIDR = "10.0.0.0/16"
# subnet key -> (cidr, availability zone letter)
_SUBNETS = {
    "private-a": ("10.0.1.0/24", "a"),
    "private-b": ("10.0.2.0/24", "b"),
    "public-a": ("10.0.101.0/24", "a"),
    "public-b": ("10.0.102.0/24", "b"),
}


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
    vpc_id = ec2.create_vpc(CidrBlock=VPC_CIDR, TagSpecifications=name_tag("vpc", "flowpipe-demo"))["Vpc"][
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
        *compute.instances(ec2, subnets, groups["app"]),
        *data_stores.file_system(region, subnets, groups["efs"]),
        *network.load_balancer(ec2, region, subnets, groups["alb"]),
        *data_stores.database(ec2, region, subnets, groups["rds"]),
        *compute.function(ec2, region, subnets, groups["lambda"]),
        *network.nat_gateway(ec2, subnets),
        *network.vpc_endpoints(ec2, vpc_id, region, subnets, groups["endpoint"]),
    ]
    # Resources that carry no traffic, built after the traffic's endpoints so the traffic stays as it was.
    idle = [
        *compute.bastion(ec2, subnets["public-b"], groups["app"]),
        *network.classic_load_balancer(ec2, region, subnets, groups["alb"]),
        *data_stores.cache_cluster(ec2, region, subnets, groups["app"]),
        *compute.ecs_task(ec2, region, account_id, subnets["private-b"], groups["app"]),
        *data_stores.database_proxy(ec2, region, vpc_id, subnets),
        *network.transit_gateway(ec2, vpc_id, subnets["private-a"], groups["app"]),
    ]
    network.listener_targets(region, vpc_id, [e.entity_id for e in endpoints if e.entity_name == "web"])
    networks = (network.peering(ec2, vpc_id, region), network.prefix_list(ec2, account_id))
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


def _create_subnet(ec2, vpc_id: str, key: str, region: str) -> Subnet:
    cidr, zone_letter = _SUBNETS[key]
    subnet = ec2.create_subnet(
        VpcId=vpc_id,
        CidrBlock=cidr,
        AvailabilityZone=f"{region}{zone_letter}",
        TagSpecifications=name_tag("subnet", key),
    )["Subnet"]
    return Subnet(
        subnet_id=subnet["SubnetId"],
        name=key,
        cidr=cidr,
        availability_zone=subnet["AvailabilityZone"],
        availability_zone_id=subnet["AvailabilityZoneId"],
        public=key.startswith("public"),
    )
