"""How the report prints values and rows: bytes grouped by thousands, names with a count of resources, ports
with their service, dollars, and rows as Markdown tables.

Pure formatting, with no lake reads, so every section, the charts' labels and the command line's top
talkers print the same things the same way.
"""

import pandas as pd


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


def markdown_table(rows: list[dict[str, object]]) -> str:
    """Rows as a Markdown table, values printed as given (no re-parsing of "0.00" into 0)."""
    return pd.DataFrame(rows).to_markdown(index=False, disable_numparse=True) if rows else "none"


def usd(amount: float) -> str:
    """Dollars and cents; an amount below a cent is shown as such rather than as 0.00."""
    return "< 0.01" if 0 < amount < 0.005 else f"{amount:,.2f}"
