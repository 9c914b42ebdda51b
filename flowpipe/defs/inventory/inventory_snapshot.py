"""inventory_snapshot: every resource the AWS APIs describe, one lake table per kind, for a window."""

import datetime

import dagster as dg

from flowpipe.lib.inventory import ERRORS_TABLE, take_inventory
from flowpipe.lib.resources import AwsInventoryResource, LakeResource
from flowpipe.partitions import single_run, window_partitions, windows_in

# CloudTrail is read from this long before the window: an owner created just before it is then dated.
EVENTS_MARGIN = datetime.timedelta(hours=1)


@dg.asset(
    group_name="inventory",
    kinds={"aws", "parquet"},
    partitions_def=window_partitions,
    backfill_policy=single_run,
)
def inventory_snapshot(
    context: dg.AssetExecutionContext, aws: AwsInventoryResource, lake: LakeResource
) -> dg.MaterializeResult:
    """One row per resource per account and region, as described when the window was materialized: ENI
    addresses, instances, subnets, VPCs, Elastic IPs, internet gateways, peering connections, transit
    gateway attachments, managed prefix lists, EFS, load balancers with listeners and targets, RDS
    instances, clusters and proxies, Lambda functions, ECS tasks, ElastiCache, NAT gateways and VPC
    endpoints.
    CloudTrail's ENI creations and deletions from an hour before the window until the snapshot are
    inventory_network_interface_events, to date the owners of reused addresses.
    Calls that fail are rows of inventory_errors, and the rest still lands. A backfill of many windows
    takes one snapshot and writes it to each of them."""
    the_lake = lake.get()
    inventory = take_inventory(
        aws.regions,
        aws.role_arns or None,
        log=context.log,
        external_id=aws.external_id,
        events_since=context.partition_time_window.start - EVENTS_MARGIN,
    )
    for window in windows_in(context.partition_time_window):
        for name, table in inventory.tables.items():
            the_lake.write_table(name, window.partition, table)
        the_lake.write_table(ERRORS_TABLE, window.partition, inventory.errors)
    if inventory.errors.num_rows:
        context.log.warning(f"{inventory.errors.num_rows} inventory calls failed; see {ERRORS_TABLE}")
    return dg.MaterializeResult(
        metadata={
            **{f"rows_{name}": table.num_rows for name, table in inventory.tables.items()},
            "failed_calls": inventory.errors.num_rows,
            "failed_calls_preview": dg.MetadataValue.md(
                inventory.errors.slice(0, 20).to_pandas().to_markdown(index=False)
                if inventory.errors.num_rows
                else "none"
            ),
        }
    )
