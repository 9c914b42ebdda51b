"""The date report: each section from the date's rollups, new talkers against earlier dates, files written."""

from pathlib import Path

import pyarrow as pa
import pytest

from flowpipe.lib.lake import Lake
from flowpipe.lib.report import REPORT_FILE, port_label, render_report, write_report

DATE = "2026-03-14"


def _talker(rank, client, server, port, nbytes, client_count=1):
    return {
        "rank": rank,
        "client_name": client,
        "client_type": "ec2:instance",
        "client_count": client_count,
        "server_name": server,
        "server_type": "ec2:instance",
        "server_count": 1,
        "server_port": port,
        "protocol": "tcp",
        "service": None,
        "bytes": nbytes,
    }


def _write(lake: Lake, table: str, date: str, rows: list[dict]) -> None:
    lake.write_table(table, {"date": date}, pa.Table.from_pylist(rows))


@pytest.fixture
def lake(tmp_path) -> Lake:
    """Top talkers on DATE and two earlier dates: the day before (in the week) and 9 days before (not)."""
    lake = Lake(str(tmp_path / "lake"))
    _write(
        lake,
        "daily_top_talkers",
        DATE,
        [
            _talker(1, "web", "db", 5432, 900, client_count=3),
            _talker(2, "batch", "archive", 22, 500),
            _talker(3, "web", "db", 6432, 100, client_count=3),
            _talker(4, "app", "cache", 6379, 50),
        ],
    )
    _write(lake, "daily_top_talkers", "2026-03-13", [_talker(1, "web", "db", 5432, 800, client_count=2)])
    _write(lake, "daily_top_talkers", "2026-03-05", [_talker(1, "app", "cache", 6379, 40)])
    return lake


def test_new_talkers_section_lists_the_new_pairs_and_how_many_dates_were_compared(lake):
    new = _talker(1, "batch", "archive", 22, 500)
    _write(lake, "new_talkers", DATE, [{**new, "flows": 3, "first_seen": 0, "dates_compared": 1}])
    text = render_report(lake, DATE)
    section = text.split("## New talkers", 1)[1]
    assert "on none of the 1 earlier date(s) compared" in section and "| batch" in section


def test_without_new_talkers_the_section_says_so(lake):
    assert "No new named pair" in render_report(lake, "2026-03-13").split("## New talkers", 1)[1]


def test_port_label_names_the_service_else_the_protocol():
    assert port_label(443, "https", "tcp") == "443/https"
    assert port_label(6432, float("nan"), "tcp") == "6432/tcp"
    assert port_label(0, None, None) == "0"


@pytest.fixture
def full_lake(lake) -> Lake:
    """Every rollup the report reads, one or two rows each."""
    _write(
        lake,
        "daily_efs_clients",
        DATE,
        [
            {
                "file_system_name": "shared-fs",
                "client_name": "web",
                "client_az": "us-east-1a",
                "mount_target_az": "us-east-1b",
                "bytes": 4_000,
            }
        ],
    )
    _write(
        lake,
        "day_vs_night",
        DATE,
        [
            {
                "rank": 1,
                "client_name": "management",
                "server_name": "shared-fs",
                "server_port": 2049,
                "protocol": "tcp",
                "service": "nfs",
                "day_bytes": 1_000,
                "night_bytes": 99_000,
                "night_growth_bytes": 98_000,
                "night_share": 0.99,
                "night_to_day_ratio": 99.0,
            }
        ],
    )
    cross = {
        "client_name": "batch",
        "client_az": "us-east-1b",
        "server_name": "shared-fs",
        "server_az": "us-east-1a",
        "server_port": 2049,
        "protocol": "tcp",
        "service": "nfs",
        "bytes": 3 * 2**30,
        "billed": True,
        "est_cost_usd": 0.06,
    }
    _write(lake, "daily_cross_az_traffic", DATE, [cross])
    egress = {
        "client_name": "web",
        "client_type": "ec2:instance",
        "client_count": 3,
        "path": "nat-gateway",
        "destination": "internet",
        "bytes_up": 2**30,
        "bytes_down": 5,
        "bytes": 2**30 + 5,
        "est_cost_usd": 0.135,
    }
    _write(lake, "daily_egress", DATE, [egress])
    exposure = {
        "dst_name": "bastion",
        "dst_port": 22,
        "service": "ssh",
        "source_count": 40,
        "internet_source_count": 39,
        "rejected_flows": 120,
        "accepted_internet_flows": 2,
    }
    _write(lake, "daily_ssh_rdp_exposure", DATE, [exposure])
    rejected = {
        "rank": 1,
        "src_addr": "198.51.100.7",
        "src_name": "198.51.100.7",
        "dst_name": "bastion",
        "dst_port": 3389,
        "protocol": "tcp",
        "service": "rdp",
        "flows": 17,
        "packets": 30,
    }
    _write(lake, "daily_rejected_traffic", DATE, [rejected])
    new_pairs = [_talker(2, "batch", "archive", 22, 500), _talker(3, "web", "db", 6432, 100)]
    _write(
        lake,
        "new_talkers",
        DATE,
        [{**row, "flows": 1, "first_seen": 0, "dates_compared": 1} for row in new_pairs],
    )
    return lake


