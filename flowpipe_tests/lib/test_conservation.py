"""window_totals sums a window's OK records and its conversations' logged totals; the window is conserved
when they match and the bytes counted never exceed those logged."""

import pyarrow as pa
import pytest

from flowpipe.lib.conservation import Totals, window_totals
from flowpipe.lib.flow_fields import DEFAULT_FORMAT, raw_schema
from flowpipe.lib.flow_parser import parse_lines
from flowpipe.lib.lake import Lake

DAY = {"date": "2026-03-14", "window": "day"}
NIGHT = {"date": "2026-03-14", "window": "night"}
# the web flow is logged at both ends' interfaces; NODATA and SKIPDATA records carry no bytes
DAY_RECORDS = [
    "2 123456789012 eni-0a1 10.0.1.5 10.0.2.9 49152 443 6 10 1000 1773468000 1773468060 ACCEPT OK",
    "2 123456789012 eni-0b2 10.0.1.5 10.0.2.9 49152 443 6 10 1000 1773468000 1773468060 ACCEPT OK",
    "2 123456789012 eni-0a1 10.0.1.7 10.0.2.9 50000 5432 6 2 150 1773468000 1773468060 ACCEPT OK",
    "2 123456789012 eni-0a1 198.51.100.4 10.0.1.5 40000 22 6 1 40 1773468000 1773468060 REJECT OK",
    "2 123456789012 eni-0c3 - - - - - - - 1773468000 1773468060 - NODATA",
    "2 123456789012 eni-0c3 - - - - - - - 1773468000 1773468060 - SKIPDATA",
]
NIGHT_RECORDS = [
    "2 123456789012 eni-0a1 10.0.1.5 10.0.2.9 49153 443 6 7 7000 1773511200 1773511260 ACCEPT OK"
]
CONVERSATIONS = pa.schema(
    [
        ("client_ip", pa.string()),
        ("server_ip", pa.string()),
        ("server_port", pa.int32()),
        ("action", pa.string()),
        ("bytes", pa.int64()),
        ("bytes_logged", pa.int64()),
        ("packets_logged", pa.int64()),
    ]
)
WEB = ("10.0.1.5", "10.0.2.9", 443, "ACCEPT", 1000, 2000, 20)
DATABASE = ("10.0.1.7", "10.0.2.9", 5432, "ACCEPT", 150, 150, 2)
SSH = ("198.51.100.4", "10.0.1.5", 22, "REJECT", 40, 40, 1)


def _records(lines: list[str]) -> pa.Table:
    result = parse_lines(lines, DEFAULT_FORMAT, "s3://flow-logs/AWSLogs/records.log.gz")
    assert result.rejects.num_rows == 0
    return result.records


def _conversations(rows: list[tuple]) -> pa.Table:
    return pa.Table.from_pylist(
        [dict(zip(CONVERSATIONS.names, row, strict=True)) for row in rows], CONVERSATIONS
    )


@pytest.fixture
def lake(tmp_path) -> Lake:
    """The day's records, and a night whose bytes must not count in the day."""
    lake = Lake(str(tmp_path))
    lake.write_table("raw_flow_logs", DAY, _records(DAY_RECORDS))
    lake.write_table("raw_flow_logs", NIGHT, _records(NIGHT_RECORDS))
    lake.write_table(
        "conversations", NIGHT, _conversations([("10.0.1.5", "10.0.2.9", 443, "ACCEPT", 7000, 7000, 7)])
    )
    return lake


@pytest.mark.parametrize(
    ("conversations", "logged_bytes", "logged_packets", "counted_bytes", "conserved"),
    [
        ([WEB, DATABASE, SSH], 2190, 23, 1190, True),
        ([WEB, DATABASE], 2150, 22, 1150, False),
        ([WEB, DATABASE, SSH, DATABASE], 2340, 25, 1340, False),
        ([WEB, DATABASE[:-1] + (3,), SSH], 2190, 24, 1190, False),
        ([WEB[:4] + (2100,) + WEB[5:], DATABASE, SSH], 2190, 23, 2290, False),
    ],
    ids=["balanced", "a-conversation-lost", "fanned-out", "packets-off", "counted-above-logged"],
)
def test_a_window_is_conserved_only_when_its_conversations_account_for_every_logged_byte(
    lake, conversations, logged_bytes, logged_packets, counted_bytes, conserved
):
    lake.write_table("conversations", DAY, _conversations(conversations))
    totals = window_totals(lake, DAY)
    assert totals == Totals(2190, 23, 4, logged_bytes, logged_packets, counted_bytes)
    assert totals.conserved is conserved


def test_the_bytes_of_a_flow_logged_twice_are_the_duplicates_removed(lake):
    lake.write_table("conversations", DAY, _conversations([WEB, DATABASE, SSH]))
    assert window_totals(lake, DAY).duplicate_bytes == 1000


def test_an_empty_window_is_conserved_with_zero_totals(tmp_path):
    lake = Lake(str(tmp_path))
    lake.write_table("raw_flow_logs", DAY, raw_schema().empty_table())
    lake.write_table("conversations", DAY, CONVERSATIONS.empty_table())
    totals = window_totals(lake, DAY)
    assert totals == Totals(0, 0, 0, 0, 0, 0)
    assert totals.conserved and totals.duplicate_bytes == 0
