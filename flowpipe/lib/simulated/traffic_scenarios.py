"""The catalogue of the simulated account's workloads, each built as connections: who talks to whom, when,
and how much.

NFS mounts, the load balancer, the database, S3, NAT egress, secrets, internet probes and requests just
outside the date, all drawn from one Random in a fixed order so that a seed always yields the same
traffic. They only build connections; traffic.py turns them into records and ground truth.
"""

import random

from flowpipe.lib.simulated.account_model import AccountModel, Endpoint
from flowpipe.lib.simulated.traffic_connections import (
    AGGREGATION_SECONDS,
    ANY_PORT,
    LINUX_EPHEMERAL,
    SERVICE_PORTS,
    WINDOW_SECONDS,
    Connection,
    Exchange,
    Peer,
    packet_count,
    random_host,
    random_public_ip,
    s3_prefixes,
    split,
)

NAT_DESTINATIONS = ("140.82.112.3", "140.82.114.4", "151.101.1.69", "151.101.65.69", "199.232.68.133")
_CLIENT_NETS = ((81, 2), (89, 160), (151, 60), (176, 24), (188, 40), (93, 184), (62, 210), (213, 87))
_PROBER_NETS = ((45, 146), (193, 32), (92, 63), (185, 220), (141, 98))
# Bytes per interval (up, down) in the day of each NFS client's long-lived mount; a fifth at night.
_NFS_LOAD = {
    "web": (4e6, 40e6),
    "app": (10e6, 25e6),
    "batch-worker": (5e5, 5e5),
    "management-server": (2e5, 3e5),
}


class Scenarios:
    """The account's workloads as connections, built in order from one Random."""

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

    def build(self) -> list[Connection]:
        self._nfs()
        self._load_balancer()
        self._web_to_app()
        self._database()
        self._s3()
        self._egress()
        self._secrets()
        self._probes()
        self._outside_the_date()
        return self.connections

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
                Exchange(start, end, packet_count(up, sizes[0]), up, packet_count(down, sizes[1]), down, 0, 0)
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


def _internet(ip: str) -> Peer:
    return Peer(ip, "internet", ip)
