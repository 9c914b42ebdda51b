"""The simulated account's compute: EC2 instances (one holding an Elastic IP), a Lambda function in the VPC
and an ECS service's awsvpc task, each returned as the Endpoints its ENIs give it. Where moto makes no ENI
(Lambda, the ECS task), it is created here with the description AWS gives it, so the inventory reads these
back through the same describe_* calls it uses against AWS.
"""

import io
import ipaddress
import json
import zipfile

import boto3

from flowpipe.lib.simulated.account_model import Endpoint, Subnet, create_eni, make_endpoint, name_tag

FUNCTION_NAME = "orders-fn"
# Idle: no traffic uses these (build_account's idle_endpoints).
BASTION_NAME = "bastion"
ECS_CLUSTER, ECS_SERVICE = "shop", "cart"
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
_IMAGE_ID = "ami-12c6146b"
LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


def instances(ec2, subnets: dict[str, Subnet], group_id: str) -> list[Endpoint]:
    endpoints = []
    for name, key in INSTANCES:
        instance = ec2.run_instances(
            ImageId=_IMAGE_ID,
            InstanceType="m5.large",
            MinCount=1,
            MaxCount=1,
            SubnetId=subnets[key].subnet_id,
            SecurityGroupIds=[group_id],
            TagSpecifications=name_tag("instance", name),
        )["Instances"][0]
        eni = instance["NetworkInterfaces"][0]
        endpoints.append(
            make_endpoint(
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


def function(ec2, region: str, subnets: dict[str, Subnet], group_id: str) -> list[Endpoint]:
    role_arn = boto3.client("iam", region_name=region).create_role(
        RoleName=f"{FUNCTION_NAME}-role", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST)
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
        interface_id, ip = create_eni(
            ec2, subnet, group_id, f"AWS Lambda VPC ENI-{FUNCTION_NAME}-{suffix}", 220
        )
        endpoints.append(
            make_endpoint(
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


def bastion(ec2, subnet: Subnet, group_id: str) -> list[Endpoint]:
    """An instance holding an Elastic IP: its private and its public address both name the instance."""
    instance = ec2.run_instances(
        ImageId=_IMAGE_ID,
        InstanceType="t3.micro",
        MinCount=1,
        MaxCount=1,
        SubnetId=subnet.subnet_id,
        SecurityGroupIds=[group_id],
        PrivateIpAddress=str(ipaddress.ip_network(subnet.cidr)[50]),
        TagSpecifications=name_tag("instance", BASTION_NAME),
    )["Instances"][0]
    address = ec2.allocate_address(Domain="vpc", TagSpecifications=name_tag("elastic-ip", "bastion-eip"))
    ec2.associate_address(AllocationId=address["AllocationId"], InstanceId=instance["InstanceId"])
    eni = instance["NetworkInterfaces"][0]
    shared = {"instance_id": instance["InstanceId"]}
    return [
        make_endpoint(
            subnet, ip, eni["NetworkInterfaceId"], "ec2:instance", BASTION_NAME, instance["InstanceId"], **kw
        )
        for ip, kw in (
            (eni["PrivateIpAddress"], shared),
            (address["PublicIp"], {**shared, "is_public": True}),
        )
    ]


def ecs_task(ec2, region: str, account_id: str, subnet: Subnet, group_id: str) -> list[Endpoint]:
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
    interface_id, ip = create_eni(ec2, subnet, group_id, description, 231)
    ec2.create_tags(Resources=[interface_id], Tags=[{"Key": "aws:ecs:serviceName", "Value": ECS_SERVICE}])
    return [
        make_endpoint(
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
