"""The date report: charts, then the traffic sections in order, why names are missing, files written."""

from pathlib import Path

import pyarrow as pa

from flowpipe.lib import report_traffic as traffic
from flowpipe.lib.lake import Lake
from flowpipe.lib.report import REPORT_FILE, render_report, write_report

DATE = "2026-03-14"


def _section(text: str, heading: str) -> str:
    """The text under one `## heading`, up to the next."""
    return text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]


def test_the_report_is_its_heading_its_charts_then_each_traffic_section_in_order(tmp_path):
    lake = Lake(str(tmp_path))
    text = render_report(lake, DATE, {"top_pairs.png": "Top pairs", "cross_az.png": "Cross-AZ"})
    assert text.startswith(f"# flowpipe report for {DATE}\n\n## Charts\n")
    assert "![Top pairs](top_pairs.png)" in _section(text, "Charts")
    assert "![Cross-AZ](cross_az.png)" in _section(text, "Charts")
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Charts",
        "## Top talkers (accepted traffic, client -> server)",
        "## EFS clients",
        "## Day vs night",
        "## Cross-AZ cost",
        "## Egress",
        "## Rejected probes",
        "## New talkers",
    ]
    assert _section(text, "EFS clients") == "\n".join(traffic.efs_section(lake, DATE)[1:]) + "\n"


def test_without_charts_there_is_no_charts_section(tmp_path):
    assert "## Charts" not in render_report(Lake(str(tmp_path)), DATE)


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
