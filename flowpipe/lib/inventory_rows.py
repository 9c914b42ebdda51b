"""The core VPC resources' API responses flattened into inventory rows: ENIs, instances, subnets, VPCs, EFS,
load balancers, RDS instances, Lambda functions, NAT gateways and VPC endpoints; one dict per resource (or
per address), lists comma-joined.

Pure functions over the shapes the describe/list calls return, so they are testable on literal dicts.
"""

from flowpipe.lib.inventory_fields import joined, tags, tags_json


def network_interface_rows(eni: dict) -> list[dict]:
    """One row per private IPv4 address (primary and secondary) of a describe_network_interfaces item."""
    attachment = eni.get("Attachment") or {}
    shared = {
        "network_interface_id": eni["NetworkInterfaceId"],
        "ipv6_addresses": joined(address.get("Ipv6Address") for address in eni.get("Ipv6Addresses", [])),
        "interface_type": eni.get("InterfaceType"),
        "requester_id": eni.get("RequesterId"),
        "requester_managed": eni.get("RequesterManaged"),
        "description": eni.get("Description"),
        "status": eni.get("Status"),
        "attachment_instance_id": attachment.get("InstanceId"),
        "attachment_instance_owner_id": attachment.get("InstanceOwnerId"),
        "subnet_id": eni.get("SubnetId"),
        "vpc_id": eni.get("VpcId"),
        "availability_zone": eni.get("AvailabilityZone"),
        "security_group_ids": joined(group.get("GroupId") for group in eni.get("Groups", [])),
        "owner_id": eni.get("OwnerId"),
        "name": tags(eni.get("TagSet")).get("Name"),
        "tags": tags_json(eni.get("TagSet")),
    }
    addresses = eni.get("PrivateIpAddresses") or [
        {
            "PrivateIpAddress": eni.get("PrivateIpAddress"),
            "Primary": True,
            "Association": eni.get("Association"),
        }
    ]
    return [
        {
            **shared,
            "private_ip_address": address.get("PrivateIpAddress"),
            "is_primary": address.get("Primary"),
            "public_ip": (address.get("Association") or {}).get("PublicIp"),
        }
        for address in addresses
    ]


def instance_rows(reservation: dict) -> list[dict]:
    return [
        {
            "instance_id": instance["InstanceId"],
            "name": tags(instance.get("Tags")).get("Name"),
            "instance_type": instance.get("InstanceType"),
            "state": (instance.get("State") or {}).get("Name"),
            "subnet_id": instance.get("SubnetId"),
            "vpc_id": instance.get("VpcId"),
            "availability_zone": (instance.get("Placement") or {}).get("AvailabilityZone"),
            "private_ip_address": instance.get("PrivateIpAddress"),
            "public_ip_address": instance.get("PublicIpAddress"),
            "security_group_ids": joined(
                group.get("GroupId") for group in instance.get("SecurityGroups", [])
            ),
            "tags": tags_json(instance.get("Tags")),
        }
        for instance in reservation.get("Instances", [])
    ]


def _associated(associations: list[dict] | None, cidr_key: str, state_key: str) -> str | None:
    return joined(
        association.get(cidr_key)
        for association in associations or []
        if (association.get(state_key) or {}).get("State", "associated") in ("associated", "associating")
    )


def subnet_rows(subnet: dict) -> list[dict]:
    ipv6 = _associated(subnet.get("Ipv6CidrBlockAssociationSet"), "Ipv6CidrBlock", "Ipv6CidrBlockState")
    return [
        {
            "subnet_id": subnet["SubnetId"],
            "vpc_id": subnet.get("VpcId"),
            "cidr_block": subnet.get("CidrBlock"),
            "ipv6_cidr_blocks": ipv6,
            "availability_zone": subnet.get("AvailabilityZone"),
            "availability_zone_id": subnet.get("AvailabilityZoneId"),
            "name": tags(subnet.get("Tags")).get("Name"),
            "tags": tags_json(subnet.get("Tags")),
        }
    ]


def vpc_rows(vpc: dict) -> list[dict]:
    ipv4 = _associated(vpc.get("CidrBlockAssociationSet"), "CidrBlock", "CidrBlockState")
    ipv6 = _associated(vpc.get("Ipv6CidrBlockAssociationSet"), "Ipv6CidrBlock", "Ipv6CidrBlockState")
    return [
        {
            "vpc_id": vpc["VpcId"],
            "cidr_block": vpc.get("CidrBlock"),
            "cidr_blocks": ipv4 or vpc.get("CidrBlock"),
            "ipv6_cidr_blocks": ipv6,
            "is_default": vpc.get("IsDefault"),
            "name": tags(vpc.get("Tags")).get("Name"),
            "tags": tags_json(vpc.get("Tags")),
        }
    ]


