"""The flatteners of the address-bearing resources beyond the core VPC ones, on items shaped as AWS
documents each describe call."""

import json

import pytest

from flowpipe.lib.inventory_service_rows import (
    cache_cluster_rows,
    classic_load_balancer_rows,
    classic_target_rows,
    ecs_task_rows,
    elastic_ip_rows,
    lb_target_rows,
    peering_connection_rows,
    prefix_list_entry_rows,
    rds_cluster_rows,
    service_of_group,
)


def test_ecs_task_row_takes_its_eni_from_the_attachment_and_its_name_from_the_group() -> None:
    """describe_tasks item as AWS documents it (moto 5.2.5 cannot run awsvpc tasks)."""
    task = {
        "taskArn": "arn:aws:ecs:us-east-1:123456789012:task/shop/0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        "clusterArn": "arn:aws:ecs:us-east-1:123456789012:cluster/shop",
        "group": "service:cart",
        "launchType": "FARGATE",
        "availabilityZone": "us-east-1b",
        "attachments": [
            {
                "id": "0c3b5d7e-1f2a-4b6c-8d9e-0a1b2c3d4e5f",
                "type": "ElasticNetworkInterface",
                "status": "ATTACHED",
                "details": [
                    {"name": "subnetId", "value": "subnet-0b"},
                    {"name": "networkInterfaceId", "value": "eni-0task"},
                    {"name": "macAddress", "value": "0a:1b:2c:3d:4e:5f"},
                    {"name": "privateIPv4Address", "value": "10.0.2.31"},
                ],
            },
            {"id": "x", "type": "ServiceConnect", "details": []},
        ],
    }
    [row] = ecs_task_rows(task)
    assert (row["service_name"], row["network_interface_id"], row["private_ip_address"]) == (
        "cart",
        "eni-0task",
        "10.0.2.31",
    )
    assert row["attachment_id"] == "0c3b5d7e-1f2a-4b6c-8d9e-0a1b2c3d4e5f"


def test_peering_keeps_every_cidr_of_both_sides() -> None:
    [row] = peering_connection_rows(
        {
            "VpcPeeringConnectionId": "pcx-1",
            "Status": {"Code": "active"},
            "RequesterVpcInfo": {"VpcId": "vpc-a", "OwnerId": "1", "CidrBlock": "10.0.0.0/16"},
            "AccepterVpcInfo": {
                "VpcId": "vpc-b",
                "OwnerId": "2",
                "CidrBlock": "172.31.0.0/16",
                "CidrBlockSet": [{"CidrBlock": "172.31.0.0/16"}, {"CidrBlock": "172.30.0.0/16"}],
                "Ipv6CidrBlockSet": [{"Ipv6CidrBlock": "2600:1f18::/56"}],
            },
        }
    )
    assert row["accepter_cidr_blocks"] == "172.30.0.0/16,172.31.0.0/16,2600:1f18::/56"
    assert (row["requester_cidr_blocks"], row["status"]) == ("10.0.0.0/16", "active")


def test_lb_targets_keep_ip_targets_as_addresses_and_classic_listeners_per_instance() -> None:
    balancer = {"load_balancer_name": "api-nlb", "load_balancer_arn": "arn:nlb", "type": "network"}
    group = {"TargetGroupName": "api", "TargetGroupArn": "arn:tg", "TargetType": "ip", "Port": 9000}
    health = [
        {"Target": {"Id": "10.0.1.77", "Port": 9001, "AvailabilityZone": "us-east-1a"}, "TargetHealth": {}},
        {"Target": {"Id": "10.0.2.78"}, "TargetHealth": {"State": "unhealthy"}},
    ]
    rows = lb_target_rows(balancer, {"Port": 443, "Protocol": "TLS"}, group, health)
    assert [(r["listener_port"], r["target_ip"], r["target_port"], r["health_state"]) for r in rows] == [
        (443, "10.0.1.77", 9001, None),
        (443, "10.0.2.78", 9000, "unhealthy"),
    ]
    classic = {"load_balancer_name": "clb", "listener_ports": "443:8443,80:8080", "instance_ids": "i-1,i-2"}
    assert sorted(
        (r["listener_port"], r["target_id"], r["target_port"]) for r in classic_target_rows(classic)
    ) == [
        (80, "i-1", 8080),
        (80, "i-2", 8080),
        (443, "i-1", 8443),
        (443, "i-2", 8443),
    ]


