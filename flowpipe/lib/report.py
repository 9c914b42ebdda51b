"""The daily report: a date's top talkers and EFS clients by name, as Markdown."""

import pandas as pd

from flowpipe.lib.lake import Lake
from flowpipe.lib.windows import DAY, NIGHT

TOP_ROWS = 20


def _windows_of(lake: Lake, table: str, date: str) -> pd.DataFrame:
    frames = []
    for window in (DAY, NIGHT):
        if lake.partition_files(table, {"date": date, "window": window}):
            frame = lake.read_partition(table, {"date": date, "window": window}).to_pandas()
            frames.append(frame.assign(window=window))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


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
    """Both windows' top talkers summed per named pair and port (counts: the larger window's)."""
    talkers = _windows_of(lake, "top_talkers", date)
    if talkers.empty:
        return talkers
    keys = ["client_name", "client_type", "server_name", "server_type", "server_port", "protocol", "service"]
    summed = (
        talkers.fillna({"service": ""})
        .groupby(keys, as_index=False)
        .agg(
            bytes=("bytes", "sum"),
            bytes_up=("bytes_up", "sum"),
            bytes_down=("bytes_down", "sum"),
            flows=("flows", "sum"),
            client_count=("client_count", "max"),
            server_count=("server_count", "max"),
        )
    )
    return summed.sort_values(["bytes", "client_name", "server_name"], ascending=[False, True, True]).head(
        limit
    )


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
    efs = _windows_of(lake, "efs_clients", date)
    lines = [f"# flowpipe report for {date}", "", "## Top talkers (accepted traffic, client -> server)", ""]
    lines.append(
        pd.DataFrame(talkers_table(talkers)).to_markdown(index=False) if not talkers.empty else "none"
    )
    lines += ["", "## EFS clients", ""]
    if efs.empty:
        lines.append("none")
    else:
        efs_columns = ["window", "file_system_name", "client_name", "client_az", "mount_target_az", "bytes"]
        efs = efs.sort_values("bytes", ascending=False)[efs_columns].assign(
            bytes=efs["bytes"].map(human_bytes)
        )
        lines.append(efs.to_markdown(index=False))
    return "\n".join(lines) + "\n"
