import pyarrow as pa
import pytest

from flowpipe.lib.eni_classification import Entity, Lookups, build_lookups, classify_eni
from flowpipe.lib.inventory import table_schema
from flowpipe.lib.inventory_rows import network_interface_rows

ACCOUNT = "123456789012"
REGION = "us-east-1"


def _eni(eni_id: str, description: str = "", **fields: object) -> dict:
    """An item shaped as describe_network_interfaces returns it."""
    return {
        "NetworkInterfaceId": eni_id,
        "Description": description,
        "InterfaceType": "interface",
        "RequesterManaged": False,
        "OwnerId": ACCOUNT,
        "SubnetId": "subnet-0a1b2c3d4e5f60001",
        "VpcId": "vpc-0a1b2c3d4e5f60001",
        "AvailabilityZone": "us-east-1a",
        "Groups": [{"GroupId": "sg-0a1b2c3d4e5f60001", "GroupName": "default"}],
        "PrivateIpAddress": "10.0.1.10",
        "PrivateIpAddresses": [{"Primary": True, "PrivateIpAddress": "10.0.1.10"}],
        "Status": "in-use",
        "TagSet": [],
        **fields,
    }


def _row(eni: dict) -> dict:
    return {**network_interface_rows(eni)[0], "account_id": ACCOUNT, "region": REGION}


def _table(name: str, rows: list[dict]) -> pa.Table:
    schema = table_schema(name)
    return pa.Table.from_pylist(
        [{"account_id": ACCOUNT, "region": REGION, **row} for row in rows], schema=schema
    )


@pytest.fixture(scope="module")
def lookups() -> Lookups:
    return build_lookups(
        {
            "inventory_instances": _table(
                "inventory_instances",
                [
                    {"instance_id": "i-0aaa", "name": "web", "tags": '{"Name": "web"}'},
                    {"instance_id": "i-0bbb", "tags": "{}"},
                ],
            ),
            "inventory_efs_file_systems": _table(
                "inventory_efs_file_systems",
                [{"file_system_id": "fs-0aaa", "name": "shared-home", "file_system_arn": "arn:fs-0aaa"}],
            ),
            "inventory_efs_mount_targets": _table(
                "inventory_efs_mount_targets",
                [
                    {
                        "mount_target_id": "fsmt-0aaa",
                        "file_system_id": "fs-0aaa",
                        "network_interface_id": "eni-0efs",
                    }
                ],
            ),
            "inventory_nat_gateways": _table(
                "inventory_nat_gateways",
                [
                    {"nat_gateway_id": "nat-0aaa", "network_interface_id": "eni-0nat", "name": "egress"},
                    {"nat_gateway_id": "nat-0bbb", "network_interface_id": "eni-0nat2"},
                ],
            ),
            "inventory_vpc_endpoints": _table(
                "inventory_vpc_endpoints",
                [
                    {
                        "vpc_endpoint_id": "vpce-0aaa",
                        "service_name": "com.amazonaws.us-east-1.s3",
                        "network_interface_ids": "eni-0vpce1,eni-0vpce2",
                    },
                    {"vpc_endpoint_id": "vpce-0bbb", "name": "sqs-endpoint", "service_name": "x"},
                ],
            ),
            "inventory_load_balancers": _table(
                "inventory_load_balancers",
                [{"load_balancer_name": "web-alb", "load_balancer_arn": "arn:alb"}],
            ),
            "inventory_rds_instances": _table(
                "inventory_rds_instances",
                [
                    {
                        "db_instance_identifier": "orders-db",
                        "db_instance_arn": "arn:orders-db",
                        "vpc_security_group_ids": "sg-0rds",
                        "subnet_ids": "subnet-0a1b2c3d4e5f60001,subnet-0a1b2c3d4e5f60002",
                    }
                ],
            ),
            "inventory_lambda_functions": _table(
                "inventory_lambda_functions",
                [{"function_name": "order-sync-v2", "function_arn": "arn:order-sync-v2"}],
            ),
        }
    )


