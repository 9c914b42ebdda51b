"""The inventory tables' columns and Arrow types, one list per table, after the snapshot_time, account_id
and region every table starts with.

The lake's shape in one place, apart from the flatteners that fill it: readers that need only the shape
(inventory.table_schema, the address book asset, the lakes tests build) do not import the flatteners.
"""

import pyarrow as pa

from flowpipe.lib.inventory_events import EVENT_COLUMNS, EVENTS_TABLE
from flowpipe.lib.inventory_fields import string_columns

# Resource columns per table (after snapshot_time, account_id, region).
TABLE_COLUMNS: dict[str, list[tuple[str, pa.DataType]]] = {
    "inventory_network_interfaces": string_columns("network_interface_id", "private_ip_address")
    + [("is_primary", pa.bool_())]
    + string_columns("public_ip", "ipv6_addresses", "interface_type", "requester_id")
    + [("requester_managed", pa.bool_())]
    + string_columns(
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
    "inventory_instances": string_columns(
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
    "inventory_subnets": string_columns(
        "subnet_id",
        "vpc_id",
        "cidr_block",
        "ipv6_cidr_blocks",
        "availability_zone",
        "availability_zone_id",
        "name",
        "tags",
    ),
    "inventory_vpcs": string_columns("vpc_id", "cidr_block", "cidr_blocks", "ipv6_cidr_blocks")
    + [("is_default", pa.bool_())]
    + string_columns("name", "tags"),
    "inventory_efs_file_systems": string_columns(
        "file_system_id", "file_system_arn", "name", "life_cycle_state", "tags"
    ),
    "inventory_efs_mount_targets": string_columns(
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
    "inventory_load_balancers": string_columns(
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
    "inventory_rds_instances": string_columns("db_instance_identifier", "db_instance_arn", "engine")
    + [("port", pa.int32())]
    + string_columns(
        "endpoint_address",
        "vpc_id",
        "vpc_security_group_ids",
        "db_subnet_group_name",
        "subnet_ids",
        "availability_zone",
        "status",
        "tags",
    ),
    "inventory_lambda_functions": string_columns(
        "function_name", "function_arn", "runtime", "vpc_id", "subnet_ids", "security_group_ids"
    ),
    "inventory_nat_gateways": string_columns(
        "nat_gateway_id", "network_interface_id", "private_ip", "public_ip", "allocation_id"
    )
    + [("is_primary", pa.bool_())]
    + string_columns("subnet_id", "vpc_id", "connectivity_type", "state", "name", "tags"),
    "inventory_vpc_endpoints": string_columns(
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
    "inventory_elastic_ips": string_columns(
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
    "inventory_internet_gateways": string_columns(
        "internet_gateway_id", "vpc_ids", "owner_id", "name", "tags"
    ),
    "inventory_vpc_peering_connections": string_columns(
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
    "inventory_transit_gateway_attachments": string_columns(
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
    "inventory_managed_prefix_lists": string_columns(
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
    "inventory_ecs_tasks": string_columns(
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
    "inventory_elasticache_clusters": string_columns(
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
    "inventory_rds_clusters": string_columns("db_cluster_identifier", "db_cluster_arn", "engine")
    + [("port", pa.int32())]
    + string_columns(
        "endpoint_address",
        "reader_endpoint_address",
        "db_subnet_group_name",
        "vpc_security_group_ids",
        "member_instance_ids",
        "status",
        "tags",
    ),
    "inventory_rds_proxies": string_columns(
        "db_proxy_name",
        "db_proxy_arn",
        "engine_family",
        "vpc_id",
        "vpc_security_group_ids",
        "vpc_subnet_ids",
        "endpoint_address",
        "status",
    ),
    "inventory_classic_load_balancers": string_columns(
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
    "inventory_lb_targets": string_columns("load_balancer_name", "load_balancer_arn", "load_balancer_type")
    + [("listener_port", pa.int32())]
    + string_columns(
        "listener_protocol", "target_group_name", "target_group_arn", "target_type", "target_id", "target_ip"
    )
    + [("target_port", pa.int32())]
    + string_columns("target_availability_zone", "health_state"),
    # CloudTrail's CreateNetworkInterface / DeleteNetworkInterface (inventory_events), when they are read
    EVENTS_TABLE: EVENT_COLUMNS,
}
