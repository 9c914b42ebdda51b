"""Every distinct address that a window's flow log records mention, read from the lake with DuckDB."""

import duckdb

from flowpipe.lib.lake import Lake
from flowpipe.lib.lake_duckdb import register_files

ADDRESS_COLUMNS = ("srcaddr", "dstaddr", "pkt_srcaddr", "pkt_dstaddr")


def addresses_in_partition(lake: Lake, partition: dict[str, str]) -> list[str]:
    files = lake.partition_files("raw_flow_logs", partition)
    if not files:
        return []
    with duckdb.connect(":memory:") as conn:
        register_files(conn, lake, "records", files)
        union = " union ".join(f"select {column} as ip from records" for column in ADDRESS_COLUMNS)
        rows = conn.sql(f"select distinct ip from ({union}) where ip is not null order by ip").fetchall()
    return [row[0] for row in rows]
