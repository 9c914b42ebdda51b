"""The report's traffic sections: each reads one of the date's daily rollups (top talkers, EFS clients, day
vs night, cross-AZ cost, egress, rejected probes, new talkers) and prints it as a Markdown section.

Apart from report.py, which assembles them with the sections about the run itself, so each section can be
read and tested on its own rollup.
"""

import pandas as pd

from flowpipe.lib.lake import Lake
from flowpipe.lib.report_format import human_bytes, markdown_table, named, port_label, talkers_table, usd

TOP_ROWS = 20
SECTION_ROWS = 10


def read_daily(lake: Lake, table: str, date: str) -> pd.DataFrame:
    """A date's daily rollup (both windows together), empty if it was not built."""
    partition = {"date": date}
    if not lake.partition_files(table, partition):
        return pd.DataFrame()
    return lake.read_partition(table, partition).to_pandas()


def date_top_talkers(lake: Lake, date: str, limit: int = TOP_ROWS) -> pd.DataFrame:
    """The date's top talkers, both windows together, by rank."""
    talkers = read_daily(lake, "daily_top_talkers", date)
    return talkers.sort_values("rank").head(limit) if not talkers.empty else talkers


def top_talkers_section(lake: Lake, date: str) -> list[str]:
    talkers = date_top_talkers(lake, date)
    return ["## Top talkers (accepted traffic, client -> server)", "", markdown_table(talkers_table(talkers))]


def efs_section(lake: Lake, date: str) -> list[str]:
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
    return ["## EFS clients", "", markdown_table(rows)]


def day_vs_night_section(lake: Lake, date: str) -> list[str]:
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
    return ["## Day vs night", "", intro, "", markdown_table(rows)]


def cross_az_section(lake: Lake, date: str) -> list[str]:
    cross = read_daily(lake, "daily_cross_az_traffic", date)
    lines = ["## Cross-AZ cost", ""]
    if cross.empty:
        return [*lines, "none"]
    lines += [
        f"{human_bytes(cross.bytes.sum())} bytes crossed AZs, estimated "
        f"{usd(cross.est_cost_usd.sum())} USD (both sides billed; load balancer to target is free).",
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
            "EST. COST USD": usd(row.est_cost_usd),
        }
        for row in top.itertuples()
    ]
    return [*lines, markdown_table(rows)]


def egress_section(lake: Lake, date: str) -> list[str]:
    egress = read_daily(lake, "daily_egress", date)
    lines = ["## Egress", ""]
    if egress.empty:
        return [*lines, "none"]
    lines += [f"Estimated {usd(egress.est_cost_usd.sum())} USD for traffic leaving the VPC.", ""]
    top = egress.sort_values(["est_cost_usd", "bytes"], ascending=False).head(SECTION_ROWS)
    rows = [
        {
            "CLIENT": named(row.client_name, row.client_count, row.client_type),
            "PATH": row.path,
            "DESTINATION": row.destination,
            "BYTES OUT": human_bytes(row.bytes_up),
            "BYTES IN": human_bytes(row.bytes_down),
            "EST. COST USD": usd(row.est_cost_usd),
        }
        for row in top.itertuples()
    ]
    return [*lines, markdown_table(rows)]


def rejected_section(lake: Lake, date: str) -> list[str]:
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
        markdown_table(probed),
        "",
        "Most rejected sources:",
        "",
        markdown_table(attempts),
    ]


def new_talkers_section(lake: Lake, date: str) -> list[str]:
    """Named pairs of the date that none of the earlier dates in the lake had (the new_talkers model)."""
    found = read_daily(lake, "new_talkers", date)
    lines = ["## New talkers", ""]
    if found.empty:
        return [*lines, "No new named pair, or no earlier date in the lake to compare with."]
    compared = int(found.dates_compared.iloc[0])
    found = found.assign(client_count=1, server_count=1).sort_values("bytes", ascending=False)
    lines += [f"Named pairs seen on {date} and on none of the {compared} earlier date(s) compared:", ""]
    return [*lines, markdown_table(talkers_table(found.head(TOP_ROWS)))]
