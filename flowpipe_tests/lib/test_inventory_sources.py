"""The single-call catalogue: each flattener yields its table's columns, and every table is filled."""

from flowpipe.lib.inventory_details import DETAIL_SOURCES
from flowpipe.lib.inventory_events import EVENTS_TABLE
from flowpipe.lib.inventory_schemas import TABLE_COLUMNS
from flowpipe.lib.inventory_sources import TABLE_SOURCES


def test_every_source_produces_exactly_its_table_columns_from_a_minimal_item() -> None:
    minimal = {
        "inventory_network_interfaces": {"NetworkInterfaceId": "eni-1"},
        "inventory_instances": {"Instances": [{"InstanceId": "i-1"}]},
        "inventory_subnets": {"SubnetId": "subnet-1"},
        "inventory_vpcs": {"VpcId": "vpc-1"},
        "inventory_nat_gateways": {"NatGatewayId": "nat-1", "NatGatewayAddresses": [{}]},
        "inventory_vpc_endpoints": {"VpcEndpointId": "vpce-1"},
        "inventory_efs_file_systems": {"FileSystemId": "fs-1"},
        "inventory_load_balancers": {"LoadBalancerArn": "arn:lb"},
        "inventory_rds_instances": {"DBInstanceIdentifier": "db"},
        "inventory_lambda_functions": {"FunctionName": "fn"},
        "inventory_elastic_ips": {"PublicIp": "3.3.3.3"},
        "inventory_internet_gateways": {"InternetGatewayId": "igw-1"},
        "inventory_vpc_peering_connections": {"VpcPeeringConnectionId": "pcx-1"},
        "inventory_transit_gateway_attachments": {"TransitGatewayAttachmentId": "tgw-attach-1"},
        "inventory_classic_load_balancers": {"LoadBalancerName": "clb"},
        "inventory_rds_clusters": {"DBClusterIdentifier": "c"},
        "inventory_rds_proxies": {"DBProxyName": "p"},
        "inventory_elasticache_clusters": {"CacheClusterId": "cc"},
    }
    for table, source in TABLE_SOURCES.items():
        [row] = source.flatten(minimal[table])
        assert set(row) == {name for name, _ in TABLE_COLUMNS[table]}, table


def test_every_table_is_filled_by_exactly_one_single_call_source_detail_collector_or_the_events() -> None:
    fillers = [*TABLE_SOURCES, *DETAIL_SOURCES, EVENTS_TABLE]
    assert sorted(fillers) == sorted(TABLE_COLUMNS)
