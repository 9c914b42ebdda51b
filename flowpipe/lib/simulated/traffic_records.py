"""The flow log records AWS would write for simulated connections, and the status records of ENIs that
logged nothing (NODATA) or lost records (SKIPDATA).

Each exchange becomes a request and a response record at every VPC ENI the packets cross (a NAT gateway's
ENI logs both of its hops), with the fields of the default format and of EXTRA_FIELDS as AWS fills them.
"""

import random

import pandas as pd

from flowpipe.lib.flow_fields import DEFAULT_FORMAT
from flowpipe.lib.simulated.account_model import AccountModel, Endpoint
from flowpipe.lib.simulated.traffic_connections import AGGREGATION_SECONDS, WINDOW_SECONDS, Connection

EXTRA_FIELDS: tuple[str, ...] = (
    "vpc-id",
    "subnet-id",
    "instance-id",
    "tcp-flags",
    "type",
    "pkt-srcaddr",
    "pkt-dstaddr",
    "region",
    "az-id",
    "pkt-src-aws-service",
    "pkt-dst-aws-service",
    "flow-direction",
    "traffic-path",
)
_INT_FIELDS = ("version", "srcport", "dstport", "protocol", "packets", "bytes", "start", "end", "tcp-flags")


def legs(connection: Connection) -> list[tuple]:
    """(logging ENI, srcaddr, dstaddr, srcport, dstport, pkt-srcaddr, pkt-dstaddr, is_request, path)."""
    client, server = connection.client, connection.server
    cport, sport = connection.client_port, connection.server_port
    if connection.nat is not None:
        nat, nport = connection.nat, connection.nat_port
        return [
            (client.endpoint, client.ip, server.ip, cport, sport, client.ip, server.ip, True, 1),
            (client.endpoint, server.ip, client.ip, sport, cport, server.ip, client.ip, False, None),
            (nat, client.ip, nat.ip, cport, sport, client.ip, server.ip, True, None),
            (nat, nat.ip, server.ip, nport, sport, nat.ip, server.ip, True, 2),
            (nat, server.ip, nat.ip, sport, nport, server.ip, nat.ip, False, None),
            (nat, nat.ip, client.ip, sport, cport, server.ip, client.ip, False, 1),
        ]
    logged = []
    for endpoint, own in ((client.endpoint, client), (server.endpoint, server)):
        if endpoint is None or (connection.action == "REJECT" and own is client):
            continue
        other = server if own is client else client
        path = 1 if other.endpoint else (7 if other.aws_service else (8 if endpoint.instance_id else 2))
        logged.append((endpoint, client.ip, server.ip, cport, sport, client.ip, server.ip, True, path))
        if connection.action == "ACCEPT":
            logged.append((endpoint, server.ip, client.ip, sport, cport, server.ip, client.ip, False, path))
    return logged


def status_records(
    model: AccountModel, connections: list[Connection], day_start: int, rng: random.Random
) -> list[tuple]:
    """NODATA in intervals where an ENI saw nothing; SKIPDATA on the busiest ENI (an ALB's)."""
    busiest = model.by_type("elb:application")[0]
    busy = {
        (leg[0].interface_id, exchange.start // AGGREGATION_SECONDS)
        for connection in connections
        for leg in legs(connection)
        for exchange in connection.exchanges
    }
    intervals = range(
        day_start // AGGREGATION_SECONDS,
        (day_start + 2 * WINDOW_SECONDS) // AGGREGATION_SECONDS,
    )
    idle = [(e, i) for e in model.endpoints for i in intervals if (e.interface_id, i) not in busy]
    chosen = [(e, i, "NODATA") for e, i in rng.sample(idle, min(4, len(idle)))]
    chosen += [(busiest, i, "SKIPDATA") for i in rng.sample(list(intervals), 2)]
    return [
        (
            endpoint,
            i * AGGREGATION_SECONDS + rng.randint(0, 30),
            (i + 1) * AGGREGATION_SECONDS - rng.randint(1, 30),
            status,
        )
        for endpoint, i, status in chosen
    ]


def record_table(model: AccountModel, connections: list[Connection], statuses: list[tuple]) -> pd.DataFrame:
    """Every ENI's records of the connections, then the status records, sorted as the log files are."""
    services = {}
    for connection in connections:
        services[connection.client.ip] = connection.client.aws_service
        services[connection.server.ip] = connection.server.aws_service
    rows = []
    for connection in connections:
        for endpoint, src, dst, sport, dport, pkt_src, pkt_dst, is_request, path in legs(connection):
            ingress = dst == endpoint.ip
            for exchange in connection.exchanges:
                packets, nbytes, flags = (
                    (exchange.packets_up, exchange.bytes_up, exchange.flags_up)
                    if is_request
                    else (exchange.packets_down, exchange.bytes_down, exchange.flags_down)
                )
                rows.append(
                    (
                        *_envelope(model, endpoint),
                        src,
                        dst,
                        sport,
                        dport,
                        connection.protocol,
                        packets,
                        nbytes,
                        exchange.start,
                        exchange.end,
                        connection.action,
                        "OK",
                        *_location(model, endpoint),
                        flags,
                        "IPv4",
                        pkt_src,
                        pkt_dst,
                        model.region,
                        model.subnet(endpoint.subnet_id).availability_zone_id,
                        services.get(pkt_src),
                        services.get(pkt_dst),
                        "ingress" if ingress else "egress",
                        None if ingress else path,
                    )
                )
    for endpoint, start, end, status in statuses:
        rows.append(
            (
                *_envelope(model, endpoint),
                *[None] * 7,
                start,
                end,
                None,
                status,
                *_location(model, endpoint),
                None,
                None,
                None,
                None,
                model.region,
                model.subnet(endpoint.subnet_id).availability_zone_id,
                *[None] * 4,
            )
        )
    frame = pd.DataFrame(rows, columns=[*DEFAULT_FORMAT, *EXTRA_FIELDS], dtype=object)
    for name in _INT_FIELDS + ("traffic-path",):
        frame[name] = frame[name].astype("Int64")
    return frame.sort_values(["start", "interface-id", "srcaddr"], kind="stable").reset_index(drop=True)


def _envelope(model: AccountModel, endpoint: Endpoint) -> tuple:
    return 2, model.account_id, endpoint.interface_id


def _location(model: AccountModel, endpoint: Endpoint) -> tuple:
    return model.vpc_id, endpoint.subnet_id, endpoint.instance_id
