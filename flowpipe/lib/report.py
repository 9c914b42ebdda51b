"""The daily report: a date's rollups by name, as Markdown, with what is new since the previous week.

Assembles the traffic sections (report_traffic) with those about the run itself (names missing, charts)
and writes the Markdown beside its charts in the lake.
"""

import re
from collections.abc import Mapping

import pandas as pd

from flowpipe.lib import report_traffic as traffic
from flowpipe.lib.lake import Lake
from flowpipe.lib.report_format import markdown_table

REPORT_FILE = "report.md"
WINDOWS = ("day", "night")
MESSAGE_CHARS = 160


def _read_windows(lake: Lake, table: str, date: str) -> pd.DataFrame:
    """A window table's rows of the date's windows that were built, with a `window` column."""
    frames = [
        lake.read_partition(table, partition).to_pandas().assign(window=window)
        for window in WINDOWS
        if lake.partition_files(table, partition := {"date": date, "window": window})
    ]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _short(message: str | None) -> str:
    """An error message on one line, without markup (an HTML error page, say), cut to MESSAGE_CHARS."""
    text = " ".join(re.sub(r"<[^>]+>", " ", message or "").split())
    return text if len(text) <= MESSAGE_CHARS else text[: MESSAGE_CHARS - 3] + "..."


def _names_section(lake: Lake, date: str) -> list[str]:
    """Why names are missing: the inventory calls that failed in the date's windows (none: no section)."""
    errors = _read_windows(lake, "inventory_errors", date)
    if errors.empty:
        return []
    lines = ["## Names missing", ""]
    dating = errors.api.str.startswith("cloudtrail:")
    if not dating.all():
        lines += [
            "Names are missing: the inventory could not read AWS, so the addresses it would have named "
            "are named from AWS's published ranges, the VPCs and the previous window's owners only.",
            "",
        ]
    if dating.any():
        lines += [
            "CloudTrail could not be read: owners of reused addresses are dated by the inventory snapshots "
            "only, and an owner that came and went between two snapshots is not named.",
            "",
        ]
    endpoints = _read_windows(lake, "endpoints", date)
    if not endpoints.empty:
        unnamed = endpoints[endpoints.entity_type == "unknown-private"].ip.nunique()
        lines += [
            f"{unnamed} private addresses in the flows are named by no inventory (unknown-private).",
            "",
        ]
    rows = [
        {
            "WINDOW": row.window,
            "CALL": row.api,
            "ACCOUNT": row.account_id,
            "REGION": row.region,
            "ERROR": row.error_code,
            "MESSAGE": _short(row.message),
        }
        for row in errors.itertuples()
    ]
    return [*lines, markdown_table(rows)]


def _charts_section(charts: Mapping[str, str]) -> list[str]:
    lines = ["## Charts", ""]
    for file, title in charts.items():
        lines += [f"![{title}]({file})", ""]
    return lines[:-1]


def render_report(lake: Lake, date: str, charts: Mapping[str, str] | None = None) -> str:
    """The date's report; `charts` (file name -> title) are linked by relative name, written beside it."""
    sections = [
        traffic.top_talkers_section,
        traffic.efs_section,
        traffic.day_vs_night_section,
        traffic.cross_az_section,
        traffic.egress_section,
        traffic.rejected_section,
        traffic.new_talkers_section,
    ]
    lines = [f"# flowpipe report for {date}"]
    if names := _names_section(lake, date):
        lines += ["", *names]
    if charts:
        lines += ["", *_charts_section(charts)]
    for section in sections:
        lines += ["", *section(lake, date)]
    return "\n".join(lines) + "\n"


def write_report(lake: Lake, date: str, text: str, files: Mapping[str, bytes] | None = None) -> str:
    """Writes report.md and its files (charts) to {lake}/reports/date=D/; returns report.md's path."""
    folder = lake.partition_path("reports", {"date": date})
    lake.filesystem.create_dir(folder, recursive=True)
    for name, content in {**(files or {}), REPORT_FILE: text.encode()}.items():
        with lake.filesystem.open_output_stream(f"{folder}/{name}") as stream:
            stream.write(content)
    return f"{folder}/{REPORT_FILE}"