def file_system_rows(file_system: dict) -> list[dict]:
    return [
        {
            "file_system_id": file_system["FileSystemId"],
            "file_system_arn": file_system.get("FileSystemArn"),
            "name": file_system.get("Name") or tags(file_system.get("Tags")).get("Name"),
            "life_cycle_state": file_system.get("LifeCycleState"),
            "tags": tags_json(file_system.get("Tags")),
        }
    ]


def mount_target_rows(target: dict) -> list[dict]:
    return [
        {
            "mount_target_id": target["MountTargetId"],
            "file_system_id": target.get("FileSystemId"),
            "ip_address": target.get("IpAddress"),
            "network_interface_id": target.get("NetworkInterfaceId"),
            "subnet_id": target.get("SubnetId"),
            "vpc_id": target.get("VpcId"),
            "availability_zone": target.get("AvailabilityZoneName"),
            "availability_zone_id": target.get("AvailabilityZoneId"),
            "life_cycle_state": target.get("LifeCycleState"),
        }
    ]


def load_balancer_rows(balancer: dict) -> list[dict]:
    zones = balancer.get("AvailabilityZones", [])
    return [
        {
            "load_balancer_arn": balancer["LoadBalancerArn"],
            "load_balancer_name": balancer.get("LoadBalancerName"),
            "type": balancer.get("Type"),
            "scheme": balancer.get("Scheme"),
            "vpc_id": balancer.get("VpcId"),
            "dns_name": balancer.get("DNSName"),
            "availability_zones": joined(zone.get("ZoneName") for zone in zones),
            "subnet_ids": joined(zone.get("SubnetId") for zone in zones),
            "security_group_ids": joined(balancer.get("SecurityGroups")),
            "state": (balancer.get("State") or {}).get("Code"),
        }
    ]


def rds_rows(db: dict) -> list[dict]:
    endpoint, subnet_group = db.get("Endpoint") or {}, db.get("DBSubnetGroup") or {}
    return [
        {
            "db_instance_identifier": db["DBInstanceIdentifier"],
            "db_instance_arn": db.get("DBInstanceArn"),
            "engine": db.get("Engine"),
            "port": endpoint.get("Port") or db.get("DbInstancePort"),
            "endpoint_address": endpoint.get("Address"),
            "vpc_id": subnet_group.get("VpcId"),
            "vpc_security_group_ids": joined(
                group.get("VpcSecurityGroupId") for group in db.get("VpcSecurityGroups", [])
            ),
            "db_subnet_group_name": subnet_group.get("DBSubnetGroupName"),
            "subnet_ids": joined(
                subnet.get("SubnetIdentifier") for subnet in subnet_group.get("Subnets", [])
            ),
            "availability_zone": db.get("AvailabilityZone"),
            "status": db.get("DBInstanceStatus"),
            "tags": tags_json(db.get("TagList")),
        }
    ]


def lambda_rows(function: dict) -> list[dict]:
    vpc_config = function.get("VpcConfig") or {}
    return [
        {
            "function_name": function["FunctionName"],
            "function_arn": function.get("FunctionArn"),
            "runtime": function.get("Runtime"),
            "vpc_id": vpc_config.get("VpcId") or None,
            "subnet_ids": joined(vpc_config.get("SubnetIds")),
            "security_group_ids": joined(vpc_config.get("SecurityGroupIds")),
        }
    ]


def nat_gateway_rows(nat: dict) -> list[dict]:
    """One row per address of the NAT gateway (a NAT gateway may hold secondary addresses)."""
    return [
        {
            "nat_gateway_id": nat["NatGatewayId"],
            "network_interface_id": address.get("NetworkInterfaceId"),
            "private_ip": address.get("PrivateIp"),
            "public_ip": address.get("PublicIp"),
            "allocation_id": address.get("AllocationId"),
            "is_primary": address.get("IsPrimary"),
            "subnet_id": nat.get("SubnetId"),
            "vpc_id": nat.get("VpcId"),
            "connectivity_type": nat.get("ConnectivityType"),
            "state": nat.get("State"),
            "name": tags(nat.get("Tags")).get("Name"),
            "tags": tags_json(nat.get("Tags")),
        }
        for address in nat.get("NatGatewayAddresses", [])
    ]


def vpc_endpoint_rows(endpoint: dict) -> list[dict]:
    return [
        {
            "vpc_endpoint_id": endpoint["VpcEndpointId"],
            "vpc_endpoint_type": endpoint.get("VpcEndpointType"),
            "service_name": endpoint.get("ServiceName"),
            "vpc_id": endpoint.get("VpcId"),
            "state": endpoint.get("State"),
            "network_interface_ids": joined(endpoint.get("NetworkInterfaceIds")),
            "subnet_ids": joined(endpoint.get("SubnetIds")),
            "name": tags(endpoint.get("Tags")).get("Name"),
            "tags": tags_json(endpoint.get("Tags")),
        }
    ]
