"""The single-call inventory tables: which list/describe call fills each and which flattener turns its items
into rows.

A catalogue apart from the flatteners (inventory_rows, inventory_service_rows) so the snapshot loop reads
it as data; tables needing a call per parent resource are in inventory_details.DETAIL_SOURCES instead.
"""

from collections.abc import Callable
from typing import Any, NamedTuple

from flowpipe.lib import inventory_service_rows as rows
from flowpipe.lib.inventory_rows import (
    file_system_rows,
    instance_rows,
    lambda_rows,
    load_balancer_rows,
    nat_gateway_rows,
    network_interface_rows,
    rds_rows,
    subnet_rows,
    vpc_endpoint_rows,
    vpc_rows,
)


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
    "inventory_instances": Source("ec2", "describe_instances", "Reservations", instance_rows),
    "inventory_subnets": Source("ec2", "describe_subnets", "Subnets", subnet_rows),
    "inventory_vpcs": Source("ec2", "describe_vpcs", "Vpcs", vpc_rows),
    "inventory_nat_gateways": Source("ec2", "describe_nat_gateways", "NatGateways", nat_gateway_rows),
    "inventory_vpc_endpoints": Source("ec2", "describe_vpc_endpoints", "VpcEndpoints", vpc_endpoint_rows),
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
    "inventory_efs_file_systems": Source("efs", "describe_file_systems", "FileSystems", file_system_rows),
    "inventory_load_balancers": Source(
        "elbv2", "describe_load_balancers", "LoadBalancers", load_balancer_rows
    ),
    "inventory_classic_load_balancers": Source(
        "elb", "describe_load_balancers", "LoadBalancerDescriptions", rows.classic_load_balancer_rows
    ),
    "inventory_rds_instances": Source("rds", "describe_db_instances", "DBInstances", rds_rows),
    "inventory_rds_clusters": Source("rds", "describe_db_clusters", "DBClusters", rows.rds_cluster_rows),
    "inventory_rds_proxies": Source("rds", "describe_db_proxies", "DBProxies", rows.rds_proxy_rows),
    "inventory_lambda_functions": Source("lambda", "list_functions", "Functions", lambda_rows),
    "inventory_elasticache_clusters": Source(
        "elasticache",
        "describe_cache_clusters",
        "CacheClusters",
        rows.cache_cluster_rows,
        {"ShowCacheNodeInfo": True},
    ),
}
