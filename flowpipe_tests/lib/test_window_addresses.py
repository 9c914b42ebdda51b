"""addresses_in_partition lists every distinct address a window's records mention, in any of their four
address fields, and nothing from other windows."""

import pyarrow as pa

from flowpipe.lib.flow_fields import DEFAULT_FORMAT
from flowpipe.lib.flow_parser import parse_lines
from flowpipe.lib.lake import Lake
from flowpipe.lib.window_addresses import addresses_in_partition

DAY = {"date": "2026-03-14", "window": "day"}
NIGHT = {"date": "2026-03-14", "window": "night"}
WITH_PACKET_ADDRESSES = (*DEFAULT_FORMAT, "pkt-srcaddr", "pkt-dstaddr")
# a NAT gateway's interface: the instance behind it is only in pkt-srcaddr; then a flow inside the VPC
DAY_V3 = [
    "3 123456789012 eni-0nat 10.0.0.220 203.0.113.10 40000 443 6 5 500 1773468000 1773468060 ACCEPT OK "
    "10.0.1.5 203.0.113.10",
    "3 123456789012 eni-0a1 10.0.1.5 10.0.10.4 49152 5432 6 2 150 1773468000 1773468060 ACCEPT OK "
    "10.0.1.5 10.0.10.4",
    "3 123456789012 eni-0c3 - - - - - - - 1773468000 1773468060 - NODATA - -",
]
DAY_V2 = ["2 123456789012 eni-0b2 10.0.2.9 10.0.1.5 443 49152 6 10 1000 1773468000 1773468060 ACCEPT OK"]
NIGHT_V2 = ["2 123456789012 eni-0b2 192.0.2.77 10.0.1.5 22 40000 6 1 40 1773511200 1773511260 REJECT OK"]


def _records(lines: list[str], names: tuple[str, ...]) -> pa.Table:
    return parse_lines(lines, names, "s3://flow-logs/AWSLogs/records.log.gz").records


def test_every_address_of_the_window_once_and_none_of_another_window(tmp_path):
    lake = Lake(str(tmp_path))
    day = pa.concat_tables([_records(DAY_V3, WITH_PACKET_ADDRESSES), _records(DAY_V2, DEFAULT_FORMAT)])
    lake.write_table("raw_flow_logs", DAY, day)
    lake.write_table("raw_flow_logs", NIGHT, _records(NIGHT_V2, DEFAULT_FORMAT))
    assert addresses_in_partition(lake, DAY) == [
        "10.0.0.220",
        "10.0.1.5",
        "10.0.10.4",
        "10.0.2.9",
        "203.0.113.10",
    ]
    assert addresses_in_partition(lake, NIGHT) == ["10.0.1.5", "192.0.2.77"]


def test_a_window_of_only_nodata_records_has_no_addresses(tmp_path):
    lake = Lake(str(tmp_path))
    nodata = _records(DAY_V3[2:], WITH_PACKET_ADDRESSES)
    assert nodata["log_status"].to_pylist() == ["NODATA"]
    lake.write_table("raw_flow_logs", DAY, nodata)
    assert addresses_in_partition(lake, DAY) == []


def test_a_window_never_written_has_no_addresses(tmp_path):
    assert addresses_in_partition(Lake(str(tmp_path)), DAY) == []
