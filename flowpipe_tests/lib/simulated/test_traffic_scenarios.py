"""The scenarios: probes rejected, ephemeral client ports, S3 and internet ends named, the night's backup."""

import ipaddress
import json

import pandas as pd

from flowpipe.lib.simulated.traffic import Traffic
from flowpipe.lib.simulated.traffic_connections import IP_RANGES_PATH, SERVICE_PORTS, s3_prefixes


def test_rejected_probes_have_a_request_record_only(traffic: Traffic) -> None:
    rejected = traffic.records[traffic.records["action"] == "REJECT"]
    assert set(rejected["dstport"]) == {22, 3389}
    probers = set(rejected["srcaddr"])
    assert not traffic.records["dstaddr"].isin(probers).any()
    truth = traffic.ground_truth[traffic.ground_truth["action"] == "REJECT"]
    assert (truth["bytes_down"] == 0).all() and set(truth["client_type"]) == {"internet"}


def test_client_ports_are_ephemeral_and_never_service_ports(traffic: Traffic) -> None:
    exchanges = traffic.exchanges
    assert not exchanges["client_port"].isin(SERVICE_PORTS).any()
    assert exchanges["client_port"].between(1024, 65535).all()
    instances = exchanges[exchanges["client_type"] == "ec2:instance"]
    assert instances["client_port"].between(32768, 60999).all()


def test_s3_and_internet_ends_are_named_by_the_naming_rules(traffic: Traffic) -> None:
    truth = traffic.ground_truth
    s3 = truth[truth["server_type"] == "aws:service"]
    networks = [ipaddress.ip_network(prefix) for prefix in s3_prefixes("us-east-1")]
    assert set(s3["server_name"]) == {"S3 us-east-1"}
    assert all(any(ipaddress.ip_address(ip) in n for n in networks) for ip in s3["server_ip"])
    aws = [ipaddress.ip_network(p["ip_prefix"]) for p in json.loads(IP_RANGES_PATH.read_text())["prefixes"]]
    internet = pd.concat(
        [
            truth.loc[truth["client_type"] == "internet", "client_ip"],
            truth.loc[truth["server_type"] == "internet", "server_ip"],
        ]
    )
    for ip in set(internet):
        address = ipaddress.ip_address(ip)
        assert address.is_global and not any(address in network for network in aws)
    assert (
        truth.loc[truth["server_type"] == "internet", "server_name"]
        == truth.loc[truth["server_type"] == "internet", "server_ip"]
    ).all()


def test_the_night_holds_the_efs_backup_of_the_management_server(traffic: Traffic) -> None:
    nfs = traffic.ground_truth[
        (traffic.ground_truth["client_name"] == "management-server")
        & (traffic.ground_truth["server_port"] == 2049)
    ].set_index("window")
    assert nfs.loc["night", "bytes_down"] > 100 * nfs.loc["day", "bytes_down"]
