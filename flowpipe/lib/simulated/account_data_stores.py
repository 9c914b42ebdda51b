"""The simulated account's data stores: an EFS file system, an RDS database and its proxy, and an ElastiCache
cluster, each returned as the Endpoints its ENIs give it. moto makes no ENI for RDS, the proxy or the cache
node, so those are created here with AWS's descriptions; the EFS mount targets' ENIs, which moto leaves
undescribed, are given AWS's text.
"""

import json

import boto3

from flowpipe.lib.simulated.account_compute import LAMBDA_TRUST
from flowpipe.lib.simulated.account_model import Endpoint, Subnet, create_eni, make_endpoint, set_description

DB_IDENTIFIER = "orders-db"
FILE_SYSTEM_NAME = "myapp1-efs-general-purpose"
# Idle: no traffic uses these (build_account's idle_endpoints).
CACHE_CLUSTER_ID = "sessions"
PROXY_NAME = "orders-proxy"


def file_system(region: str, subnets: dict[str, Subnet], group_id: str) -> list[Endpoint]:
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
        set_description(
            ec2, interface_id, f"EFS mount target for {file_system_id} ({target['MountTargetId']})"
        )
        endpoints.append(
            make_endpoint(
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


def database(ec2, region: str, subnets: dict[str, Subnet], group_id: str) -> list[Endpoint]:
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
    interface_id, ip = create_eni(ec2, private[0], group_id, "RDSNetworkInterface", 210)
    return [
        make_endpoint(
            private[0], ip, interface_id, "rds:db", DB_IDENTIFIER, DB_IDENTIFIER, requester_managed=True
        )
    ]


def cache_cluster(ec2, region: str, subnets: dict[str, Subnet], group_id: str) -> list[Endpoint]:
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
    interface_id, ip = create_eni(ec2, subnet, group_id, f"ElastiCache {CACHE_CLUSTER_ID}", 230)
    return [
        make_endpoint(
            subnet,
            ip,
            interface_id,
            "elasticache:cluster",
            CACHE_CLUSTER_ID,
            CACHE_CLUSTER_ID,
            requester_managed=True,
        )
    ]


def database_proxy(ec2, region: str, vpc_id: str, subnets: dict[str, Subnet]) -> list[Endpoint]:
    """An RDS proxy with its own security group; moto makes no ENI, AWS describes it "RDSNetworkInterface"."""
    subnet = subnets["private-b"]
    group_id = ec2.create_security_group(GroupName="rds-proxy-sg", Description="rds proxy", VpcId=vpc_id)[
        "GroupId"
    ]
    role_arn = boto3.client("iam", region_name=region).create_role(
        RoleName=f"{PROXY_NAME}-role", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST)
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
    interface_id, ip = create_eni(ec2, subnet, group_id, "RDSNetworkInterface", 240)
    return [
        make_endpoint(subnet, ip, interface_id, "rds:proxy", PROXY_NAME, PROXY_NAME, requester_managed=True)
    ]