def test_an_elastic_ip_held_by_a_nat_gateway_has_no_instance_and_keeps_its_eni() -> None:
    """describe_addresses item; moto writes InstanceId "" where AWS omits it."""
    address = {
        "InstanceId": "",
        "PublicIp": "54.210.3.7",
        "AllocationId": "eipalloc-0a1b2c3d",
        "AssociationId": "eipassoc-0f9e8d7c",
        "Domain": "vpc",
        "NetworkInterfaceId": "eni-0nat",
        "NetworkInterfaceOwnerId": "123456789012",
        "PrivateIpAddress": "10.0.0.5",
        "Tags": [{"Key": "Name", "Value": "nat-a-eip"}],
        "PublicIpv4Pool": "amazon",
        "NetworkBorderGroup": "us-east-1",
    }
    [row] = elastic_ip_rows(address)
    assert row["instance_id"] is None
    assert (row["public_ip"], row["network_interface_id"], row["private_ip_address"]) == (
        "54.210.3.7",
        "eni-0nat",
        "10.0.0.5",
    )
    assert (row["name"], row["tags"]) == ("nat-a-eip", '{"Name": "nat-a-eip"}')


@pytest.mark.parametrize(
    ("group", "name"), [("family:nightly-export", "nightly-export"), ("service:cart", "cart"), (None, None)]
)
def test_an_ecs_task_is_named_by_its_service_or_its_family(group: str | None, name: str | None) -> None:
    assert service_of_group(group) == name


def test_an_ecs_task_without_an_eni_attachment_has_no_row() -> None:
    """A bridge-mode EC2 task has no ElasticNetworkInterface attachment: its traffic is the instance's."""
    task = {
        "taskArn": "arn:aws:ecs:us-east-1:123456789012:task/batch/6a5b4c3d2e1f",
        "group": "family:nightly-export",
        "launchType": "EC2",
        "attachments": [],
    }
    assert ecs_task_rows(task) == []


def test_every_cidr_of_a_prefix_list_is_a_row_sharing_the_lists_fields() -> None:
    prefix_list = {
        "PrefixListId": "pl-0partners",
        "AddressFamily": "IPv4",
        "State": "create-complete",
        "PrefixListArn": "arn:aws:ec2:us-east-1:123456789012:prefix-list/pl-0partners",
        "PrefixListName": "partners",
        "MaxEntries": 10,
        "Version": 2,
        "Tags": [{"Key": "owner", "Value": "network"}],
        "OwnerId": "123456789012",
    }
    entries = [
        {"Cidr": "198.51.100.0/24", "Description": "partner A"},
        {"Cidr": "203.0.113.16/28"},
    ]
    rows = prefix_list_entry_rows(prefix_list, entries)
    assert [(row["cidr"], row["entry_description"]) for row in rows] == [
        ("198.51.100.0/24", "partner A"),
        ("203.0.113.16/28", None),
    ]
    assert {(row["prefix_list_id"], row["prefix_list_name"], row["name"]) for row in rows} == {
        ("pl-0partners", "partners", None)
    }
    assert json.loads(rows[0]["tags"]) == {"owner": "network"}
    assert prefix_list_entry_rows(prefix_list, []) == []


def test_a_cache_cluster_lists_each_nodes_endpoint_and_its_configuration_endpoint() -> None:
    """describe_cache_clusters(ShowCacheNodeInfo=True) item of a two-node Memcached cluster."""
    cluster = {
        "CacheClusterId": "sessions",
        "ARN": "arn:aws:elasticache:us-east-1:123456789012:cluster:sessions",
        "ConfigurationEndpoint": {"Address": "sessions.abc123.cfg.use1.cache.amazonaws.com", "Port": 11211},
        "CacheNodeType": "cache.t3.small",
        "Engine": "memcached",
        "CacheClusterStatus": "available",
        "CacheNodes": [
            {
                "CacheNodeId": "0002",
                "Endpoint": {"Address": "sessions.abc123.0002.use1.cache.amazonaws.com", "Port": 11211},
            },
            {
                "CacheNodeId": "0001",
                "Endpoint": {"Address": "sessions.abc123.0001.use1.cache.amazonaws.com", "Port": 11211},
            },
            {"CacheNodeId": "0003", "CacheNodeStatus": "creating"},
        ],
        "CacheSubnetGroupName": "cache-private",
        "SecurityGroups": [
            {"SecurityGroupId": "sg-0cache2", "Status": "active"},
            {"SecurityGroupId": "sg-0cache1", "Status": "active"},
        ],
    }
    [row] = cache_cluster_rows(cluster)
    assert row["node_endpoints"] == (
        "sessions.abc123.0001.use1.cache.amazonaws.com:11211,sessions.abc123.0002.use1.cache.amazonaws.com:11211"
    )
    assert row["configuration_endpoint"] == "sessions.abc123.cfg.use1.cache.amazonaws.com"
    assert row["security_group_ids"] == "sg-0cache1,sg-0cache2"
    assert cache_cluster_rows({"CacheClusterId": "empty"})[0]["node_endpoints"] is None


