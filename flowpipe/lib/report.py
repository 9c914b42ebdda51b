"""The daily report: a date's top talkers and EFS clients by name, as Markdown."""

import pandas as pd

from flowpipe.lib.lake import Lake

TOP_ROWS = 20


def _daily(lake: Lake, table: str, date: str) -> pd.DataFrame:
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
    talkers = _daily(lake, "daily_top_talkers", date)
    return talkers.sort_values("rank").head(limit) if not talkers.empty else talkers


def talkers_table(talkers: pd.DataFrame) -> list[dict[str, str]]:
    """Rows as people read them: CLIENT, SERVER, PORT (with service), BYTES."""
    return [
        {
            "CLIENT": named(row.client_name, row.client_count, row.client_type),
            "SERVER": named(row.server_name, row.server_count, row.server_type),
            "PORT": f"{row.server_port}/{row.service or row.protocol}",
            "BYTES": human_bytes(row.bytes),
        }
        for row in talkers.itertuples()
    ]


def render_report(lake: Lake, date: str) -> str:
    talkers = date_top_talkers(lake, date)
    efs = _daily(lake, "daily_efs_clients", date)
    lines = [f"# flowpipe report for {date}", "", "## Top talkers (accepted traffic, client -> server)", ""]
    lines.append(
        pd.DataFrame(talkers_table(talkers)).to_markdown(index=False) if not talkers.empty else "none"
    )
    lines += ["", "## EFS clients", ""]
    if efs.empty:
        lines.append("none")
    else:
        efs_columns = ["file_system_name", "client_name", "client_az", "mount_target_az", "bytes"]
        efs = efs.sort_values("bytes", ascending=False)[efs_columns].assign(
            bytes=efs["bytes"].map(human_bytes)
        )
        lines.append(efs.to_markdown(index=False))
    return "\n".join(lines) + "\n"
