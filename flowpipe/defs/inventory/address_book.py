"""address_book: every address the inventory knows, named as its owners would name it."""

import dagster as dg

from flowpipe.lib.address_book import build_address_book
from flowpipe.lib.inventory import TABLE_COLUMNS
from flowpipe.lib.resources import LakeResource
from flowpipe.partitions import single_run, window_partitions, windows_in


@dg.asset(
    group_name="inventory",
    kinds={"parquet"},
    partitions_def=window_partitions,
    deps=["inventory_snapshot"],
    backfill_policy=single_run,
)
def address_book(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    """One row per IP address (private and public) of an ENI: entity type, name, id, place and tags."""
    the_lake = lake.get()
    for window in windows_in(context.partition_time_window):
        tables = {name: the_lake.read_partition(name, window.partition) for name in TABLE_COLUMNS}
        book = build_address_book(tables)
        the_lake.write_table("address_book", window.partition, book)
    counts = book.group_by("entity_type").aggregate([("ip", "count")]).to_pylist()
    return dg.MaterializeResult(
        metadata={
            "row_count": book.num_rows,
            **{f"addresses_{row['entity_type']}": row["ip_count"] for row in counts},
        }
    )
