"""What the simulated traffic is made of: peers, connections, the exchanges a connection is cut into per
aggregation interval, and the addresses and ports they use.

Both the scenarios (traffic_scenarios.py) and the record building (traffic_records.py) speak in these
terms, as does a caller building connections of its own (reuse.py), so they live apart from either.
"""

import ipaddress
import json
import math
import random
from dataclasses import dataclass
from pathlib import Path

from flowpipe.lib.simulated.account_model import Endpoint

AGGREGATION_SECONDS = 600  # the flow log's MaxAggregationInterval (AWS default)
WINDOW_SECONDS = 12 * 3600
TCP = 6
LINUX_EPHEMERAL = (32768, 60999)
ANY_PORT = (1024, 65535)
# A source port picked from a wide range must not look like a server port to the pipeline.
SERVICE_PORTS = frozenset({22, 53, 80, 123, 443, 2049, 3306, 3389, 5432, 8080})
IP_RANGES_PATH = Path(__file__).with_name("ip_ranges.json")


@dataclass(frozen=True)
class Peer:
    """One end of a connection: a VPC ENI (endpoint set) or an address outside the VPC."""

    ip: str
    entity_type: str
    entity_name: str
    availability_zone: str | None = None
    endpoint: Endpoint | None = None
    aws_service: str | None = None  # pkt-*-aws-service, e.g. "S3"

    @classmethod
    def of(cls, endpoint: Endpoint) -> "Peer":
        return cls(
            endpoint.ip, endpoint.entity_type, endpoint.entity_name, endpoint.availability_zone, endpoint
        )


@dataclass(frozen=True)
class Exchange:
    """The part of a connection inside one aggregation interval."""

    start: int
    end: int
    packets_up: int
    bytes_up: int
    packets_down: int
    bytes_down: int
    flags_up: int
    flags_down: int


@dataclass
class Connection:
    client: Peer
    server: Peer
    client_port: int
    server_port: int
    action: str
    exchanges: list[Exchange]
    nat: Endpoint | None = None
    nat_port: int | None = None
    protocol: int = TCP


def s3_prefixes(region: str) -> list[str]:
    """The S3 IPv4 prefixes of a region in the ip_ranges.json fixture."""
    ranges = json.loads(IP_RANGES_PATH.read_text())
    return [p["ip_prefix"] for p in ranges["prefixes"] if p["service"] == "S3" and p["region"] == region]


def split(start: int, end: int, bytes_up: int, bytes_down: int, sizes: tuple[int, int], opened: bool = True):
    """Exchanges of one connection from `start` to `end`, bytes shared by time across the intervals.

    `sizes` are typical packet sizes (up, down); every interval carries at least one packet each way.
    `opened` puts SYN / SYN-ACK on the first exchange and FIN on the last, as AWS's tcp-flags do.
    """
    end = max(end, start + 1)
    edges = [
        start,
        *range((start // AGGREGATION_SECONDS + 1) * AGGREGATION_SECONDS, end, AGGREGATION_SECONDS),
    ]
    bounds = list(zip(edges, [*edges[1:], end], strict=True))
    exchanges = []
    for index, (lo, hi) in enumerate(bounds):
        share = (hi - lo) / (end - start)
        up, down = max(60, round(bytes_up * share)), max(60, round(bytes_down * share))
        flags_up = flags_down = 0
        if opened and index == 0:
            flags_up, flags_down = 2, 18
        if opened and index == len(bounds) - 1:
            flags_up, flags_down = flags_up | 1, flags_down | 1
        exchanges.append(
            Exchange(
                lo,
                hi,
                packet_count(up, sizes[0]),
                up,
                packet_count(down, sizes[1]),
                down,
                flags_up,
                flags_down,
            )
        )
    return exchanges


def packet_count(nbytes: int, size: int) -> int:
    return max(1, math.ceil(nbytes / size))


def random_public_ip(rng: random.Random, nets: tuple[tuple[int, int], ...]) -> str:
    first, second = rng.choice(nets)
    return f"{first}.{second}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def random_host(rng: random.Random, prefix: str) -> str:
    network = ipaddress.ip_network(prefix)
    return str(network.network_address + rng.randint(1, network.num_addresses - 2))
