"""A seeded traffic model of the simulated account: connections, the flow log records AWS would write for
them, and the ground truth the pipeline's answers are checked against.

A connection is split into one exchange per aggregation interval; each exchange becomes a request and a
response record at every VPC ENI the packets cross (a NAT gateway's ENI logs both of its hops). The truth
is summed from the exchanges, so it counts each conversation once however many ENIs logged it.
"""

import calendar
import datetime
import ipaddress
import json
import math
import random
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from flowpipe.lib.flow_fields import DEFAULT_FORMAT
from flowpipe.lib.simulated.account import AccountModel, Endpoint

AGGREGATION_SECONDS = 600  # the flow log's MaxAggregationInterval (AWS default)
WINDOW_SECONDS = 12 * 3600
TCP = 6
LINUX_EPHEMERAL = (32768, 60999)
ANY_PORT = (1024, 65535)
# A source port picked from a wide range must not look like a server port to the pipeline.
SERVICE_PORTS = frozenset({22, 53, 80, 123, 443, 2049, 3306, 3389, 5432, 8080})
IP_RANGES_PATH = Path(__file__).with_name("ip_ranges.json")
NAT_DESTINATIONS = ("140.82.112.3", "140.82.114.4", "151.101.1.69", "151.101.65.69", "199.232.68.133")
_CLIENT_NETS = ((81, 2), (89, 160), (151, 60), (176, 24), (188, 40), (93, 184), (62, 210), (213, 87))
_PROBER_NETS = ((45, 146), (193, 32), (92, 63), (185, 220), (141, 98))
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


@dataclass(frozen=True)
class Traffic:
    records: pd.DataFrame  # the default-format fields, then EXTRA_FIELDS; AWS names; None for "-"
    exchanges: pd.DataFrame  # one row per connection per interval, also those outside the date
    ground_truth: pd.DataFrame  # one row per TRUTH_KEYS group of the date's exchanges


def s3_prefixes(region: str) -> list[str]:
    """The S3 IPv4 prefixes of a region in the ip_ranges.json fixture."""
    ranges = json.loads(IP_RANGES_PATH.read_text())
    return [p["ip_prefix"] for p in ranges["prefixes"] if p["service"] == "S3" and p["region"] == region]


def generate_traffic(model: AccountModel, date: datetime.date, seed: int = 7, scale: float = 1.0) -> Traffic:
    """The flow log records and ground truth of one date (06:00 UTC to 06:00 UTC the next day)."""
    day_start = calendar.timegm(date.timetuple()) + 6 * 3600
    rng = random.Random(seed)
    connections, status_records = _Scenarios(model, day_start, rng, scale).build()
    records = _records(model, connections, status_records)
    exchanges = _exchanges(connections, date, day_start)
    return Traffic(records=records, exchanges=exchanges, ground_truth=_ground_truth(exchanges))


def traffic_of(model: AccountModel, connections: list["Connection"], date: datetime.date) -> Traffic:
    """The records, exchanges and ground truth of connections built by hand (a scenario of one's own)."""
    day_start = calendar.timegm(date.timetuple()) + 6 * 3600
    exchanges = _exchanges(connections, date, day_start)
    return Traffic(
        records=_records(model, connections, []), exchanges=exchanges, ground_truth=_ground_truth(exchanges)
    )


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
            Exchange(lo, hi, _packets(up, sizes[0]), up, _packets(down, sizes[1]), down, flags_up, flags_down)
        )
    return exchanges


def _packets(nbytes: int, size: int) -> int:
    return max(1, math.ceil(nbytes / size))


def random_public_ip(rng: random.Random, nets: tuple[tuple[int, int], ...]) -> str:
    first, second = rng.choice(nets)
    return f"{first}.{second}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def random_host(rng: random.Random, prefix: str) -> str:
    network = ipaddress.ip_network(prefix)
    return str(network.network_address + rng.randint(1, network.num_addresses - 2))


def _legs(connection: Connection) -> list[tuple]:
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
    legs = []
    for endpoint, own in ((client.endpoint, client), (server.endpoint, server)):
        if endpoint is None or (connection.action == "REJECT" and own is client):
            continue
        other = server if own is client else client
        path = 1 if other.endpoint else (7 if other.aws_service else (8 if endpoint.instance_id else 2))
        legs.append((endpoint, client.ip, server.ip, cport, sport, client.ip, server.ip, True, path))
        if connection.action == "ACCEPT":
            legs.append((endpoint, server.ip, client.ip, sport, cport, server.ip, client.ip, False, path))
    return legs


