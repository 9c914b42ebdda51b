"""conversations on literal rows: de-duplication, orientation rules, placement and what is not traffic."""

import pandas as pd
import pytest

from flowpipe_tests.dbt_like_sql.conftest import endpoint, record

WEB = endpoint("10.0.1.10", "ec2:instance", "web", "i-web", "eni-web", "a")
APP = endpoint("10.0.1.20", "ec2:instance", "app", "i-app", "eni-app", "a")
EFS = endpoint("10.0.2.4", "efs:mount-target", "shared-fs", "fs-1", "eni-efs", "b")
RDS = endpoint("10.0.2.9", "rds:db", "orders-db", "orders-db", "eni-rds", "b")
NAT = endpoint("10.0.0.99", "nat-gateway", "nat-a", "nat-1", "eni-nat", "a")
PROBER = endpoint("198.51.100.7", "internet", "198.51.100.7")
HOST = endpoint("203.0.113.5", "internet", "203.0.113.5")


def _row(frame, **keys):
    selected = frame
    for column, value in keys.items():
        selected = selected[selected[column] == value]
    assert len(selected) == 1, f"expected one row for {keys}, got {len(selected)}"
    return selected.iloc[0]


def test_a_flow_logged_at_both_enis_is_counted_once(build_model):
    records = [
        record("eni-web", "10.0.1.10", "10.0.2.4", 40000, 2049, 1_000, packets=10),
        record("eni-efs", "10.0.1.10", "10.0.2.4", 40000, 2049, 1_000, packets=10),
        record("eni-web", "10.0.2.4", "10.0.1.10", 2049, 40000, 50_000, packets=40),
        record("eni-efs", "10.0.2.4", "10.0.1.10", 2049, 40000, 50_000, packets=40),
    ]
    rows = build_model("conversations", records, [WEB, EFS])
    row = _row(rows, client_name="web", server_name="shared-fs")
    assert (row.bytes_up, row.bytes_down, row.bytes, row.packets) == (1_000, 50_000, 51_000, 50)
    assert (row.bytes_logged, row.packets_logged, row.interfaces_logged) == (102_000, 100, 2)
    assert row.cross_az and row.traffic_class == "cross-az"
    assert (row.client_az, row.server_az) == ("us-east-1a", "us-east-1b")


def test_a_flow_logged_at_one_eni_only_is_counted_from_that_side(build_model):
    records = [
        record("eni-web", "10.0.1.10", "10.0.2.4", 40000, 2049, 1_000),
        record("eni-web", "10.0.2.4", "10.0.1.10", 2049, 40000, 7_000),
    ]
    row = _row(build_model("conversations", records, [WEB, EFS]), client_name="web")
    assert (row.bytes_up, row.bytes_down, row.interfaces_logged) == (1_000, 7_000, 1)