ATTACHED = {"Attachment": {"InstanceId": "i-0aaa", "InstanceOwnerId": ACCOUNT, "DeviceIndex": 0}}
UNNAMED_INSTANCE = {"Attachment": {"InstanceId": "i-0bbb", "InstanceOwnerId": ACCOUNT, "DeviceIndex": 0}}
RDS_SG = {"Groups": [{"GroupId": "sg-0rds", "GroupName": "rds"}]}


@pytest.mark.parametrize(
    ("eni", "expected"),
    [
        pytest.param(
            _eni("eni-0i", "Primary network interface", **ATTACHED),
            Entity("ec2:instance", "web", "i-0aaa", f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/i-0aaa"),
            id="instance-name-tag",
        ),
        pytest.param(
            _eni("eni-0j", "", **UNNAMED_INSTANCE),
            Entity("ec2:instance", "i-0bbb", "i-0bbb", f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/i-0bbb"),
            id="instance-without-name-tag",
        ),
        pytest.param(
            _eni("eni-0efs"),
            Entity("efs:mount-target", "shared-home", "fs-0aaa", "arn:fs-0aaa"),
            id="efs-by-api",
        ),
        pytest.param(
            _eni("eni-0e2", "EFS mount target for fs-0ccc (fsmt-0ccc)", InterfaceType="efs"),
            Entity(
                "efs:mount-target",
                "fs-0ccc",
                "fs-0ccc",
                f"arn:aws:elasticfilesystem:{REGION}:{ACCOUNT}:file-system/fs-0ccc",
            ),
            id="efs-by-description",
        ),  # fmt: skip
        pytest.param(
            _eni(
                "eni-0alb",
                "ELB app/web-alb/50dc6c495c0c9188",
                RequesterId="amazon-elb",
                RequesterManaged=True,
            ),
            Entity("elb:application", "web-alb", "app/web-alb/50dc6c495c0c9188", "arn:alb"),
            id="alb",
        ),
        pytest.param(
            _eni("eni-0nlb", "ELB net/tcp-nlb/8f2e1c9a7b3d4e5f", InterfaceType="network_load_balancer"),
            Entity(
                "elb:network",
                "tcp-nlb",
                "net/tcp-nlb/8f2e1c9a7b3d4e5f",
                f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/net/tcp-nlb/8f2e1c9a7b3d4e5f",
            ),
            id="nlb",
        ),  # fmt: skip
        pytest.param(
            _eni("eni-0clb", "ELB legacy-web", RequesterId="amazon-elb", RequesterManaged=True),
            Entity(
                "elb:classic",
                "legacy-web",
                "legacy-web",
                f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/legacy-web",
            ),
            id="classic-elb",
        ),  # fmt: skip
        pytest.param(
            _eni(
                "eni-0rds", "RDSNetworkInterface", RequesterId="amazon-rds", RequesterManaged=True, **RDS_SG
            ),
            Entity("rds:db", "orders-db", "orders-db", "arn:orders-db"),
            id="rds-matched-by-groups-and-subnet",
        ),
        pytest.param(
            _eni("eni-0rds2", "RDSNetworkInterface", RequesterId="amazon-rds", RequesterManaged=True),
            Entity("rds:db", "rds", "eni-0rds2", None),
            id="rds-unmatched",
        ),
        pytest.param(
            _eni(
                "eni-0lam",
                "AWS Lambda VPC ENI-order-sync-v2-3f6b9f0e-5c2a-4b8e-9d1a-2b7c8e9f0a1b",
                InterfaceType="lambda",
                RequesterId="AROAEXAMPLE:order-sync-v2",
                RequesterManaged=True,
            ),
            Entity("lambda:function", "order-sync-v2", "order-sync-v2", "arn:order-sync-v2"),
            id="lambda-hyphenated-name",
        ),  # fmt: skip
        pytest.param(
            _eni("eni-0nat"),
            Entity(
                "nat-gateway", "egress", "nat-0aaa", f"arn:aws:ec2:{REGION}:{ACCOUNT}:natgateway/nat-0aaa"
            ),
            id="nat-by-api",
        ),
        pytest.param(
            _eni(
                "eni-0n2",
                "Interface for NAT Gateway nat-0bbb",
                InterfaceType="nat_gateway",
                RequesterManaged=True,
            ),
            Entity(
                "nat-gateway", "nat-0bbb", "nat-0bbb", f"arn:aws:ec2:{REGION}:{ACCOUNT}:natgateway/nat-0bbb"
            ),
            id="nat-by-description",
        ),
        pytest.param(
            _eni("eni-0vpce2"),
            Entity(
                "vpc-endpoint",
                "com.amazonaws.us-east-1.s3",
                "vpce-0aaa",
                f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc-endpoint/vpce-0aaa",
            ),
            id="vpce-by-api-named-by-service",
        ),  # fmt: skip
        pytest.param(
            _eni(
                "eni-0v3",
                "VPC Endpoint Interface vpce-0bbb",
                InterfaceType="vpc_endpoint",
                RequesterManaged=True,
            ),
            Entity(
                "vpc-endpoint",
                "sqs-endpoint",
                "vpce-0bbb",
                f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc-endpoint/vpce-0bbb",
            ),
            id="vpce-by-description-named-by-tag",
        ),
        pytest.param(
            _eni(
                "eni-0ecs",
                f"arn:aws:ecs:{REGION}:{ACCOUNT}:attachment/1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d",
                TagSet=[{"Key": "aws:ecs:serviceName", "Value": "checkout"}],
            ),
            Entity(
                "ecs:task",
                "checkout",
                "1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d",
                f"arn:aws:ecs:{REGION}:{ACCOUNT}:attachment/1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d",
            ),
            id="ecs-task",
        ),  # fmt: skip
        pytest.param(
            _eni("eni-0tag", "build box", TagSet=[{"Key": "Name", "Value": "bastion-eni"}]),
            Entity(
                "eni", "bastion-eni", "eni-0tag", f"arn:aws:ec2:{REGION}:{ACCOUNT}:network-interface/eni-0tag"
            ),
            id="eni-name-tag",
        ),
        pytest.param(
            _eni("eni-0desc", "manually attached"),
            Entity(
                "eni",
                "manually attached",
                "eni-0desc",
                f"arn:aws:ec2:{REGION}:{ACCOUNT}:network-interface/eni-0desc",
            ),
            id="eni-description",
        ),
        pytest.param(
            _eni("eni-0bare"),
            Entity(
                "eni", "eni-0bare", "eni-0bare", f"arn:aws:ec2:{REGION}:{ACCOUNT}:network-interface/eni-0bare"
            ),
            id="eni-id",
        ),
    ],
)
def test_each_eni_kind_is_named_per_the_naming_rules(eni: dict, expected: Entity, lookups: Lookups) -> None:
    assert classify_eni(_row(eni), lookups) == expected


def test_requester_managed_eni_attached_to_an_instance_is_not_the_instance(lookups: Lookups) -> None:
    eni = _eni("eni-0rm", "", RequesterManaged=True, **ATTACHED)
    assert classify_eni(_row(eni), lookups).entity_type == "eni"


def test_arns_use_the_partition_of_the_region(lookups: Lookups) -> None:
    row = {**_row(_eni("eni-0cn")), "region": "cn-north-1"}
    assert classify_eni(row, lookups).arn == f"arn:aws-cn:ec2:cn-north-1:{ACCOUNT}:network-interface/eni-0cn"


@pytest.fixture(scope="module")
def service_lookups() -> Lookups:
    subnet = "subnet-0a1b2c3d4e5f60001"
    return build_lookups(
        {
            "inventory_rds_instances": _table(
                "inventory_rds_instances",
                [
                    {
                        "db_instance_identifier": "orders-db",
                        "vpc_security_group_ids": "sg-0rds",
                        "subnet_ids": subnet,
                    }
                ],
            ),
            "inventory_rds_proxies": _table(
                "inventory_rds_proxies",
                [
                    {
                        "db_proxy_name": "orders-proxy",
                        "db_proxy_arn": "arn:proxy",
                        "vpc_security_group_ids": "sg-0prx",
                        "vpc_subnet_ids": subnet,
                    }
                ],
            ),
            "inventory_elasticache_clusters": _table(
                "inventory_elasticache_clusters",
                [
                    {
                        "cache_cluster_id": "sessions-0001-001",
                        "replication_group_id": "sessions",
                        "arn": "arn:cc",
                    }
                ],
            ),
            "inventory_transit_gateway_attachments": _table(
                "inventory_transit_gateway_attachments",
                [
                    {
                        "transit_gateway_attachment_id": "tgw-attach-0aaa",
                        "transit_gateway_id": "tgw-0aaa",
                        "name": "core",
                    }
                ],
            ),
            "inventory_ecs_tasks": _table(
                "inventory_ecs_tasks",
                [
                    {
                        "task_arn": "arn:aws:ecs:us-east-1:123456789012:task/shop/0f1e",
                        "service_name": "cart",
                        "attachment_id": "0c3b5d7e-1f2a-4b6c-8d9e-0a1b2c3d4e5f",
                        "network_interface_id": "eni-0other",
                    }
                ],
            ),
        }
    )


ECS_ATTACHMENT = "arn:aws:ecs:us-east-1:123456789012:attachment/0c3b5d7e-1f2a-4b6c-8d9e-0a1b2c3d4e5f"


@pytest.mark.parametrize(
    ("eni", "expected"),
    [
        pytest.param(
            _eni("eni-0p", "RDSNetworkInterface", Groups=[{"GroupId": "sg-0prx"}]),
            ("rds:proxy", "orders-proxy", "orders-proxy"),
            id="rds-proxy-by-its-groups-and-subnets",
        ),
        pytest.param(
            _eni("eni-0d", "RDSNetworkInterface", Groups=[{"GroupId": "sg-0rds"}]),
            ("rds:db", "orders-db", "orders-db"),
            id="rds-db-beside-a-proxy",
        ),
        pytest.param(
            _eni("eni-0c", "ElastiCache sessions-0001-001"),
            ("elasticache:cluster", "sessions", "sessions-0001-001"),
            id="elasticache-node-named-by-its-replication-group",
        ),
        pytest.param(
            _eni("eni-0c2", "ElastiCache unknown-cache"),
            ("elasticache:cluster", "unknown-cache", "unknown-cache"),
            id="elasticache-without-inventory",
        ),
        pytest.param(
            _eni("eni-0t", "Network Interface for Transit Gateway Attachment tgw-attach-0aaa"),
            ("transit-gateway", "core", "tgw-attach-0aaa"),
            id="transit-gateway-by-description",
        ),
        pytest.param(
            _eni("eni-0t2", "", InterfaceType="transit_gateway"),
            ("transit-gateway", "eni-0t2", "eni-0t2"),
            id="transit-gateway-by-interface-type",
        ),
        pytest.param(
            _eni("eni-0e", ECS_ATTACHMENT),
            ("ecs:task", "cart", "0f1e"),
            id="ecs-task-by-attachment-named-by-service",
        ),
    ],
)
def test_service_enis_are_named_by_their_service_inventory(
    eni: dict, expected: tuple, service_lookups: Lookups
) -> None:
    entity = classify_eni(_row(eni), service_lookups)
    assert (entity.entity_type, entity.entity_name, entity.entity_id) == expected


def test_an_unassociated_elastic_ip_is_its_own_entity() -> None:
    row = {"network_interface_id": None, "allocation_id": "eipalloc-0a", "name": "spare", "region": REGION}
    entity = classify_eni(row, Lookups())
    assert entity == Entity(
        "elastic-ip", "spare", "eipalloc-0a", f"arn:aws:ec2:{REGION}::elastic-ip/eipalloc-0a"
    )