def _records(model: AccountModel, connections: list[Connection], status_records: list[tuple]) -> pd.DataFrame:
    services = {}
    for connection in connections:
        services[connection.client.ip] = connection.client.aws_service
        services[connection.server.ip] = connection.server.aws_service
    rows = []
    for connection in connections:
        for endpoint, src, dst, sport, dport, pkt_src, pkt_dst, is_request, path in _legs(connection):
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
    for endpoint, start, end, status in status_records:
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


def _exchanges(connections: list[Connection], date: datetime.date, day_start: int) -> pd.DataFrame:
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


# Bytes per interval (up, down) in the day of each NFS client's long-lived mount; a fifth at night.
_NFS_LOAD = {
    "web": (4e6, 40e6),
    "app": (10e6, 25e6),
    "batch-worker": (5e5, 5e5),
    "management-server": (2e5, 3e5),
}


class _Scenarios:
    """The account's workloads as connections: who talks to whom, when, and how much."""

    def __init__(self, model: AccountModel, day_start: int, rng: random.Random, scale: float) -> None:
        self.model, self.day_start, self.rng, self.scale = model, day_start, rng, scale
        self.connections: list[Connection] = []
        self._used: set[tuple] = set()
        self.albs = [Peer.of(e) for e in model.by_type("elb:application")]
        self.apps = [Peer.of(e) for e in model.by_name("app")]
        self.webs = [Peer.of(e) for e in model.by_name("web")]
        self.batch = [Peer.of(e) for e in model.by_name("batch-worker")]
        self.management = [Peer.of(e) for e in model.by_name("management-server")]
        self.lambdas = [Peer.of(e) for e in model.by_type("lambda:function")]
        self.internet = [
            _internet(ip) for ip in dict.fromkeys(random_public_ip(rng, _CLIENT_NETS) for _ in range(300))
        ]
        service = f"S3 {model.region}"
        prefixes = s3_prefixes(model.region)
        self.s3 = [
            Peer(random_host(rng, rng.choice(prefixes)), "aws:service", service, aws_service="S3")
            for _ in range(8)
        ]

    def build(self) -> tuple[list[Connection], list[tuple]]:
        self._nfs()
        self._load_balancer()
        self._web_to_app()
        self._database()
        self._s3()
        self._egress()
        self._secrets()
        self._probes()
        self._outside_the_date()
        return self.connections, self._status_records()

    def _count(self, number: int) -> int:
        return max(1, round(number * self.scale))

    def _start(self, day_share: float) -> int:
        window = 0 if self.rng.random() < day_share else 1
        return self.day_start + window * WINDOW_SECONDS + self.rng.randrange(WINDOW_SECONDS)

    def _port(self, client_ip: str, server_ip: str, server_port: int, ports: tuple[int, int]) -> int:
        """A source port not yet used towards this server: every connection is its own 5-tuple."""
        while True:
            port = self.rng.randint(*ports)
            if port not in SERVICE_PORTS and (client_ip, port, server_ip, server_port) not in self._used:
                self._used.add((client_ip, port, server_ip, server_port))
                return port

    def _short(
        self,
        client: Peer,
        server: Peer,
        port: int,
        start: int,
        duration: float,
        up: int,
        down: int,
        *,
        sizes: tuple[int, int] = (1400, 1400),
        ports: tuple[int, int] = LINUX_EPHEMERAL,
        nat: Endpoint | None = None,
    ) -> None:
        client_port = self._port(client.ip, server.ip, port, ports)
        nat_port = self._port(nat.ip, server.ip, port, ANY_PORT) if nat else None
        exchanges = split(start, start + round(duration), up, down, sizes)
        self.connections.append(
            Connection(client, server, client_port, port, "ACCEPT", exchanges, nat, nat_port)
        )

    def _long(self, client: Peer, server: Peer, port: int, rates, sizes: tuple[int, int]) -> None:
        """A connection opened before the date and open all of it (no SYN, no FIN): NFS mounts, DB pools."""
        exchanges = []
        for lo in range(self.day_start, self.day_start + 2 * WINDOW_SECONDS, AGGREGATION_SECONDS):
            up, down = rates((lo - self.day_start) / 3600)
            start, end = lo + self.rng.randint(0, 20), lo + AGGREGATION_SECONDS - self.rng.randint(1, 20)
            exchanges.append(
                Exchange(start, end, _packets(up, sizes[0]), up, _packets(down, sizes[1]), down, 0, 0)
            )
        client_port = self._port(client.ip, server.ip, port, LINUX_EPHEMERAL)
        self.connections.append(Connection(client, server, client_port, port, "ACCEPT", exchanges))

    def _nfs(self) -> None:
        targets = {e.availability_zone: Peer.of(e) for e in self.model.by_type("efs:mount-target")}
        first_zone = min(targets)
        for name in _NFS_LOAD:
            for client in (Peer.of(e) for e in self.model.by_name(name)):
                # batch-worker mounts the first zone's target by its address: NFS across AZs.
                zone = first_zone if name == "batch-worker" else client.availability_zone
                self._long(client, targets[zone], 2049, self._nfs_rates(name), (4000, 8000))

    def _nfs_rates(self, name: str):
        uniform = self.rng.uniform

        def rates(hours: float) -> tuple[int, int]:
            if name == "management-server" and 18 <= hours < 21:  # the 00:00-03:00 EFS backup reads
                return int(uniform(1e6, 5e6)), int(uniform(2e9, 4e9))
            if name == "batch-worker" and 16 <= hours < 22:  # the 22:00-04:00 batch run
                return int(uniform(3e8, 9e8)), int(uniform(2e8, 6e8))
            factor = 1.0 if hours < 12 else 0.2
            up, down = _NFS_LOAD[name]
            return int(up * factor * uniform(0.5, 1.5)), int(down * factor * uniform(0.5, 1.5))

        return rates

    def _load_balancer(self) -> None:
        for _ in range(self._count(8000)):
            self._web_request(self._start(0.75))

    def _web_request(self, start: int) -> None:
        """An internet client's HTTPS request to the ALB, and the ALB's request to an app server."""
        rng = self.rng
        client, alb, app = rng.choice(self.internet), rng.choice(self.albs), rng.choice(self.apps)
        duration, up, down = (
            rng.expovariate(1 / 8),
            rng.randint(600, 6000),
            min(int(rng.lognormvariate(10, 1.2)), 5_000_000),
        )
        self._short(client, alb, 443, start, duration, up, down, sizes=(600, 1400), ports=ANY_PORT)
        self._short(
            alb, app, 8080, start, duration, up + 400, max(200, down - 300), sizes=(600, 1400), ports=ANY_PORT
        )

    def _web_to_app(self) -> None:
        rng = self.rng
        for _ in range(self._count(2500)):
            up, down = rng.randint(1000, 10_000), int(rng.lognormvariate(9.5, 1))
            self._short(
                rng.choice(self.webs),
                rng.choice(self.apps),
                8080,
                self._start(0.75),
                rng.expovariate(0.5),
                up,
                down,
            )

    def _database(self) -> None:
        database = Peer.of(self.model.by_type("rds:db")[0])
        uniform = self.rng.uniform

        def pool(hours: float) -> tuple[int, int]:
            factor = 1.0 if hours < 12 else 0.2
            return int(uniform(3e5, 3e6) * factor), int(uniform(1e6, 1e7) * factor)

        for app in self.apps:
            for _ in range(4):
                self._long(app, database, 5432, pool, (800, 1400))
        rng = self.rng
        for _ in range(self._count(1500)):
            up, down = rng.randint(1000, 5000), rng.randint(2000, 60_000)
            self._short(
                rng.choice(self.lambdas), database, 5432, self._start(0.7), rng.expovariate(1 / 1.5), up, down
            )

    def _s3(self) -> None:
        rng = self.rng
        for _ in range(self._count(1200)):
            if rng.random() < 0.3:  # the nightly batch uploads its results
                start = self.day_start + 16 * 3600 + rng.randrange(6 * 3600)
                up, down, duration = (
                    rng.randint(50_000_000, 500_000_000),
                    rng.randint(20_000, 200_000),
                    rng.uniform(20, 200),
                )
                self._short(rng.choice(self.batch), rng.choice(self.s3), 443, start, duration, up, down)
                continue
            client = rng.choice(self.webs + self.apps + self.management)
            up, down = rng.randint(500, 2000), min(int(rng.lognormvariate(12, 1.5)), 50_000_000)
            self._short(client, rng.choice(self.s3), 443, self._start(0.7), rng.uniform(1, 30), up, down)

    def _egress(self) -> None:
        rng = self.rng
        nat = self.model.by_type("nat-gateway")[0]
        hosts = [_internet(ip) for ip in NAT_DESTINATIONS]
        for _ in range(self._count(1000)):
            up, down = rng.randint(1000, 20_000), min(int(rng.lognormvariate(10, 1.5)), 20_000_000)
            client = rng.choice(self.webs + self.apps + self.batch)
            self._short(
                client, rng.choice(hosts), 443, self._start(0.7), rng.uniform(0.5, 20), up, down, nat=nat
            )
        for _ in range(self._count(100)):  # the management server is in a public subnet: straight out the IGW
            up, down = rng.randint(1000, 5000), int(rng.lognormvariate(12, 1))
            self._short(
                self.management[0], rng.choice(hosts), 443, self._start(0.5), rng.uniform(1, 30), up, down
            )

    def _secrets(self) -> None:
        rng = self.rng
        endpoints = {e.availability_zone: Peer.of(e) for e in self.model.by_type("vpc-endpoint")}
        for _ in range(self._count(800)):
            client = rng.choice(self.apps + self.lambdas + self.webs)
            up, down = rng.randint(1000, 3000), rng.randint(2000, 6000)
            self._short(
                client,
                endpoints[client.availability_zone],
                443,
                self._start(0.7),
                rng.uniform(0, 2),
                up,
                down,
            )

    def _probes(self) -> None:
        """SSH and RDP scans from the internet, rejected by security groups: a request record only."""
        rng = self.rng
        probers = [_internet(random_public_ip(rng, _PROBER_NETS)) for _ in range(60)]
        for _ in range(self._count(600)):
            client = rng.choice(probers)
            server = self.management[0] if rng.random() < 0.7 else rng.choice(self.albs)
            port = 22 if rng.random() < 0.7 else 3389
            start = self._start(0.5)
            end = min(start + rng.randint(0, 2), (start // AGGREGATION_SECONDS + 1) * AGGREGATION_SECONDS - 1)
            packets = rng.randint(1, 3)
            exchange = Exchange(start, end, packets, packets * rng.choice((40, 44, 60)), 0, 0, 2, 0)
            client_port = self._port(client.ip, server.ip, port, ANY_PORT)
            self.connections.append(Connection(client, server, client_port, port, "REJECT", [exchange]))

    def _outside_the_date(self) -> None:
        """Requests just before the date starts and just after it ends: logged, but not the date's."""
        for _ in range(3):
            self._web_request(self.day_start - self.rng.randint(900, 1500))
            self._web_request(self.day_start + 2 * WINDOW_SECONDS + self.rng.randint(30, 900))

    def _status_records(self) -> list[tuple]:
        """NODATA in intervals where an ENI saw nothing; SKIPDATA on the busiest ENI (an ALB's)."""
        busy = {
            (leg[0].interface_id, exchange.start // AGGREGATION_SECONDS)
            for connection in self.connections
            for leg in _legs(connection)
            for exchange in connection.exchanges
        }
        intervals = range(
            self.day_start // AGGREGATION_SECONDS,
            (self.day_start + 2 * WINDOW_SECONDS) // AGGREGATION_SECONDS,
        )
        idle = [(e, i) for e in self.model.endpoints for i in intervals if (e.interface_id, i) not in busy]
        chosen = [(e, i, "NODATA") for e, i in self.rng.sample(idle, min(4, len(idle)))]
        chosen += [(self.albs[0].endpoint, i, "SKIPDATA") for i in self.rng.sample(list(intervals), 2)]
        return [
            (
                endpoint,
                i * AGGREGATION_SECONDS + self.rng.randint(0, 30),
                (i + 1) * AGGREGATION_SECONDS - self.rng.randint(1, 30),
                status,
            )
            for endpoint, i, status in chosen
        ]


def _internet(ip: str) -> Peer:
    return Peer(ip, "internet", ip)
