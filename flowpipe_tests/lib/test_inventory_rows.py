import json

from flowpipe.lib.inventory_rows import nat_gateway_rows, network_interface_rows, vpc_rows
from flowpipe.lib.inventory_service_rows import (
    classic_target_rows,
    ecs_task_rows,
    lb_target_rows,
    peering_connection_rows,
)


def test_every_private_address_of_an_eni_is_a_row_with_its_own_public_ip() -> None:
    eni = {
        "NetworkInterfaceId": "eni-0a1",
        "Description": "Primary network interface",
        "InterfaceType": "interface",
        "RequesterManaged": False,
        "Attachment": {"InstanceId": "i-0a1", "DeviceIndex": 0},
        "Groups": [{"GroupId": "sg-2"}, {"GroupId": "sg-1"}],
        "PrivateIpAddress": "10.0.1.10",
        "PrivateIpAddresses": [
            {"Primary": True, "PrivateIpAddress": "10.0.1.10", "Association": {"PublicIp": "54.1.2.3"}},
            {"Primary": False, "PrivateIpAddress": "10.0.1.11"},
        ],
        "Ipv6Addresses": [{"Ipv6Address": "2600:1f18::10"}],
        "TagSet": [{"Key": "team", "Value": "web"}, {"Key": "Name", "Value": "web-eni"}],
    }
    rows = network_interface_rows(eni)
    assert [(row["private_ip_address"], row["is_primary"], row["public_ip"]) for row in rows] == [
        ("10.0.1.10", True, "54.1.2.3"),
        ("10.0.1.11", False, None),
    ]
    assert rows[0]["security_group_ids"] == "sg-1,sg-2"
    assert rows[0]["attachment_instance_id"] == "i-0a1"
    assert rows[0]["ipv6_addresses"] == "2600:1f18::10"
    assert rows[0]["name"] == "web-eni"
    assert rows[0]["tags"] == json.dumps({"Name": "web-eni", "team": "web"})


def test_nat_gateway_has_one_row_per_address() -> None:
    nat = {
        "NatGatewayId": "nat-0a1",
        "NatGatewayAddresses": [
            {
                "NetworkInterfaceId": "eni-1",
                "PrivateIp": "10.0.0.5",
                "PublicIp": "3.3.3.3",
                "IsPrimary": True,
            },
            {"NetworkInterfaceId": "eni-1", "PrivateIp": "10.0.0.6", "IsPrimary": False},
        ],
        "Tags": [{"Key": "Name", "Value": "egress"}],
    }
    assert [(row["private_ip"], row["public_ip"], row["name"]) for row in nat_gateway_rows(nat)] == [
        ("10.0.0.5", "3.3.3.3", "egress"),
        ("10.0.0.6", None, "egress"),
    ]


def test_vpc_keeps_every_associated_cidr_and_drops_disassociated_ones() -> None:
    vpc = {
        "VpcId": "vpc-1",
        "CidrBlock": "10.0.0.0/16",
        "CidrBlockAssociationSet": [
            {"CidrBlock": "10.0.0.0/16", "CidrBlockState": {"State": "associated"}},
            {"CidrBlock": "10.1.0.0/16", "CidrBlockState": {"State": "associated"}},
            {"CidrBlock": "10.9.0.0/16", "CidrBlockState": {"State": "disassociated"}},
        ],
        "Ipv6CidrBlockAssociationSet": [
            {"Ipv6CidrBlock": "2600:1f18:1:100::/56", "Ipv6CidrBlockState": {"State": "associated"}}
        ],
    }
    [row] = vpc_rows(vpc)
    assert row["cidr_blocks"] == "10.0.0.0/16,10.1.0.0/16"
    assert row["ipv6_cidr_blocks"] == "2600:1f18:1:100::/56"


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
