"""The daily report: a date's rollups by name, as Markdown, with what is new since the previous week."""

import re
from collections.abc import Mapping

import pandas as pd

from flowpipe.lib.lake import Lake

TOP_ROWS = 20
SECTION_ROWS = 10
LOOKBACK_DAYS = 7
REPORT_FILE = "report.md"
PAIR = ["client_name", "server_name", "server_port"]
WINDOWS = ("day", "night")
MESSAGE_CHARS = 160


def read_daily(lake: Lake, table: str, date: str) -> pd.DataFrame:
    """A date's daily rollup (both windows together), empty if it was not built."""
    partition = {"date": date}
    if not lake.partition_files(table, partition):
        return pd.DataFrame()
    return lake.read_partition(table, partition).to_pandas()


def human_bytes(count: float) -> str:
    """Bytes grouped by thousands with spaces, as the demo and the report print them: 500 123 456."""
    return f"{int(count):,}".replace(",", " ")


# Ends named after a range or an address rather than a resource: a count of addresses means nothing.
UNCOUNTED_TYPES = frozenset({"aws:service", "internet", "unknown-private", "unknown"})


def named(name: str, count: int, kind: str) -> str:
    """`web (3 instances)` when several resources share a name, else the name alone."""
    if count <= 1 or kind in UNCOUNTED_TYPES:
        return name
    noun = "instances" if kind == "ec2:instance" else "resources"
    return f"{name} ({count} {noun})"


def date_top_talkers(lake: Lake, date: str, limit: int = TOP_ROWS) -> pd.DataFrame:
    """The date's top talkers, both windows together, by rank."""
    talkers = read_daily(lake, "daily_top_talkers", date)
    return talkers.sort_values("rank").head(limit) if not talkers.empty else talkers


def port_label(port: int, service: str | None, protocol: str | None) -> str:
    """`443/https`: the port with its service's name, else the protocol's."""
    for name in (service, protocol):
        if isinstance(name, str) and name:
            return f"{port}/{name}"
    return str(port)


def talkers_table(talkers: pd.DataFrame) -> list[dict[str, str]]:
    """Rows as people read them: CLIENT, SERVER, PORT (with service), BYTES."""
    return [
        {
            "CLIENT": named(row.client_name, row.client_count, row.client_type),
            "SERVER": named(row.server_name, row.server_count, row.server_type),
            "PORT": port_label(row.server_port, row.service, row.protocol),
            "BYTES": human_bytes(row.bytes),
        }
        for row in talkers.itertuples()
    ]


def _table(rows: list[dict[str, object]]) -> str:
    """Rows as a Markdown table, values printed as given (no re-parsing of "0.00" into 0)."""
    return pd.DataFrame(rows).to_markdown(index=False, disable_numparse=True) if rows else "none"


def _usd(amount: float) -> str:
    """Dollars and cents; an amount below a cent is shown as such rather than as 0.00."""
    return "< 0.01" if 0 < amount < 0.005 else f"{amount:,.2f}"


def _top_talkers_section(lake: Lake, date: str) -> list[str]:
    talkers = date_top_talkers(lake, date)
    return ["## Top talkers (accepted traffic, client -> server)", "", _table(talkers_table(talkers))]


def _efs_section(lake: Lake, date: str) -> list[str]:
    efs = read_daily(lake, "daily_efs_clients", date)
    rows = [
        {
            "FILE SYSTEM": row.file_system_name,
            "CLIENT": row.client_name,
            "CLIENT AZ": row.client_az,
            "MOUNT TARGET AZ": row.mount_target_az,
            "BYTES": human_bytes(row.bytes),
        }
        for row in (efs.sort_values("bytes", ascending=False).itertuples() if not efs.empty else [])
    ]
    return ["## EFS clients", "", _table(rows)]


def _day_vs_night_section(lake: Lake, date: str) -> list[str]:
    pairs = read_daily(lake, "day_vs_night", date)
    rows = [
        {
            "CLIENT": row.client_name,
            "SERVER": row.server_name,
            "PORT": port_label(row.server_port, row.service, row.protocol),
            "DAY BYTES": human_bytes(row.day_bytes),
            "NIGHT BYTES": human_bytes(row.night_bytes),
            "NIGHT SHARE": f"{row.night_share:.1%}",
        }
        for row in (pairs.sort_values("rank").head(SECTION_ROWS).itertuples() if not pairs.empty else [])
    ]
    intro = "What grows at night (backups, batch runs): accepted bytes, ranked by night minus day."
    return ["## Day vs night", "", intro, "", _table(rows)]


