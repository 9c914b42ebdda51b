"""address_book: every address the inventory knows, named as its owners would name it, through time."""

from collections import Counter

import dagster as dg
import pyarrow as pa

from flowpipe.lib.address_book import build_address_book
from flowpipe.lib.inventory import ERRORS_TABLE
from flowpipe.lib.inventory_schemas import TABLE_COLUMNS
from flowpipe.lib.lake import Lake
from flowpipe.lib.resources import LakeResource
from flowpipe.lib.windows import Window, window_for
from flowpipe.partitions import single_run, window_partitions, windows_in


def _optional(lake: Lake, table: str, partition: dict[str, str]) -> pa.Table | None:
    """A partition the lake may not hold (a table newer than the partition, a window never built)."""
    return lake.read_partition(table, partition) if lake.partition_files(table, partition) else None


def _previous(window: Window) -> dict[str, str] | None:
    before = window_partitions.get_prev_partition_window(window.start)
    return window_for(before).partition if before is not None else None


@dg.asset(
    group_name="inventory",
    kinds={"parquet"},
    partitions_def=window_partitions,
    deps=["inventory_snapshot"],
    backfill_policy=single_run,
)
def address_book(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    """One row per IP address (private and public) of an ENI and owner that held it: entity type, name, id,
    place, tags, and when it held it (valid_from, valid_to). The window's snapshot and CloudTrail events are
    combined with the previous window's address book where the lake has it (read, not a declared
    dependency: a window builds without it, dating owners from its own snapshot only)."""
    the_lake = lake.get()
    windows = windows_in(context.partition_time_window)
    rows, owners_beyond_one, per_type = 0, 0, Counter()  # over the run's windows
    for window in windows:
        tables = {
            name: table
            for name in TABLE_COLUMNS
            if (table := _optional(the_lake, name, window.partition)) is not None
        }
        previous = _previous(window)
        book = build_address_book(
            tables,
            _optional(the_lake, "address_book", previous) if previous else None,
            errors=_optional(the_lake, ERRORS_TABLE, window.partition),
            not_before=window.start_epoch,
        )
        the_lake.write_table("address_book", window.partition, book)
        counts = book.group_by("entity_type").aggregate([("ip", "count_distinct")]).to_pylist()
        rows += book.num_rows
        owners_beyond_one += book.num_rows - len(set(book.column("ip").to_pylist()))
        per_type.update({row["entity_type"]: row["ip_count_distinct"] for row in counts})
    return dg.MaterializeResult(
        metadata={
            "row_count": rows,
            "windows": len(windows),
            "owners_beyond_one_per_address": owners_beyond_one,
            **{f"addresses_{entity_type}": count for entity_type, count in sorted(per_type.items())},
        }
    )