@pytest.mark.parametrize(
    ("records", "client", "server_port", "basis"),
    [
        # SYN from 10.0.1.20 (port 8080 is also a service port: the flags decide first)
        (
            [
                record("eni-app", "10.0.1.20", "10.0.1.10", 8080, 3000, 100, tcp_flags=2),
                record("eni-app", "10.0.1.10", "10.0.1.20", 3000, 8080, 900, tcp_flags=18),
            ],
            "app",
            3000,
            "tcp-flags",
        ),
        # RDS only serves: the RDS end is the server although its port is the higher one here
        (
            [
                record("eni-app", "10.0.1.20", "10.0.2.9", 1030, 40001, 100),
                record("eni-app", "10.0.2.9", "10.0.1.20", 40001, 1030, 900),
            ],
            "app",
            40001,
            "address-book",
        ),
        # a load balancer's source port can be a service port (1521, oracle): app:8080 serves two
        # peers in the window, the balancer's port one, so app:8080 is the server
        (
            [
                record("eni-app", "10.0.1.10", "10.0.1.20", 1521, 8080, 100),
                record("eni-app", "10.0.1.20", "10.0.1.10", 8080, 1521, 900),
                record("eni-app", "10.0.2.9", "10.0.1.20", 40000, 8080, 100),
                record("eni-app", "10.0.1.20", "10.0.2.9", 8080, 40000, 900),
            ],
            "web",
            8080,
            "peer-count",
        ),
        # one ephemeral client port towards two servers: two peers, yet a service port against an
        # ephemeral one decides first
        (
            [
                record("eni-app", "10.0.1.10", "10.0.1.20", 40000, 6379, 100),
                record("eni-app", "10.0.1.20", "10.0.1.10", 6379, 40000, 900),
                record("eni-app", "10.0.1.10", "10.0.2.9", 40000, 5432, 100),
                record("eni-app", "10.0.2.9", "10.0.1.10", 5432, 40000, 900),
            ],
            "web",
            6379,
            "service-port",
        ),
        # a service port (8080) against an ephemeral one
        (
            [
                record("eni-app", "10.0.1.10", "10.0.1.20", 45000, 8080, 100),
                record("eni-app", "10.0.1.20", "10.0.1.10", 8080, 45000, 900),
            ],
            "web",
            8080,
            "service-port",
        ),
        # neither port is a known service: the lower port serves
        (
            [
                record("eni-app", "10.0.1.10", "10.0.1.20", 45000, 7777, 100),
                record("eni-app", "10.0.1.20", "10.0.1.10", 7777, 45000, 900),
            ],
            "web",
            7777,
            "lower-port",
        ),
        # ICMP has no ports: the direction seen first is the client's
        (
            [
                record("eni-app", "10.0.1.10", "10.0.1.20", 0, 0, 84, proto=1),
                record("eni-app", "10.0.1.20", "10.0.1.10", 0, 0, 84, proto=1, start=1773482410),
            ],
            "web",
            0,
            "first-seen",
        ),
    ],
    ids=[
        "tcp-flags",
        "address-book",
        "peer-count",
        "service-port-against-ephemeral",
        "service-port",
        "lower-port",
        "first-seen",
    ],
)
def test_each_orientation_rule_decides_client_and_server(build_model, records, client, server_port, basis):
    rows = build_model("conversations", records, [WEB, APP, RDS])
    row = _row(rows, server_port=server_port, client_name=client)
    assert (row.client_name, row.direction_basis) == (client, basis)
    assert (row.bytes_up, row.bytes_down) == ((100, 900) if basis != "first-seen" else (84, 84))


def test_nodata_and_skipdata_records_are_not_traffic(build_model):
    records = [
        record("eni-web", "10.0.1.10", "10.0.2.4", 40000, 2049, 500),
        record("eni-web", None, None, None, None, None, packets=None, action=None, status="NODATA"),
        record("eni-web", None, None, None, None, None, packets=None, action=None, status="SKIPDATA"),
    ]
    rows = build_model("conversations", records, [WEB, EFS])
    assert len(rows) == 1 and rows.bytes.sum() == 500


def test_rejected_probe_is_a_reject_conversation_towards_the_probed_port(build_model):
    records = [record("eni-web", "198.51.100.7", "10.0.1.10", 51515, 22, 60, action="REJECT")]
    row = _row(build_model("conversations", records, [WEB, PROBER]), action="REJECT")
    assert (row.client_name, row.server_name, row.server_port, row.service) == (
        "198.51.100.7",
        "web",
        22,
        "ssh",
    )
    assert row.traffic_class == "internet"


def test_records_captured_at_a_nat_gateway_are_marked_as_transit(build_model):
    records = [
        record("eni-web", "10.0.1.10", "203.0.113.5", 41000, 443, 300),
        record("eni-nat", "10.0.1.10", "10.0.0.99", 41000, 443, 300),
        record("eni-nat", "10.0.0.99", "203.0.113.5", 61000, 443, 300),
    ]
    rows = build_model("conversations", records, [WEB, NAT, HOST])
    direct = _row(rows, client_name="web", server_name="203.0.113.5")
    assert direct.traffic_class == "internet"
    assert set(rows[rows.server_port == 443].traffic_class) == {"internet", "nat-gateway-transit"}
    assert (rows.traffic_class == "nat-gateway-transit").sum() == 2


