"""top_ports, nfs_other, cross_az_traffic and egress on literal rows: what each counts and what it costs."""

import pytest

from flowpipe_tests.dbt_like_sql.conftest import endpoint, record

GB = 2**30
WEB_A = endpoint("10.0.1.10", "ec2:instance", "web", "i-web-a", "eni-web-a", "a")
WEB_B = endpoint("10.0.2.11", "ec2:instance", "web", "i-web-b", "eni-web-b", "b")
APP = endpoint("10.0.1.20", "ec2:instance", "app", "i-app", "eni-app", "a")
MANAGEMENT = endpoint("10.0.0.5", "ec2:instance", "management", "i-mgmt", "eni-mgmt", "a")
EFS_A = endpoint("10.0.1.4", "efs:mount-target", "shared-fs", "fs-1", "eni-efs-a", "a")
EFS_B = endpoint("10.0.2.4", "efs:mount-target", "shared-fs", "fs-1", "eni-efs-b", "b")
OLD_NFS = endpoint("10.0.1.50", "ec2:instance", "old-nfs", "i-nfs", "eni-nfs", "a")
ALB = endpoint("10.0.2.60", "elb:application", "web-alb", "app/web-alb/1", "eni-alb", "b")
NAT = endpoint("10.0.2.99", "nat-gateway", "nat-b", "nat-1", "eni-nat", "b")
SECRETS = endpoint("10.0.1.70", "vpc-endpoint", "secrets", "vpce-1", "eni-vpce", "a")
S3 = endpoint("52.216.8.9", "aws:service", "S3 us-east-1")
HOST = endpoint("203.0.113.5", "internet", "203.0.113.5")
PROBER = endpoint("198.51.100.7", "internet", "198.51.100.7")


def _exchange(eni, client, server, client_port, server_port, up, down, **fields):
    """Both directions of one connection as the ENI `eni` logged them."""
    return [
        record(eni, client["ip"], server["ip"], client_port, server_port, up, **fields),
        record(eni, server["ip"], client["ip"], server_port, client_port, down, **fields),
    ]


def _via_nat(client, server, client_port, nat_port, up, down):
    """An exchange through NAT: the client's own view, and both hops the gateway's ENI logs."""
    return (
        _exchange(client["interface_id"], client, server, client_port, 443, up, down)
        + _exchange("eni-nat", client, NAT, client_port, 443, up, down)
        + _exchange("eni-nat", NAT, server, nat_port, 443, up, down)
    )


def _by(frame, *columns):
    return {tuple(row[c] for c in columns[:-1]): row[columns[-1]] for _, row in frame.iterrows()}


def test_top_ports_sum_accepted_traffic_per_port_and_count_resources(build_model):
    records = (
        _exchange("eni-web-a", WEB_A, EFS_A, 40000, 2049, 100, 1_000)
        + _exchange("eni-web-b", WEB_B, EFS_B, 40001, 2049, 200, 2_000)
        + _exchange("eni-web-a", WEB_A, APP, 40002, 8080, 50, 500)
        + [record("eni-web-a", PROBER["ip"], WEB_A["ip"], 50000, 22, 40, action="REJECT")]
    )
    ports = build_model("top_ports", records, [WEB_A, WEB_B, APP, EFS_A, EFS_B, PROBER])
    rows = ports.set_index("server_port")
    assert list(ports.sort_values("rank").server_port) == [2049, 8080]
    nfs = rows.loc[2049]
    assert (nfs.protocol, nfs.service, nfs.bytes, nfs.packets, nfs.flows) == ("tcp", "nfs", 3_300, 4, 2)
    # two instances, and two mount targets of one file system: one server
    assert (nfs.client_count, nfs.server_count) == (2, 1)
    assert (rows.loc[8080].bytes, rows.loc[8080].service) == (550, "http-alt")