def _section(text: str, heading: str) -> str:
    """The text under one `## heading`, up to the next."""
    return text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]


def test_the_report_has_every_section_with_its_rows(full_lake):
    text = render_report(full_lake, DATE, {"top_pairs.png": "Top pairs", "cross_az.png": "Cross-AZ"})
    assert text.startswith(f"# flowpipe report for {DATE}\n")
    assert "![Top pairs](top_pairs.png)" in _section(text, "Charts")
    assert "![Cross-AZ](cross_az.png)" in _section(text, "Charts")
    assert "| web (3 instances) | db       | 5432/tcp | 900     |" in _section(
        text, "Top talkers (accepted traffic, client -> server)"
    )
    assert "| shared-fs" in _section(text, "EFS clients")
    day_vs_night = _section(text, "Day vs night")
    assert "| management | shared-fs | 2049/nfs | 1 000" in day_vs_night and "99.0%" in day_vs_night
    cross = _section(text, "Cross-AZ cost")
    assert "3 221 225 472 bytes crossed AZs, estimated 0.06 USD" in cross
    assert "| batch (us-east-1b) | shared-fs (us-east-1a) | 2049/nfs" in cross
    egress = _section(text, "Egress")
    assert "Estimated 0.14 USD" in egress and "| web (3 instances) | nat-gateway | internet" in egress
    probes = _section(text, "Rejected probes")
    assert "| bastion       | 22/ssh | 40        | 39" in probes
    assert "| 198.51.100.7 | bastion       | 3389/rdp | 17" in probes
    new = _section(text, "New talkers")
    assert "on none of the 1 earlier date(s) compared" in new
    assert "| batch" in new and "6432/tcp" in new
    assert "5432/tcp" not in new


def test_a_date_without_rollups_says_none_in_each_section(tmp_path):
    text = render_report(Lake(str(tmp_path)), DATE)
    for heading in ("Top talkers", "EFS clients", "Day vs night", "Cross-AZ cost", "Egress"):
        assert text.split(f"## {heading}", 1)[1].split("##", 1)[0].rstrip().endswith("none"), heading
    assert "## Charts" not in text


def test_write_report_puts_the_markdown_and_its_charts_in_the_dates_folder(tmp_path):
    lake = Lake(str(tmp_path / "lake"))
    path = write_report(lake, DATE, "# report\n", {"top_pairs.png": b"\x89PNG"})
    folder = tmp_path / "lake" / "reports" / f"date={DATE}"
    assert Path(path) == folder / REPORT_FILE
    assert (folder / REPORT_FILE).read_text() == "# report\n"
    assert (folder / "top_pairs.png").read_bytes() == b"\x89PNG"


def _inventory_errors(lake: Lake, window: str, *failed: tuple[str, str, str]) -> None:
    rows = [
        {
            "account_id": "123456789012",
            "region": "us-east-1",
            "api": api,
            "error_code": code,
            "message": message,
        }
        for api, code, message in failed
    ]
    schema = pa.schema(
        [(name, pa.string()) for name in ("account_id", "region", "api", "error_code", "message")]
    )
    lake.write_table(
        "inventory_errors", {"date": DATE, "window": window}, pa.Table.from_pylist(rows, schema=schema)
    )


def test_failed_inventory_calls_say_names_are_missing_and_why(tmp_path):
    lake = Lake(str(tmp_path / "lake"))
    _inventory_errors(
        lake, "day", ("ec2:DescribeNetworkInterfaces", "UnauthorizedOperation", "not authorized")
    )
    _inventory_errors(lake, "night")
    endpoints = [
        {"ip": "10.0.1.5", "entity_type": "unknown-private"},
        {"ip": "10.0.1.6", "entity_type": "ec2:instance"},
    ]
    lake.write_table("endpoints", {"date": DATE, "window": "day"}, pa.Table.from_pylist(endpoints))
    section = _section(render_report(lake, DATE), "Names missing")
    assert section.lstrip().startswith("Names are missing: the inventory could not read AWS")
    assert "CloudTrail" not in section
    assert "1 private addresses in the flows are named by no inventory (unknown-private)." in section
    assert (
        "| day      | ec2:DescribeNetworkInterfaces | 123456789012 | us-east-1 | UnauthorizedOperation |"
        in section
    )


def test_unreadable_cloudtrail_says_reused_addresses_are_dated_by_snapshots_only(tmp_path):
    lake = Lake(str(tmp_path / "lake"))
    page = "<!doctype html>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>"
    _inventory_errors(lake, "night", ("cloudtrail:LookupEvents", "500", page))
    section = _section(render_report(lake, DATE), "Names missing")
    assert section.lstrip().startswith(
        "CloudTrail could not be read: owners of reused addresses are dated by"
    )
    assert "500 Internal Server Error Internal Server Error |" in section


def test_a_date_whose_inventory_read_everything_has_no_names_missing_section(tmp_path):
    lake = Lake(str(tmp_path / "lake"))
    _inventory_errors(lake, "day")
    assert "## Names missing" not in render_report(lake, DATE)