@pytest.mark.parametrize("second_hop_logged", [True, False])
def test_a_single_instance_behind_a_nat_gateway_stays_the_client(build_model, second_hop_logged):
    """Its own view and the gateway's first hop share its address:port; that is one peer, not two.
    (The gateway's second hop can fall in the next window, when its record starts a little later.)"""
    records = [
        record("eni-web", "10.0.1.10", "203.0.113.5", 41000, 443, 300),
        record("eni-web", "203.0.113.5", "10.0.1.10", 443, 41000, 9_000),
        record("eni-nat", "10.0.1.10", "10.0.0.99", 41000, 443, 300),
        record("eni-nat", "10.0.0.99", "10.0.1.10", 443, 41000, 9_000),
    ]
    if second_hop_logged:
        records += [
            record("eni-nat", "10.0.0.99", "203.0.113.5", 61000, 443, 300),
            record("eni-nat", "203.0.113.5", "10.0.0.99", 443, 61000, 9_000),
        ]
    rows = build_model("conversations", records, [WEB, NAT, HOST])
    direct = _row(rows, traffic_class="internet")
    assert (direct.client_name, direct.server_name, direct.server_port) == ("web", "203.0.113.5", 443)
    assert (direct.bytes_up, direct.bytes_down) == (300, 9_000)


VPCE = endpoint("10.0.1.70", "vpc-endpoint", "secrets", "vpce-1", "eni-vpce", "a")
TGW = endpoint("10.0.0.40", "transit-gateway", "hub", "tgw-attach-1", "eni-tgw", "a")
OTHER_VPC = {**endpoint("10.1.0.8", "ec2:instance", "billing", "i-bill", "eni-bill", "a"), "vpc_id": "vpc-2"}
PEER = {**endpoint("10.8.0.5", "peered-vpc", "partner", "vpc-9"), "network_kind": "peered-vpc"}
ON_PREMISES = {**endpoint("192.168.5.5", "unknown-private", "192.168.5.5"), "network_kind": "rfc1918"}
S3 = {**endpoint("52.216.8.9", "aws:service", "S3 us-east-1"), "network_kind": "aws-service"}
ENDS = [WEB, APP, EFS, NAT, HOST, VPCE, TGW, OTHER_VPC, PEER, ON_PREMISES, S3]


def _v5_exchange(client, server, path, client_port=41000, server_port=443, service=None):
    """One connection as the client's ENI logs it in a v5 format: its egress records carry the path."""
    request = record(
        client["interface_id"],
        client["ip"],
        server["ip"],
        client_port,
        server_port,
        300,
        flow_direction="egress",
        traffic_path=path,
        pkt_dst_aws_service=service,
    )
    response = record(
        client["interface_id"],
        server["ip"],
        client["ip"],
        server_port,
        client_port,
        9_000,
        flow_direction="ingress",
        pkt_src_aws_service=service,
    )
    return [request, response]


@pytest.mark.parametrize(
    ("path", "server", "traffic_class"),
    [
        (1, APP, "same-az"),
        (1, EFS, "cross-az"),
        (1, VPCE, "vpc-endpoint"),
        (1, TGW, "transit-gateway"),
        (1, OTHER_VPC, "transit-gateway"),
        (1, HOST, "nat-gateway"),
        (1, ON_PREMISES, "same-vpc"),
        (2, HOST, "internet-gateway"),
        (2, S3, "aws-service"),
        (3, ON_PREMISES, "virtual-private-gateway"),
        (4, PEER, "peering"),
        (5, PEER, "peering"),
        (6, ON_PREMISES, "local-gateway"),
        (7, S3, "vpc-endpoint"),
        (8, HOST, "internet-gateway"),
        (8, S3, "internet-gateway"),
    ],
    ids=lambda value: value["entity_name"] if isinstance(value, dict) else str(value),
)
def test_traffic_path_of_the_clients_egress_decides_the_traffic_class(
    build_model, path, server, traffic_class
):
    rows = build_model("conversations", _v5_exchange(WEB, server, path), ENDS)
    row = _row(rows, client_name="web", server_ip=server["ip"])
    assert (row.traffic_path, row.traffic_class, row.traffic_class_basis) == (
        path,
        traffic_class,
        "traffic-path",
    )
    assert (row.bytes_up, row.bytes_down) == (300, 9_000)


