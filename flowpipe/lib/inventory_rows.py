"""API responses flattened into inventory rows: one dict per resource (or per address), lists comma-joined.

Pure functions over the shapes the describe/list calls return, so they are testable on literal dicts.
"""

from collections.abc import Callable
from typing import Any, NamedTuple

import pyarrow as pa

from flowpipe.lib import inventory_service_rows as rows
from flowpipe.lib.inventory_events import EVENT_COLUMNS, EVENTS_TABLE
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


def _instance_rows(reservation: dict) -> list[dict]:
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


def _subnet_rows(subnet: dict) -> list[dict]:
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


def _vpc_rows(vpc: dict) -> list[dict]:
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


def _file_system_rows(file_system: dict) -> list[dict]:
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


def _load_balancer_rows(balancer: dict) -> list[dict]:
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


def _rds_rows(db: dict) -> list[dict]:
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


def _lambda_rows(function: dict) -> list[dict]:
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


def _nat_gateway_rows(nat: dict) -> list[dict]:
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


def _vpc_endpoint_rows(endpoint: dict) -> list[dict]:
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


def _strings(*names: str) -> list[tuple[str, pa.DataType]]:
    return [(name, pa.string()) for name in names]


# Resource columns per table (after snapshot_time, account_id, region).
TABLE_COLUMNS: dict[str, list[tuple[str, pa.DataType]]] = {
    "inventory_network_interfaces": _strings("network_interface_id", "private_ip_address")
    + [("is_primary", pa.bool_())]
    + _strings("public_ip", "ipv6_addresses", "interface_type", "requester_id")
    + [("requester_managed", pa.bool_())]
    + _strings(
        "description",
        "status",
        "attachment_instance_id",
        "attachment_instance_owner_id",
        "subnet_id",
        "vpc_id",
        "availability_zone",
        "security_group_ids",
        "owner_id",
        "name",
        "tags",
    ),
    "inventory_instances": _strings(
        "instance_id",
        "name",
        "instance_type",
        "state",
        "subnet_id",
        "vpc_id",
        "availability_zone",
        "private_ip_address",
        "public_ip_address",
        "security_group_ids",
        "tags",
    ),
    "inventory_subnets": _strings(
        "subnet_id",
        "vpc_id",
        "cidr_block",
        "ipv6_cidr_blocks",
        "availability_zone",
        "availability_zone_id",
        "name",
        "tags",
    ),
    "inventory_vpcs": _strings("vpc_id", "cidr_block", "cidr_blocks", "ipv6_cidr_blocks")
    + [("is_default", pa.bool_())]
    + _strings("name", "tags"),
    "inventory_efs_file_systems": _strings(
        "file_system_id", "file_system_arn", "name", "life_cycle_state", "tags"
    ),
    "inventory_efs_mount_targets": _strings(
        "mount_target_id",
        "file_system_id",
        "ip_address",
        "network_interface_id",
        "subnet_id",
        "vpc_id",
        "availability_zone",
        "availability_zone_id",
        "life_cycle_state",
    ),
    "inventory_load_balancers": _strings(
        "load_balancer_arn",
        "load_balancer_name",
        "type",
        "scheme",
        "vpc_id",
        "dns_name",
        "availability_zones",
        "subnet_ids",
        "security_group_ids",
        "state",
    ),
    "inventory_rds_instances": _strings("db_instance_identifier", "db_instance_arn", "engine")
    + [("port", pa.int32())]
    + _strings(
        "endpoint_address",
        "vpc_id",
        "vpc_security_group_ids",
        "db_subnet_group_name",
        "subnet_ids",
        "availability_zone",
        "status",
        "tags",
    ),
    "inventory_lambda_functions": _strings(
        "function_name", "function_arn", "runtime", "vpc_id", "subnet_ids", "security_group_ids"
    ),
    "inventory_nat_gateways": _strings(
        "nat_gateway_id", "network_interface_id", "private_ip", "public_ip", "allocation_id"
    )
    + [("is_primary", pa.bool_())]
    + _strings("subnet_id", "vpc_id", "connectivity_type", "state", "name", "tags"),
    "inventory_vpc_endpoints": _strings(
        "vpc_endpoint_id",
        "vpc_endpoint_type",
        "service_name",
        "vpc_id",
        "state",
        "network_interface_ids",
        "subnet_ids",
        "name",
        "tags",
    ),
    "inventory_elastic_ips": _strings(
        "public_ip",
        "allocation_id",
        "association_id",
        "domain",
        "instance_id",
        "network_interface_id",
        "network_interface_owner_id",
        "private_ip_address",
        "name",
        "tags",
    ),
    "inventory_internet_gateways": _strings("internet_gateway_id", "vpc_ids", "owner_id", "name", "tags"),
    "inventory_vpc_peering_connections": _strings(
        "vpc_peering_connection_id",
        "status",
        "requester_vpc_id",
        "requester_owner_id",
        "requester_region",
        "requester_cidr_blocks",
        "accepter_vpc_id",
        "accepter_owner_id",
        "accepter_region",
        "accepter_cidr_blocks",
        "name",
        "tags",
    ),
    "inventory_transit_gateway_attachments": _strings(
        "transit_gateway_attachment_id",
        "transit_gateway_id",
        "transit_gateway_owner_id",
        "resource_type",
        "resource_id",
        "resource_owner_id",
        "state",
        "name",
        "tags",
    ),
    "inventory_managed_prefix_lists": _strings(
        "prefix_list_id",
        "prefix_list_name",
        "prefix_list_arn",
        "address_family",
        "owner_id",
        "name",
        "tags",
        "cidr",
        "entry_description",
    ),
    "inventory_ecs_tasks": _strings(
        "task_arn",
        "cluster_arn",
        "group",
        "service_name",
        "task_definition_arn",
        "launch_type",
        "last_status",
        "availability_zone",
        "tags",
        "attachment_id",
        "network_interface_id",
        "private_ip_address",
        "subnet_id",
    ),
    "inventory_elasticache_clusters": _strings(
        "cache_cluster_id",
        "arn",
        "engine",
        "cache_node_type",
        "status",
        "replication_group_id",
        "cache_subnet_group_name",
        "security_group_ids",
        "preferred_availability_zone",
        "node_endpoints",
        "configuration_endpoint",
    ),
    "inventory_rds_clusters": _strings("db_cluster_identifier", "db_cluster_arn", "engine")
    + [("port", pa.int32())]
    + _strings(
        "endpoint_address",
        "reader_endpoint_address",
        "db_subnet_group_name",
        "vpc_security_group_ids",
        "member_instance_ids",
        "status",
        "tags",
    ),
    "inventory_rds_proxies": _strings(
        "db_proxy_name",
        "db_proxy_arn",
        "engine_family",
        "vpc_id",
        "vpc_security_group_ids",
        "vpc_subnet_ids",
        "endpoint_address",
        "status",
    ),
    "inventory_classic_load_balancers": _strings(
        "load_balancer_name",
        "dns_name",
        "scheme",
        "vpc_id",
        "availability_zones",
        "subnet_ids",
        "security_group_ids",
        "instance_ids",
        "listener_ports",
    ),
    "inventory_lb_targets": _strings("load_balancer_name", "load_balancer_arn", "load_balancer_type")
    + [("listener_port", pa.int32())]
    + _strings(
        "listener_protocol", "target_group_name", "target_group_arn", "target_type", "target_id", "target_ip"
    )
    + [("target_port", pa.int32())]
    + _strings("target_availability_zone", "health_state"),
    # CloudTrail's CreateNetworkInterface / DeleteNetworkInterface (inventory_events), when they are read
    EVENTS_TABLE: EVENT_COLUMNS,
}


