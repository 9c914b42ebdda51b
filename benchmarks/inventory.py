"""Naming the addresses of an account with many ENIs: API calls, seconds and peak memory of flowpipe's
inventory (every service's paginated describe calls, then the address book) against what people do by hand,
one describe-network-interfaces call per address (filter addresses.private-ip-address):

    python -m benchmarks.inventory --enis 10000

Starts a moto server, creates the ENIs (timed; four threads, each ENI at a fixed address), then runs each
approach in its own subprocess over every address, so each has its own peak RSS (the moto server's memory
is not counted). Calls are counted with a botocore before-call hook on every client the approach makes
(the inventory's sts:GetCallerIdentity is made outside them: +1). Prints one JSON line per approach.
moto answers describe_network_interfaces in one page whatever MaxResults says; AWS may page it (at most
1000 ENIs a page), up to ceil(N / 1000) - 1 calls more. The per-address count is N against either.
"""

import argparse
import ipaddress
import json
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import boto3
from botocore.client import BaseClient

from flowpipe.lib.address_book import build_address_book
from flowpipe.lib.inventory import inventory_client, take_inventory
from flowpipe.lib.simulated.moto_server import MotoServer, patched_environment

REGION = "us-east-1"
APPROACHES = ("flowpipe", "per-address")
SUBNET_PREFIX = 18  # 16 379 usable addresses each
_THREADS = 4


@dataclass
class Measurement:
    approach: str
    addresses: int
    named: int
    api_calls: int
    seconds: float
    peak_rss_mib: float


def _subnets(ec2: BaseClient, count: int) -> list[tuple[str, list[str]]]:
    """Enough /18 subnets of a /16 VPC for `count` ENIs, with the addresses each will hold."""
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = []
    for network in ipaddress.ip_network("10.0.0.0/16").subnets(new_prefix=SUBNET_PREFIX):
        if count <= 0:
            break
        hosts = [str(host) for host in list(network.hosts())[4:]][:count]  # AWS keeps the first 4
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=str(network))["Subnet"]["SubnetId"]
        subnets.append((subnet, hosts))
        count -= len(hosts)
    return subnets


def create_enis(count: int, region: str = REGION) -> list[str]:
    """`count` ENIs in a new VPC, described as Lambda ENIs; returns their addresses."""
    session = boto3.Session(region_name=region)
    clients = [session.client("ec2") for _ in range(_THREADS)]
    jobs = [
        (subnet, address, index)
        for subnet, hosts in _subnets(clients[0], count)
        for index, address in enumerate(hosts)
    ]

    def create(job_number: int) -> str:
        subnet, address, index = jobs[job_number]
        clients[job_number % _THREADS].create_network_interface(
            SubnetId=subnet, PrivateIpAddress=address, Description=f"AWS Lambda VPC ENI-fn-{index % 50}"
        )
        return address

    with ThreadPoolExecutor(max_workers=_THREADS) as pool:
        return list(pool.map(create, range(len(jobs))))


class _Counter:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, **_: object) -> None:
        self.calls += 1

    def watch(self, client: BaseClient) -> BaseClient:
        client.meta.events.register("before-call.*.*", self)
        return client


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(approach: str, addresses: list[str], region: str = REGION) -> Measurement:
    """Names `addresses` one way; counts the calls and the seconds it takes."""
    counter = _Counter()
    started = time.perf_counter()
    if approach == "flowpipe":
        inventory = take_inventory(
            [region],
            make_client=lambda session, service, where: counter.watch(
                inventory_client(session, service, where)
            ),
        )
        known = set(build_address_book(inventory.tables).column("ip").to_pylist())
        named = sum(address in known for address in addresses)
    else:
        ec2 = counter.watch(boto3.Session(region_name=region).client("ec2"))
        named = sum(
            bool(
                ec2.describe_network_interfaces(
                    Filters=[{"Name": "addresses.private-ip-address", "Values": [address]}]
                )["NetworkInterfaces"]
            )
            for address in addresses
        )
    seconds = time.perf_counter() - started
    return Measurement(
        approach, len(addresses), named, counter.calls, round(seconds, 2), round(_peak_rss_mib(), 1)
    )


def _in_subprocess(approach: str, addresses_file: Path) -> dict:
    """One approach in a fresh interpreter (the AWS settings point it at the moto server)."""
    command = [sys.executable, "-m", "benchmarks.inventory", "--measure", approach]
    command += ["--addresses", str(addresses_file)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--enis", type=int, default=10_000)
    parser.add_argument("--approach", choices=(*APPROACHES, "both"), default="both")
    parser.add_argument("--measure", choices=APPROACHES, help=argparse.SUPPRESS)
    parser.add_argument("--addresses", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        addresses = args.addresses.read_text().split()
        sys.stdout.write(json.dumps(asdict(measure(args.measure, addresses))) + "\n")
        return
    approaches = APPROACHES if args.approach == "both" else (args.approach,)
    with (
        MotoServer() as server,
        patched_environment(server.environment()),
        tempfile.TemporaryDirectory() as tmp,
    ):
        started = time.perf_counter()
        addresses = create_enis(args.enis)
        created = time.perf_counter() - started
        sys.stdout.write(json.dumps({"created_enis": len(addresses), "seconds": round(created, 1)}) + "\n")
        addresses_file = Path(tmp) / "addresses.txt"
        addresses_file.write_text("\n".join(addresses))
        for approach in approaches:
            sys.stdout.write(json.dumps(_in_subprocess(approach, addresses_file)) + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
