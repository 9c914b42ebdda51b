"""A connection cut at the aggregation intervals, flagged as AWS flags it, and the addresses peers get."""

import ipaddress
import json
import random

from flowpipe.lib.simulated.traffic_connections import (
    IP_RANGES_PATH,
    random_host,
    random_public_ip,
    s3_prefixes,
    split,
)


def test_split_cuts_at_interval_edges_and_shares_the_bytes_by_time() -> None:
    exchanges = split(590, 1300, 71_000, 142_000, (1400, 700))
    assert [(e.start, e.end) for e in exchanges] == [(590, 600), (600, 1200), (1200, 1300)]
    assert [e.bytes_up for e in exchanges] == [1000, 60_000, 10_000]
    assert [e.bytes_down for e in exchanges] == [2000, 120_000, 20_000]
    assert [(e.packets_up, e.packets_down) for e in exchanges] == [(1, 3), (43, 172), (8, 29)]


def test_split_opens_with_syn_and_closes_with_fin_unless_already_open() -> None:
    opened = split(590, 1300, 71_000, 142_000, (1400, 1400))
    assert [(e.flags_up, e.flags_down) for e in opened] == [(2, 18), (0, 0), (1, 1)]
    (alone,) = split(0, 10, 1, 1, (1400, 1400))
    assert (alone.flags_up, alone.flags_down, alone.bytes_up, alone.packets_up) == (3, 19, 60, 1)
    assert {(e.flags_up, e.flags_down) for e in split(590, 1300, 1, 1, (1400, 1400), opened=False)} == {
        (0, 0)
    }


def test_s3_prefixes_are_the_regions_s3_ipv4_prefixes_of_the_fixture() -> None:
    prefixes = s3_prefixes("us-east-1")
    ranges = json.loads(IP_RANGES_PATH.read_text())["prefixes"]
    s3 = {(p["ip_prefix"], p["region"]) for p in ranges if p["service"] == "S3"}
    assert prefixes and {(prefix, "us-east-1") for prefix in prefixes} <= s3
    assert all(ipaddress.ip_network(prefix).version == 4 for prefix in prefixes)


def test_random_addresses_stay_inside_their_networks() -> None:
    rng = random.Random(1)
    assert {random_host(rng, "10.0.0.0/30") for _ in range(50)} == {"10.0.0.1", "10.0.0.2"}
    nets = ((81, 2), (45, 146))
    for _ in range(50):
        address = ipaddress.ip_address(random_public_ip(rng, nets))
        assert tuple(address.packed[:2]) in nets and address.packed[3] not in (0, 255)
