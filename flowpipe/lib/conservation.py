"""Are a window's bytes and packets conserved from raw_flow_logs to conversations (no loss, no fan-out)?"""

from dataclasses import dataclass

import duckdb

from flowpipe.lib.lake import Lake
from flowpipe.lib.lake_duckdb import register_files

_RAW_TOTALS = """
    select coalesce(sum(bytes), 0), coalesce(sum(packets), 0), count(*)
    from raw where log_status = 'OK'
"""
_CONVERSATION_TOTALS = """
    select coalesce(sum(bytes_logged), 0), coalesce(sum(packets_logged), 0), coalesce(sum(bytes), 0)
    from conversations
"""


@dataclass(frozen=True)
class Totals:
    raw_bytes: int
    raw_packets: int
    raw_records: int
    logged_bytes: int
    logged_packets: int
    counted_bytes: int

    @property
    def conserved(self) -> bool:
        """Every logged byte is accounted for, and duplicates removed never exceed what was logged."""
        return (
            self.raw_bytes == self.logged_bytes
            and self.raw_packets == self.logged_packets
            and self.counted_bytes <= self.logged_bytes
        )

    @property
    def duplicate_bytes(self) -> int:
        return self.logged_bytes - self.counted_bytes


def window_totals(lake: Lake, partition: dict[str, str]) -> Totals:
    with duckdb.connect(":memory:") as conn:
        register_files(conn, lake, "raw", lake.partition_files("raw_flow_logs", partition))
        register_files(conn, lake, "conversations", lake.partition_files("conversations", partition))
        raw_bytes, raw_packets, raw_records = conn.execute(_RAW_TOTALS).fetchone()
        logged_bytes, logged_packets, counted_bytes = conn.execute(_CONVERSATION_TOTALS).fetchone()
    return Totals(
        int(raw_bytes),
        int(raw_packets),
        int(raw_records),
        int(logged_bytes),
        int(logged_packets),
        int(counted_bytes),
    )