@pytest.mark.parametrize(
    ("server", "traffic_class"),
    [
        (APP, "same-az"),
        (EFS, "cross-az"),
        (VPCE, "vpc-endpoint"),
        (TGW, "transit-gateway"),
        (PEER, "peering"),
        (S3, "aws-service"),
        (HOST, "internet"),
        (ON_PREMISES, "unknown"),
    ],
    ids=lambda value: value["entity_name"] if isinstance(value, dict) else value,
)
def test_without_traffic_path_the_address_book_decides_the_traffic_class(build_model, server, traffic_class):
    records = [
        record("eni-web", WEB["ip"], server["ip"], 41000, 443, 300),
        record("eni-web", server["ip"], WEB["ip"], 443, 41000, 9_000),
    ]
    row = _row(build_model("conversations", records, ENDS), client_name="web", server_ip=server["ip"])
    assert pd.isna(row.traffic_path)
    assert (row.traffic_class, row.traffic_class_basis) == (traffic_class, "address-book")


def test_the_clients_path_is_kept_when_the_servers_view_is_the_one_counted(build_model):
    """AWS gives traffic_path on egress records only: the server's ENI logs the request as ingress."""
    records = _v5_exchange(WEB, APP, 1, server_port=8080) + [
        record("eni-app", WEB["ip"], APP["ip"], 41000, 8080, 300, flow_direction="ingress"),
        record("eni-app", APP["ip"], WEB["ip"], 8080, 41000, 9_000, flow_direction="egress", traffic_path=1),
    ]
    row = _row(build_model("conversations", records, ENDS), client_name="web")
    assert (row.bytes_up, row.bytes_down, row.interfaces_logged) == (300, 9_000, 2)
    assert (row.traffic_path, row.traffic_class, row.traffic_class_basis) == (1, "same-az", "traffic-path")


def test_the_servers_own_egress_path_does_not_classify_its_clients_conversation(build_model):
    """An internet client's requests have no egress record in the VPC; the answers' path is the server's."""
    records = [
        record("eni-web", HOST["ip"], WEB["ip"], 51000, 443, 300, flow_direction="ingress"),
        record("eni-web", WEB["ip"], HOST["ip"], 443, 51000, 9_000, flow_direction="egress", traffic_path=8),
    ]
    row = _row(build_model("conversations", records, ENDS), server_name="web")
    assert (row.client_name, row.traffic_class, row.traffic_class_basis) == (
        "203.0.113.5",
        "internet",
        "address-book",
    )
    assert pd.isna(row.traffic_path)


def test_aws_service_is_what_aws_names_the_servers_address(build_model):
    records = _v5_exchange(APP, S3, 7, service="S3") + [
        # the NAT gateway's ENI logs another's packet to S3: its pkt-dst-aws-service is not the gateway's
        record(
            "eni-nat",
            APP["ip"],
            NAT["ip"],
            42000,
            443,
            100,
            pkt_dstaddr=S3["ip"],
            pkt_dst_aws_service="S3",
            flow_direction="ingress",
        ),
    ]
    rows = build_model("conversations", records, ENDS)
    direct = _row(rows, client_name="app", server_name="S3 us-east-1")
    assert (direct.aws_service, direct.traffic_class) == ("S3", "vpc-endpoint")
    transit = _row(rows, traffic_class="nat-gateway-transit")
    assert (transit.server_name, transit.traffic_class_basis) == ("nat-a", "address-book")
    assert pd.isna(transit.aws_service)
