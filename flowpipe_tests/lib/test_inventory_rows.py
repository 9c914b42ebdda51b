import json

from flowpipe.lib.inventory_rows import nat_gateway_rows, network_interface_rows, vpc_rows


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
