"""The traffic model: deterministic, logged at every ENI it crosses, and summed once in the truth."""

import calendar
import datetime
import ipaddress
import json
import urllib.request
from collections.abc import Iterator

import pandas as pd
import pytest

from flowpipe.lib.simulated.account import AccountModel, build_account
from flowpipe.lib.simulated.moto_server import MotoServer, patched_environment
from flowpipe.lib.simulated.traffic import (
    IP_RANGES_PATH,
    SERVICE_PORTS,
    Traffic,
    generate_traffic,
    s3_prefixes,
)

DATE = datetime.date(2026, 3, 14)
DAY_START = calendar.timegm(DATE.timetuple()) + 6 * 3600
DAY_END = DAY_START + 24 * 3600
VPC_TYPES = {
    "ec2:instance",
    "efs:mount-target",
    "elb:application",
    "rds:db",
    "lambda:function",
    "vpc-endpoint",
}


@pytest.fixture(scope="module")
def model(moto_server: MotoServer) -> Iterator[AccountModel]:
    """Traffic needs only the model; the account is built once, in a clean moto (names must be unique)."""
    request = urllib.request.Request(f"{moto_server.endpoint_url}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=10).close()
    with patched_environment(moto_server.environment()):
        yield build_account()


@pytest.fixture(scope="module")
def traffic(model: AccountModel) -> Traffic:
    return generate_traffic(model, DATE, seed=7, scale=0.05)


def _ok_in_date(records: pd.DataFrame) -> pd.DataFrame:
    return records[
        (records["log-status"] == "OK") & (records["start"] >= DAY_START) & (records["start"] < DAY_END)
    ]


def test_traffic_is_deterministic_per_seed(model: AccountModel, traffic: Traffic) -> None:
    again = generate_traffic(model, DATE, seed=7, scale=0.05)
    other = generate_traffic(model, DATE, seed=8, scale=0.05)
    pd.testing.assert_frame_equal(traffic.records, again.records)
    pd.testing.assert_frame_equal(traffic.ground_truth, again.ground_truth)
    assert not traffic.records.equals(other.records)


def test_every_vpc_to_vpc_record_appears_at_both_enis(model: AccountModel, traffic: Traffic) -> None:
    eni_of = {endpoint.ip: endpoint.interface_id for endpoint in model.endpoints}
    records = traffic.records[traffic.records["log-status"] == "OK"]
    # A NAT gateway's hop records (instance <-> NAT address) carry the internet host in pkt-*: not VPC-to-VPC.
    direct = (records["pkt-srcaddr"] == records["srcaddr"]) & (records["pkt-dstaddr"] == records["dstaddr"])
    internal = records[records["srcaddr"].isin(eni_of) & records["dstaddr"].isin(eni_of) & direct]
    assert len(internal) > 0
    key = [
        "srcaddr",
        "dstaddr",
        "srcport",
        "dstport",
        "protocol",
        "packets",
        "bytes",
        "start",
        "end",
        "action",
    ]
    for (src, dst, *_), group in internal.groupby(key):
        assert sorted(group["interface-id"]) == sorted({eni_of[src], eni_of[dst]})


def test_records_sum_to_the_truth_times_the_enis_that_log_each_exchange(traffic: Traffic) -> None:
    truth = traffic.ground_truth
    logged_by = (
        truth["client_type"].isin(VPC_TYPES).astype(int) + truth["server_type"].isin(VPC_TYPES)
    ).where(truth["via"].isna(), 3)
    expected = ((truth["bytes_up"] + truth["bytes_down"]) * logged_by).sum()
    assert _ok_in_date(traffic.records)["bytes"].sum() == expected


def test_truth_totals_are_the_request_and_response_bytes_of_the_connections(traffic: Traffic) -> None:
    dated = traffic.exchanges[traffic.exchanges["date"].notna()]
    truth = traffic.ground_truth
    assert truth["bytes_up"].sum() == dated["bytes_up"].sum()
    assert truth["bytes_down"].sum() == dated["bytes_down"].sum()
    assert truth["packets"].sum() == (dated["packets_up"] + dated["packets_down"]).sum()
    assert set(truth["window"]) == {"day", "night"} and set(truth["date"]) == {"2026-03-14"}


def test_records_outside_the_date_exist_but_are_not_in_the_truth(traffic: Traffic) -> None:
    starts = traffic.records["start"]
    assert (starts < DAY_START).any() and (starts >= DAY_END).any()
    outside = traffic.exchanges[traffic.exchanges["date"].isna()]
    assert len(outside) > 0 and ((outside["start"] < DAY_START) | (outside["start"] >= DAY_END)).all()
    dated = traffic.exchanges[traffic.exchanges["date"].notna()]
    assert traffic.ground_truth["flows"].sum() >= dated["connection_id"].nunique()
    assert traffic.ground_truth["bytes_up"].sum() == dated["bytes_up"].sum()


def test_nat_egress_is_logged_at_the_instance_and_at_both_sides_of_the_nat_eni(
    model: AccountModel, traffic: Traffic
) -> None:
    (nat,) = model.by_type("nat-gateway")
    eni_of = {endpoint.ip: endpoint.interface_id for endpoint in model.endpoints}
    exchange = traffic.exchanges[traffic.exchanges["via"] == "nat-gateway"].iloc[0]
    client, host = exchange["client_ip"], exchange["server_ip"]
    records = traffic.records[
        (traffic.records["start"] == exchange["start"]) & (traffic.records["end"] == exchange["end"])
    ]
    seen = {
        (row["interface-id"], row["srcaddr"], row["dstaddr"], row["pkt-srcaddr"], row["pkt-dstaddr"])
        for _, row in records.iterrows()
        if {row["pkt-srcaddr"], row["pkt-dstaddr"]} == {client, host}
        or {row["srcaddr"], row["dstaddr"]} == {nat.ip, host}
    }
    assert seen == {
        (eni_of[client], client, host, client, host),
        (eni_of[client], host, client, host, client),
        (nat.interface_id, client, nat.ip, client, host),
        (nat.interface_id, nat.ip, host, nat.ip, host),
        (nat.interface_id, host, nat.ip, host, nat.ip),
        (nat.interface_id, nat.ip, client, host, client),
    }
    via = traffic.ground_truth[traffic.ground_truth["via"] == "nat-gateway"]
    assert set(via["client_type"]) == {"ec2:instance"} and set(via["server_type"]) == {"internet"}


def test_rejected_probes_have_a_request_record_only(traffic: Traffic) -> None:
    rejected = traffic.records[traffic.records["action"] == "REJECT"]
    assert set(rejected["dstport"]) == {22, 3389}
    probers = set(rejected["srcaddr"])
    assert not traffic.records["dstaddr"].isin(probers).any()
    truth = traffic.ground_truth[traffic.ground_truth["action"] == "REJECT"]
    assert (truth["bytes_down"] == 0).all() and set(truth["client_type"]) == {"internet"}


def test_client_ports_are_ephemeral_and_never_service_ports(model: AccountModel, traffic: Traffic) -> None:
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


def test_nodata_and_skipdata_records_carry_no_traffic_fields(traffic: Traffic) -> None:
    status = traffic.records[traffic.records["log-status"].isin({"NODATA", "SKIPDATA"})]
    assert set(status["log-status"]) == {"NODATA", "SKIPDATA"}
    assert (
        status[["srcaddr", "dstaddr", "srcport", "dstport", "protocol", "packets", "bytes", "action"]]
        .isna()
        .all()
        .all()
    )
    assert status[["interface-id", "start", "end"]].notna().all().all()


def test_new_connections_open_with_syn_and_syn_ack(traffic: Traffic) -> None:
    records = traffic.records
    probes = records[records["action"] == "REJECT"]
    assert (probes["tcp-flags"] == 2).all()
    assert {2, 3, 18, 19} <= set(records["tcp-flags"].dropna())
    egress = records[records["flow-direction"] == "egress"]
    assert egress["traffic-path"].notna().all()
    assert records.loc[records["flow-direction"] == "ingress", "traffic-path"].isna().all()


def test_the_night_holds_the_efs_backup_of_the_management_server(traffic: Traffic) -> None:
    nfs = traffic.ground_truth[
        (traffic.ground_truth["client_name"] == "management-server")
        & (traffic.ground_truth["server_port"] == 2049)
    ].set_index("window")
    assert nfs.loc["night", "bytes_down"] > 100 * nfs.loc["day", "bytes_down"]