class Source(NamedTuple):
    """One list/describe call whose items flatten into one table (params: the call's fixed arguments)."""

    service: str
    operation: str
    result_key: str
    flatten: Callable[[dict], list[dict]]
    params: dict[str, Any] | None = None


# Tables filled by one call each. Mount targets, prefix list entries, ECS tasks and load balancer targets
# take a call per parent resource: inventory_details.DETAIL_SOURCES.
TABLE_SOURCES: dict[str, Source] = {
    "inventory_network_interfaces": Source(
        "ec2", "describe_network_interfaces", "NetworkInterfaces", network_interface_rows
    ),
    "inventory_instances": Source("ec2", "describe_instances", "Reservations", _instance_rows),
    "inventory_subnets": Source("ec2", "describe_subnets", "Subnets", _subnet_rows),
    "inventory_vpcs": Source("ec2", "describe_vpcs", "Vpcs", _vpc_rows),
    "inventory_nat_gateways": Source("ec2", "describe_nat_gateways", "NatGateways", _nat_gateway_rows),
    "inventory_vpc_endpoints": Source("ec2", "describe_vpc_endpoints", "VpcEndpoints", _vpc_endpoint_rows),
    "inventory_elastic_ips": Source("ec2", "describe_addresses", "Addresses", rows.elastic_ip_rows),
    "inventory_internet_gateways": Source(
        "ec2", "describe_internet_gateways", "InternetGateways", rows.internet_gateway_rows
    ),
    "inventory_vpc_peering_connections": Source(
        "ec2", "describe_vpc_peering_connections", "VpcPeeringConnections", rows.peering_connection_rows
    ),
    "inventory_transit_gateway_attachments": Source(
        "ec2",
        "describe_transit_gateway_attachments",
        "TransitGatewayAttachments",
        rows.transit_gateway_attachment_rows,
    ),
    "inventory_efs_file_systems": Source("efs", "describe_file_systems", "FileSystems", _file_system_rows),
    "inventory_load_balancers": Source(
        "elbv2", "describe_load_balancers", "LoadBalancers", _load_balancer_rows
    ),
    "inventory_classic_load_balancers": Source(
        "elb", "describe_load_balancers", "LoadBalancerDescriptions", rows.classic_load_balancer_rows
    ),
    "inventory_rds_instances": Source("rds", "describe_db_instances", "DBInstances", _rds_rows),
    "inventory_rds_clusters": Source("rds", "describe_db_clusters", "DBClusters", rows.rds_cluster_rows),
    "inventory_rds_proxies": Source("rds", "describe_db_proxies", "DBProxies", rows.rds_proxy_rows),
    "inventory_lambda_functions": Source("lambda", "list_functions", "Functions", _lambda_rows),
    "inventory_elasticache_clusters": Source(
        "elasticache",
        "describe_cache_clusters",
        "CacheClusters",
        rows.cache_cluster_rows,
        {"ShowCacheNodeInfo": True},
    ),
}
