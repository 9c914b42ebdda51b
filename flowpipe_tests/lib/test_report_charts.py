"""The report's charts: each chart's numbers on a tiny lake, and PNGs that are real images."""

import struct

import pyarrow as pa
import pytest

from flowpipe.lib.flow_fields import raw_schema
from flowpipe.lib.lake import Lake
from flowpipe.lib.report_charts import (
    CROSS_AZ_FILE,
    GRAPH_FILE,
    HOURLY_FILE,
    TOP_PAIRS_FILE,
    circle_layout,
    cross_az_matrix,
    hourly_bytes,
    render_charts,
    talk_graph,
    top_pairs,
)
from flowpipe_tests.dbt_like_sql.conftest import record

DATE = "2026-03-14"
HOUR = 3600
DAY_10H = 1773482400  # 2026-03-14 10:00 UTC
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _talker(rank, client, server, port, nbytes, client_type="ec2:instance", client_count=1, service="https"):
    return {
        "rank": rank,
        "client_name": client,
        "client_type": client_type,
        "client_count": client_count,
        "server_name": server,
        "server_type": "ec2:instance",
        "server_count": 1,
        "server_port": port,
        "protocol": "tcp",
        "service": service,
        "bytes": nbytes,
    }


@pytest.fixture
def lake(tmp_path) -> Lake:
    """A date with raw records in both windows, daily top talkers and daily cross-AZ traffic."""
    lake = Lake(str(tmp_path / "lake"))
    day = [
        record("eni-a", "10.0.0.1", "10.0.0.2", 40000, 443, 100, start=DAY_10H),
        record("eni-b", "10.0.0.1", "10.0.0.2", 40000, 443, 100, start=DAY_10H + 120),  # the other ENI's view
        record("eni-a", "10.0.0.1", "10.0.0.2", 40001, 443, 7, start=DAY_10H + HOUR),
        record("eni-a", None, None, None, None, None, status="NODATA", start=DAY_10H + HOUR),
    ]
    night = [
        record("eni-a", "10.0.0.1", "10.0.0.3", 40002, 2049, 5000, start=DAY_10H + 15 * HOUR),  # 01:00
        record("eni-a", "10.0.0.1", "10.0.0.3", 40003, 2049, 1, action="REJECT", start=DAY_10H + 9 * HOUR),
    ]
    for window, records in (("day", day), ("night", night)):
        table = pa.Table.from_pylist(records, schema=raw_schema())
        lake.write_table("raw_flow_logs", {"date": DATE, "window": window}, table)
    talkers = [
        _talker(1, "web", "db", 5432, 900, client_count=3, service="postgres"),
        _talker(2, "web", "db", 6432, 100, client_count=3, service=None),
        _talker(3, "batch", "S3 us-east-1", 443, 50),
        _talker(4, "203.0.113.5", "web", 443, 10, client_type="internet"),
    ]
    lake.write_table("daily_top_talkers", {"date": DATE}, pa.Table.from_pylist(talkers))
    cross = [
        {"client_az": "us-east-1b", "server_az": "us-east-1a", "bytes": 300},
        {"client_az": "us-east-1b", "server_az": "us-east-1a", "bytes": 20},
        {"client_az": "us-east-1a", "server_az": "us-east-1c", "bytes": 5},
    ]
    lake.write_table("daily_cross_az_traffic", {"date": DATE}, pa.Table.from_pylist(cross))
    return lake


def test_hourly_bytes_sum_ok_records_by_hour_of_start_and_window(lake):
    hourly = hourly_bytes(lake, DATE)
    assert hourly.to_dict("records") == [  # in the date's order: 06:00 to 06:00
        {"window": "day", "hour": 10, "bytes": 200},  # both ENI views of the same flow
        {"window": "day", "hour": 11, "bytes": 7},  # the NODATA record adds nothing
        {"window": "night", "hour": 19, "bytes": 1},  # a rejected record was logged too
        {"window": "night", "hour": 1, "bytes": 5000},
    ]


def test_hourly_bytes_use_the_windows_timezone(lake):
    hours = hourly_bytes(lake, DATE, "America/New_York")  # UTC-4 on 2026-03-14 (DST since March 8)
    assert hours[hours.window == "day"].hour.tolist() == [6, 7]


def test_hourly_bytes_of_a_date_without_records_are_empty(tmp_path):
    assert hourly_bytes(Lake(str(tmp_path)), DATE).empty


def test_top_pairs_are_labelled_by_name_count_and_port_in_rank_order(lake):
    pairs = top_pairs(lake, DATE, limit=3)
    assert pairs.to_dict("records") == [
        {"label": "web (3 instances) → db 5432/postgres", "bytes": 900},
        {"label": "web (3 instances) → db 6432/tcp", "bytes": 100},
        {"label": "batch → S3 us-east-1 443/https", "bytes": 50},
    ]


def test_cross_az_matrix_sums_bytes_from_client_az_to_server_az(lake):
    matrix = cross_az_matrix(lake, DATE)
    zones = ["us-east-1a", "us-east-1b", "us-east-1c"]
    assert matrix.index.tolist() == zones and matrix.columns.tolist() == zones
    assert matrix.loc["us-east-1b", "us-east-1a"] == 320
    assert matrix.loc["us-east-1a", "us-east-1c"] == 5
    assert int(matrix.to_numpy().sum()) == 325


def test_talk_graph_merges_ports_into_one_edge_per_pair(lake):
    edges = talk_graph(lake, DATE)
    assert edges.to_dict("records") == [
        {"client": "web (3 instances)", "server": "db", "bytes": 1000},
        {"client": "batch", "server": "S3 us-east-1", "bytes": 50},
        {"client": "203.0.113.5", "server": "web", "bytes": 10},
    ]
    assert talk_graph(lake, DATE, limit=1).bytes.tolist() == [900]


def test_circle_layout_puts_nodes_evenly_on_the_unit_circle():
    layout = circle_layout(["a", "b", "c", "d"])
    assert layout["a"] == pytest.approx((0.0, 1.0))
    assert layout["b"] == pytest.approx((1.0, 0.0), abs=1e-12)
    assert layout["c"] == pytest.approx((0.0, -1.0), abs=1e-12)
    assert layout["d"] == pytest.approx((-1.0, 0.0), abs=1e-12)


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == PNG_SIGNATURE and png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def test_charts_are_png_images_drawn_the_same_every_time(lake):
    charts = render_charts(lake, DATE)
    assert [chart.file for chart in charts] == [TOP_PAIRS_FILE, HOURLY_FILE, CROSS_AZ_FILE, GRAPH_FILE]
    for chart in charts:
        width, height = _png_size(chart.png)
        assert width >= 500 and height >= 400, chart.file
        assert len(chart.png) > 10_000, chart.file
        assert DATE in chart.title
    assert render_charts(lake, DATE) == charts


def test_a_date_without_data_still_gets_every_chart(tmp_path):
    charts = render_charts(Lake(str(tmp_path)), DATE)
    assert len(charts) == 4
    assert all(_png_size(chart.png)[0] >= 500 for chart in charts)