def _cross_az_section(lake: Lake, date: str) -> list[str]:
    cross = read_daily(lake, "daily_cross_az_traffic", date)
    lines = ["## Cross-AZ cost", ""]
    if cross.empty:
        return [*lines, "none"]
    lines += [
        f"{human_bytes(cross.bytes.sum())} bytes crossed AZs, estimated "
        f"{_usd(cross.est_cost_usd.sum())} USD (both sides billed; load balancer to target is free).",
        "",
    ]
    top = cross.sort_values(["est_cost_usd", "bytes"], ascending=False).head(SECTION_ROWS)
    rows = [
        {
            "CLIENT": f"{row.client_name} ({row.client_az})",
            "SERVER": f"{row.server_name} ({row.server_az})",
            "PORT": port_label(row.server_port, row.service, row.protocol),
            "BYTES": human_bytes(row.bytes),
            "BILLED": "yes" if row.billed else "no",
            "EST. COST USD": _usd(row.est_cost_usd),
        }
        for row in top.itertuples()
    ]
    return [*lines, _table(rows)]


def _egress_section(lake: Lake, date: str) -> list[str]:
    egress = read_daily(lake, "daily_egress", date)
    lines = ["## Egress", ""]
    if egress.empty:
        return [*lines, "none"]
    lines += [f"Estimated {_usd(egress.est_cost_usd.sum())} USD for traffic leaving the VPC.", ""]
    top = egress.sort_values(["est_cost_usd", "bytes"], ascending=False).head(SECTION_ROWS)
    rows = [
        {
            "CLIENT": named(row.client_name, row.client_count, row.client_type),
            "PATH": row.path,
            "DESTINATION": row.destination,
            "BYTES OUT": human_bytes(row.bytes_up),
            "BYTES IN": human_bytes(row.bytes_down),
            "EST. COST USD": _usd(row.est_cost_usd),
        }
        for row in top.itertuples()
    ]
    return [*lines, _table(rows)]


def _rejected_section(lake: Lake, date: str) -> list[str]:
    exposure = read_daily(lake, "daily_ssh_rdp_exposure", date)
    rejected = read_daily(lake, "daily_rejected_traffic", date)
    probed = [
        {
            "DESTINATION": row.dst_name,
            "PORT": port_label(row.dst_port, row.service, "tcp"),
            "SOURCES": row.source_count,
            "INTERNET SOURCES": row.internet_source_count,
            "REJECTED FLOWS": row.rejected_flows,
            "ACCEPTED FROM INTERNET": row.accepted_internet_flows,
        }
        for row in (
            exposure.sort_values(["accepted_internet_flows", "rejected_flows"], ascending=False).itertuples()
            if not exposure.empty
            else []
        )
    ]
    attempts = [
        {
            "SOURCE": row.src_addr
            if row.src_name in (None, row.src_addr)
            else f"{row.src_name} ({row.src_addr})",
            "DESTINATION": row.dst_name,
            "PORT": port_label(row.dst_port, row.service, row.protocol),
            "FLOWS": row.flows,
            "PACKETS": row.packets,
        }
        for row in (
            rejected.sort_values("rank").head(SECTION_ROWS).itertuples() if not rejected.empty else []
        )
    ]
    return [
        "## Rejected probes",
        "",
        "SSH and RDP (22, 3389), accepted or rejected:",
        "",
        _table(probed),
        "",
        "Most rejected sources:",
        "",
        _table(attempts),
    ]


def _new_talkers_section(lake: Lake, date: str) -> list[str]:
    """Named pairs of the date that none of the earlier dates in the lake had (the new_talkers model)."""
    found = read_daily(lake, "new_talkers", date)
    lines = ["## New talkers", ""]
    if found.empty:
        return [*lines, "No new named pair, or no earlier date in the lake to compare with."]
    compared = int(found.dates_compared.iloc[0])
    found = found.assign(client_count=1, server_count=1).sort_values("bytes", ascending=False)
    lines += [f"Named pairs seen on {date} and on none of the {compared} earlier date(s) compared:", ""]
    return [*lines, _table(talkers_table(found.head(TOP_ROWS)))]


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
    return [*lines, _table(rows)]


def _charts_section(charts: Mapping[str, str]) -> list[str]:
    lines = ["## Charts", ""]
    for file, title in charts.items():
        lines += [f"![{title}]({file})", ""]
    return lines[:-1]


def render_report(lake: Lake, date: str, charts: Mapping[str, str] | None = None) -> str:
    """The date's report; `charts` (file name -> title) are linked by relative name, written beside it."""
    sections = [
        _top_talkers_section,
        _efs_section,
        _day_vs_night_section,
        _cross_az_section,
        _egress_section,
        _rejected_section,
        _new_talkers_section,
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