def test_nfs_to_servers_that_are_not_efs_is_nfs_other(build_model):
    records = (
        _exchange("eni-web-a", WEB_A, EFS_A, 40000, 2049, 100, 1_000)
        + _exchange("eni-web-a", WEB_A, OLD_NFS, 40001, 2049, 10, 20)
        + _exchange("eni-web-b", WEB_B, OLD_NFS, 40002, 2049, 30, 40)
    )
    nfs = build_model("nfs_other", records, [WEB_A, WEB_B, EFS_A, OLD_NFS]).sort_values("client_az")
    assert set(nfs.server_name) == {"old-nfs"} and set(nfs.server_type) == {"ec2:instance"}
    assert list(nfs.client_name) == ["web", "web"]
    assert list(nfs.client_az) == ["us-east-1a", "us-east-1b"]
    assert list(nfs.server_az) == ["us-east-1a", "us-east-1a"]
    assert list(nfs.bytes) == [30, 70] and list(nfs.cross_az) == [False, True]


def test_cross_az_bytes_are_billed_in_both_directions_per_binary_gb(build_model):
    records = (
        _exchange("eni-web-a", WEB_A, EFS_B, 40000, 2049, GB // 4, GB // 4)
        + _exchange("eni-web-a", WEB_A, EFS_A, 40001, 2049, GB, GB)
        + _exchange("eni-alb", ALB, APP, 43000, 8080, 1_000, 9_000)
    )
    cross = build_model(
        "cross_az_traffic", records, [WEB_A, APP, EFS_A, EFS_B, ALB], cross_az_usd_per_gb=0.02
    )
    pairs = _by(cross, "client_name", "server_name", "server_port", "bytes")
    # the same-AZ pair is not here
    assert pairs == {("web", "shared-fs", 2049): GB // 2, ("web-alb", "app", 8080): 10_000}
    nfs = cross[cross.client_name == "web"].iloc[0]
    assert (nfs.client_az, nfs.server_az, nfs.billed) == ("us-east-1a", "us-east-1b", True)
    # half a GB, charged leaving AZ a and entering AZ b: 0.5 * 2 * 0.02
    assert nfs.est_cost_usd == pytest.approx(0.02)
    alb = cross[cross.client_name == "web-alb"].iloc[0]
    assert (alb.billed, alb.est_cost_usd) == (False, 0.0)


def test_the_hop_to_a_nat_gateway_in_another_az_is_cross_az(build_model):
    records = _via_nat(WEB_A, HOST, 41000, 61000, 3_000, 7_000) + _via_nat(WEB_B, HOST, 41001, 61001, 5, 5)
    cross = build_model("cross_az_traffic", records, [WEB_A, WEB_B, NAT, HOST])
    row = cross.iloc[0]
    assert len(cross) == 1
    assert (row.client_name, row.server_name, row.server_type, row.bytes) == (
        "web",
        "nat-b",
        "nat-gateway",
        10_000,
    )


def test_egress_names_path_and_destination_and_prices_them(build_model):
    records = (
        _via_nat(WEB_A, HOST, 41000, 61000, GB, GB)
        + _via_nat(WEB_B, HOST, 41001, 61001, GB, GB)
        + _exchange("eni-mgmt", MANAGEMENT, HOST, 42000, 443, GB, 100)
        + _exchange("eni-app", APP, S3, 43000, 443, GB, GB)
        + _exchange("eni-app", APP, SECRETS, 44000, 443, GB // 2, GB // 2)
        # an internet client of the load balancer is ingress, not egress
        + _exchange("eni-alb", HOST, ALB, 45000, 443, 700, 9_000)
    )
    egress = build_model(
        "egress",
        records,
        [WEB_A, WEB_B, APP, MANAGEMENT, NAT, SECRETS, S3, HOST, ALB],
        internet_egress_usd_per_gb=0.09,
        nat_gateway_usd_per_gb=0.045,
    )
    paths = _by(egress, "client_name", "path", "destination", "bytes_up")
    assert paths == {
        ("web", "nat-gateway", "internet"): 2 * GB,
        ("management", "igw", "internet"): GB,
        ("app", "igw", "S3 us-east-1"): GB,
        ("app", "vpc-endpoint", "secrets"): GB // 2,
    }
    cost = _by(egress, "client_name", "path", "est_cost_usd")
    # out to the internet 2 GB * 0.09, plus the NAT processing both ways: 4 GB * 0.045
    assert cost["web", "nat-gateway"] == pytest.approx(0.36)
    assert cost["management", "igw"] == pytest.approx(0.09)
    assert cost["app", "igw"] == 0.0  # to S3 in the region: no transfer charge
    assert cost["app", "vpc-endpoint"] == pytest.approx(0.01)  # endpoint processing, 1 GB


def test_egress_through_nat_needs_both_hops_to_that_server(build_model):
    """A client that uses a NAT gateway for one host and reaches another without it."""
    other = endpoint("203.0.113.9", "internet", "203.0.113.9")
    records = (
        _via_nat(WEB_A, HOST, 41000, 61000, 100, 200)
        + _via_nat(WEB_B, HOST, 41001, 61001, 10, 20)
        + _exchange("eni-web-a", WEB_A, other, 41002, 443, 300, 400)
    )
    egress = build_model("egress", records, [WEB_A, WEB_B, NAT, HOST, other])
    assert _by(egress, "path", "bytes_up") == {("nat-gateway",): 110, ("igw",): 300}


def _v5_exchange(client, server, client_port, path, up, down):
    """One connection at the client's ENI in a v5 format: its egress records carry the traffic path."""
    eni = client["interface_id"]
    return [
        record(
            eni, client["ip"], server["ip"], client_port, 443, up, flow_direction="egress", traffic_path=path
        ),
        record(eni, server["ip"], client["ip"], 443, client_port, down, flow_direction="ingress"),
    ]


def test_egress_path_follows_the_clients_traffic_path_where_aws_gives_it(build_model):
    peer = {**endpoint("10.8.0.5", "peered-vpc", "partner", "vpc-9"), "network_kind": "peered-vpc"}
    records = (
        # through the NAT gateway: the gateway's ENI has no flow log, the client's path says so
        _v5_exchange(WEB_A, HOST, 41000, 1, GB, GB)
        + _v5_exchange(MANAGEMENT, HOST, 42000, 8, GB, 100)
        + _v5_exchange(WEB_B, HOST, 42001, 2, 10, 20)
        + _v5_exchange(APP, S3, 43000, 7, GB, GB)
        + _v5_exchange(APP, SECRETS, 44000, 1, GB // 2, GB // 2)
        + _v5_exchange(APP, peer, 45000, 4, 30, 40)
    )
    egress = build_model(
        "egress",
        records,
        [WEB_A, WEB_B, APP, MANAGEMENT, SECRETS, S3, HOST, peer],
        internet_egress_usd_per_gb=0.09,
        nat_gateway_usd_per_gb=0.045,
    )
    assert _by(egress, "client_name", "path", "destination", "bytes_up") == {
        ("web", "nat-gateway", "internet"): GB,
        ("web", "igw", "internet"): 10,
        ("management", "igw", "internet"): GB,
        ("app", "gateway-endpoint", "S3 us-east-1"): GB,
        ("app", "vpc-endpoint", "secrets"): GB // 2,
        ("app", "peering", "partner"): 30,
    }
    cost = _by(egress, "client_name", "path", "destination", "est_cost_usd")
    # out to the internet 1 GB * 0.09, plus the NAT processing both ways: 2 GB * 0.045
    assert cost["web", "nat-gateway", "internet"] == pytest.approx(0.18)
    # a gateway endpoint has no processing charge, and S3 in the region no transfer charge
    assert cost["app", "gateway-endpoint", "S3 us-east-1"] == 0.0
    assert cost["app", "vpc-endpoint", "secrets"] == pytest.approx(0.01)


def test_egress_without_traffic_path_leaves_peered_vpcs_out(build_model):
    """The default format cannot tell a peering connection's traffic: it is not egress there."""
    peer = {**endpoint("10.8.0.5", "peered-vpc", "partner", "vpc-9"), "network_kind": "peered-vpc"}
    records = _exchange("eni-app", APP, peer, 45000, 443, 30, 40) + _exchange(
        "eni-app", APP, S3, 43000, 443, 50, 60
    )
    egress = build_model("egress", records, [APP, S3, peer])
    assert _by(egress, "path", "destination", "bytes_up") == {("igw", "S3 us-east-1"): 50}
