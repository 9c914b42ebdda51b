"""The inventory tables' schemas: each flattener's rows carry exactly its table's columns, in its types."""

import pyarrow as pa

from flowpipe.lib.inventory_rows import nat_gateway_rows, network_interface_rows, rds_rows, vpc_rows
from flowpipe.lib.inventory_schemas import TABLE_COLUMNS
from flowpipe.lib.inventory_service_rows import (
    classic_target_rows,
    ecs_task_rows,
    lb_target_rows,
    prefix_list_entry_rows,
    rds_cluster_rows,
)


def test_detail_rows_have_exactly_their_table_columns() -> None:
    rows = {
        "inventory_managed_prefix_lists": prefix_list_entry_rows(
            {"PrefixListId": "pl-1"}, [{"Cidr": "1.0.0.0/8"}]
        ),
        "inventory_ecs_tasks": ecs_task_rows(
            {"taskArn": "arn:t", "attachments": [{"type": "ElasticNetworkInterface", "details": []}]}
        ),
        "inventory_lb_targets": lb_target_rows({}, None, {}, [{"Target": {"Id": "i-1"}}]),
    }
    for table, [row] in rows.items():
        assert set(row) == {name for name, _ in TABLE_COLUMNS[table]}, table


def test_typed_columns_keep_their_values_through_the_tables_schema() -> None:
    """Booleans and ports as AWS returns them land in bool and int32 columns unchanged (nothing dropped)."""
    rows = {
        "inventory_network_interfaces": network_interface_rows(
            {
                "NetworkInterfaceId": "eni-1",
                "RequesterManaged": True,
                "PrivateIpAddresses": [{"PrivateIpAddress": "10.0.0.5", "Primary": True}],
            }
        ),
        "inventory_vpcs": vpc_rows({"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16", "IsDefault": False}),
        "inventory_rds_instances": rds_rows({"DBInstanceIdentifier": "db", "Endpoint": {"Port": 5432}}),
        "inventory_rds_clusters": rds_cluster_rows({"DBClusterIdentifier": "c", "Port": 3306}),
        "inventory_nat_gateways": nat_gateway_rows(
            {"NatGatewayId": "nat-1", "NatGatewayAddresses": [{"PrivateIp": "10.0.0.6", "IsPrimary": True}]}
        ),
        "inventory_lb_targets": lb_target_rows(
            {"load_balancer_name": "nlb"},
            {"Port": 443, "Protocol": "TLS"},
            {"TargetGroupName": "api", "Port": 9000},
            [{"Target": {"Id": "10.0.1.7"}, "TargetHealth": {"State": "healthy"}}],
        )
        + classic_target_rows(
            {"load_balancer_name": "clb", "listener_ports": "80:8080", "instance_ids": "i-1"}
        ),
    }
    for table, table_rows in rows.items():
        landed = pa.Table.from_pylist(table_rows, schema=pa.schema(TABLE_COLUMNS[table]))
        assert landed.to_pylist() == table_rows, table