def test_an_aurora_cluster_keeps_both_endpoints_its_members_and_its_tags() -> None:
    """describe_db_clusters item: Endpoint and ReaderEndpoint are host names, DBSubnetGroup a name."""
    cluster = {
        "DBClusterIdentifier": "orders",
        "DBClusterArn": "arn:aws:rds:us-east-1:123456789012:cluster:orders",
        "Engine": "aurora-postgresql",
        "Port": 5432,
        "Endpoint": "orders.cluster-c1a2b3.us-east-1.rds.amazonaws.com",
        "ReaderEndpoint": "orders.cluster-ro-c1a2b3.us-east-1.rds.amazonaws.com",
        "DBSubnetGroup": "db-private",
        "Status": "available",
        "DBClusterMembers": [
            {"DBInstanceIdentifier": "orders-2", "IsClusterWriter": False},
            {"DBInstanceIdentifier": "orders-1", "IsClusterWriter": True},
        ],
        "VpcSecurityGroups": [{"VpcSecurityGroupId": "sg-0db", "Status": "active"}],
        "TagList": [{"Key": "team", "Value": "orders"}],
    }
    [row] = rds_cluster_rows(cluster)
    assert (row["endpoint_address"], row["reader_endpoint_address"]) == (
        "orders.cluster-c1a2b3.us-east-1.rds.amazonaws.com",
        "orders.cluster-ro-c1a2b3.us-east-1.rds.amazonaws.com",
    )
    assert (row["member_instance_ids"], row["vpc_security_group_ids"]) == ("orders-1,orders-2", "sg-0db")
    assert (row["port"], row["db_subnet_group_name"], row["tags"]) == (
        5432,
        "db-private",
        '{"team": "orders"}',
    )


def test_a_classic_elbs_listeners_reach_every_registered_instance_on_the_instance_port() -> None:
    """describe_load_balancers (elb) item -> its row -> its inventory_lb_targets rows."""
    balancer = {
        "LoadBalancerName": "legacy-web",
        "DNSName": "legacy-web-1234567890.us-east-1.elb.amazonaws.com",
        "ListenerDescriptions": [
            {
                "Listener": {
                    "Protocol": "HTTP",
                    "LoadBalancerPort": 80,
                    "InstanceProtocol": "HTTP",
                    "InstancePort": 8080,
                },
                "PolicyNames": [],
            },
            {
                "Listener": {
                    "Protocol": "TCP",
                    "LoadBalancerPort": 8443,
                    "InstanceProtocol": "TCP",
                    "InstancePort": 443,
                },
                "PolicyNames": [],
            },
        ],
        "Subnets": ["subnet-0b", "subnet-0a"],
        "VPCId": "vpc-0main",
        "Instances": [{"InstanceId": "i-0web1"}, {"InstanceId": "i-0web2"}],
        "AvailabilityZones": ["us-east-1a", "us-east-1b"],
        "SecurityGroups": ["sg-0elb"],
        "Scheme": "internet-facing",
    }
    [row] = classic_load_balancer_rows(balancer)
    assert (row["listener_ports"], row["instance_ids"], row["subnet_ids"]) == (
        "80:8080,8443:443",
        "i-0web1,i-0web2",
        "subnet-0a,subnet-0b",
    )
    targets = classic_target_rows(row)
    assert sorted((t["listener_port"], t["target_id"], t["target_port"]) for t in targets) == [
        (80, "i-0web1", 8080),
        (80, "i-0web2", 8080),
        (8443, "i-0web1", 443),
        (8443, "i-0web2", 443),
    ]
    assert {(t["load_balancer_type"], t["target_type"], t["target_ip"]) for t in targets} == {
        ("classic", "instance", None)
    }


@pytest.mark.parametrize(
    ("target_id", "target_ip"),
    [
        ("i-0123456789abcdef0", None),
        ("arn:aws:lambda:us-east-1:123456789012:function:resize", None),
        ("10.0.3.12", "10.0.3.12"),
        ("2600:1f18:abcd:1::12", "2600:1f18:abcd:1::12"),
    ],
)
def test_only_ip_targets_have_a_target_ip(target_id: str, target_ip: str | None) -> None:
    health = [{"Target": {"Id": target_id}, "TargetHealth": {"State": "healthy"}}]
    [row] = lb_target_rows({"load_balancer_name": "alb"}, None, {"TargetGroupName": "tg"}, health)
    assert (row["target_id"], row["target_ip"], row["listener_port"]) == (target_id, target_ip, None)
