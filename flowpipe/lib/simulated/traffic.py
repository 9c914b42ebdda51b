"""A seeded traffic model of the simulated account: connections, the flow log records AWS would write for
them, and the ground truth the pipeline's answers are checked against.

The connections come from the scenario catalogue (traffic_scenarios.py) or from a caller; each is split
into one exchange per aggregation interval (traffic_connections.py) and logged at every VPC ENI its
packets cross (traffic_records.py). The truth is summed from the exchanges, so it counts each
conversation once however many ENIs logged it.
"""

import calendar
import datetime
import random
from dataclasses import dataclass

import pandas as pd

from flowpipe.lib.simulated.account_model import AccountModel
from flowpipe.lib.simulated.traffic_connections import WINDOW_SECONDS, Connection
from flowpipe.lib.simulated.traffic_records import record_table, status_records
from flowpipe.lib.simulated.traffic_scenarios import Scenarios

TRUTH_KEYS = (
    "date",
    "window",
    "client_ip",
    "client_name",
    "client_type",
    "client_az",
    "server_ip",
    "server_name",
    "server_type",
    "server_az",
    "server_port",
    "protocol",
    "action",
    "via",
)


@dataclass(frozen=True)
class Traffic:
    records: pd.DataFrame  # the default-format fields, then EXTRA_FIELDS; AWS names; None for "-"
    exchanges: pd.DataFrame  # one row per connection per interval, also those outside the date
    ground_truth: pd.DataFrame  # one row per TRUTH_KEYS group of the date's exchanges


def generate_traffic(model: AccountModel, date: datetime.date, seed: int = 7, scale: float = 1.0) -> Traffic:
    """The flow log records and ground truth of one date (06:00 UTC to 06:00 UTC the next day)."""
    day_start = calendar.timegm(date.timetuple()) + 6 * 3600
    rng = random.Random(seed)
    connections = Scenarios(model, day_start, rng, scale).build()
    records = record_table(model, connections, status_records(model, connections, day_start, rng))
    exchanges = _exchanges(connections, date, day_start)
    return Traffic(records=records, exchanges=exchanges, ground_truth=_ground_truth(exchanges))


def traffic_of(model: AccountModel, connections: list[Connection], date: datetime.date) -> Traffic:
    """The records, exchanges and ground truth of connections built by hand (a scenario of one's own)."""
    day_start = calendar.timegm(date.timetuple()) + 6 * 3600
    exchanges = _exchanges(connections, date, day_start)
    return Traffic(
        records=record_table(model, connections, []),
        exchanges=exchanges,
        ground_truth=_ground_truth(exchanges),
    )


def _exchanges(connections: list[Connection], date: datetime.date, day_start: int) -> pd.DataFrame:
    """One row per exchange; those outside the date (06:00 to 06:00) get no date or window."""
    rows = []
    for connection_id, connection in enumerate(connections):
        client, server = connection.client, connection.server
        for exchange in connection.exchanges:
            offset = exchange.start - day_start
            inside = 0 <= offset < 2 * WINDOW_SECONDS
            rows.append(
                {
                    "connection_id": connection_id,
                    "date": date.isoformat() if inside else None,
                    "window": (("day" if offset < WINDOW_SECONDS else "night") if inside else None),
                    "start": exchange.start,
                    "end": exchange.end,
                    "client_ip": client.ip,
                    "client_name": client.entity_name,
                    "client_type": client.entity_type,
                    "client_az": client.availability_zone,
                    "client_port": connection.client_port,
                    "server_ip": server.ip,
                    "server_name": server.entity_name,
                    "server_type": server.entity_type,
                    "server_az": server.availability_zone,
                    "server_port": connection.server_port,
                    "protocol": connection.protocol,
                    "action": connection.action,
                    "via": "nat-gateway" if connection.nat else None,
                    "packets_up": exchange.packets_up,
                    "bytes_up": exchange.bytes_up,
                    "packets_down": exchange.packets_down,
                    "bytes_down": exchange.bytes_down,
                }
            )
    return pd.DataFrame(rows).astype(
        {"date": object, "window": object, "client_az": object, "server_az": object, "via": object}
    )


def _ground_truth(exchanges: pd.DataFrame) -> pd.DataFrame:
    """The date's exchanges summed per TRUTH_KEYS group: what the pipeline's answers must match."""
    dated = exchanges[exchanges["date"].notna()].assign(packets=lambda f: f["packets_up"] + f["packets_down"])
    grouped = dated.groupby(list(TRUTH_KEYS), dropna=False, sort=True)
    truth = grouped.agg(
        bytes_up=("bytes_up", "sum"),
        bytes_down=("bytes_down", "sum"),
        packets=("packets", "sum"),
        flows=("connection_id", "nunique"),
    ).reset_index()
    columns = [name for name in TRUTH_KEYS if name != "via"]
    truth = truth[[*columns, "bytes_up", "bytes_down", "packets", "flows", "via"]]
    return truth.astype({"client_az": object, "server_az": object, "via": object}).replace(
        {float("nan"): None}
    )
