"""rejected_traffic, ssh_rdp_exposure, lambda_to_rds_direct and lb_bypass on literal rows."""

from flowpipe_tests.dbt_like_sql.conftest import START, endpoint, record

WEB_A = endpoint("10.0.1.10", "ec2:instance", "web", "i-web-a", "eni-web-a", "a")
WEB_B = endpoint("10.0.2.11", "ec2:instance", "web", "i-web-b", "eni-web-b", "b")
APP_A = endpoint("10.0.1.20", "ec2:instance", "app", "i-app-a", "eni-app-a", "a")
APP_B = endpoint("10.0.2.21", "ec2:instance", "app", "i-app-b", "eni-app-b", "b")
BASTION = endpoint("10.0.0.5", "ec2:instance", "bastion", "i-bastion", "eni-bastion", "a")
ALB_A = endpoint("10.0.1.60", "elb:application", "web-alb", "app/web-alb/1", "eni-alb-a", "a")
ALB_B = endpoint("10.0.2.60", "elb:application", "web-alb", "app/web-alb/1", "eni-alb-b", "b")
RDS = endpoint("10.0.2.9", "rds:db", "orders-db", "orders-db", "eni-rds", "b")
PROXY = endpoint("10.0.1.9", "eni", "orders-proxy", "eni-proxy", "eni-proxy", "a")
FN_A = endpoint("10.0.1.30", "lambda:function", "orders-fn", "orders-fn", "eni-fn-a", "a")
FN_B = endpoint("10.0.2.30", "lambda:function", "orders-fn", "orders-fn", "eni-fn-b", "b")
PROBER_1 = endpoint("198.51.100.7", "internet", "198.51.100.7")
PROBER_2 = endpoint("198.51.100.8", "internet", "198.51.100.8")
VISITOR = endpoint("203.0.113.5", "internet", "203.0.113.5")


def _exchange(eni, client, server, client_port, server_port, up, down, **fields):
    return [
        record(eni, client["ip"], server["ip"], client_port, server_port, up, **fields),
        record(eni, server["ip"], client["ip"], server_port, client_port, down, **fields),
    ]


def _probe(server, client, client_port, port, start=START, packets=1):
    """A rejected connection attempt: the server's ENI logs the request only."""
    return record(
        server["interface_id"],
        client["ip"],
        server["ip"],
        client_port,
        port,
        40 * packets,
        packets=packets,
        action="REJECT",
        start=start,
        end=start + 5,
    )


def test_rejected_traffic_is_per_source_address_and_named_destination(build_model):
    records = [
        _probe(WEB_A, PROBER_1, 50000, 22, packets=2),
        _probe(WEB_A, PROBER_1, 50001, 22, start=START + 300, packets=2),
        _probe(WEB_B, PROBER_1, 50002, 22),
        _probe(APP_A, PROBER_2, 50003, 3389),
        *_exchange("eni-web-a", WEB_A, APP_A, 40000, 8080, 100, 200),
    ]
    rejected = build_model("rejected_traffic", records, [WEB_A, WEB_B, APP_A, PROBER_1, PROBER_2])
    assert len(rejected) == 2
    first, second = (row for _, row in rejected.sort_values("rank").iterrows())
    assert (first.src_addr, first.src_name, first.src_type) == ("198.51.100.7", "198.51.100.7", "internet")
    # two instances named web: one destination, two addresses
    assert (first.dst_name, first.dst_addr_count, first.dst_port, first.protocol, first.service) == (
        "web",
        2,
        22,
        "tcp",
        "ssh",
    )
    assert (first.flows, first.packets, first.first_seen, first.last_seen) == (3, 5, START, START + 305)
    assert (second.src_addr, second.dst_name, second.dst_port, second.service, second.flows) == (
        "198.51.100.8",
        "app",
        3389,
        "rdp",
        1,
    )


def test_ssh_rdp_exposure_separates_rejected_probes_from_accepted_logins(build_model):
    records = [
        _probe(WEB_A, PROBER_1, 50000, 22),
        _probe(WEB_A, PROBER_1, 50001, 22),
        _probe(WEB_A, PROBER_2, 50002, 22),
        *_exchange("eni-web-b", VISITOR, WEB_B, 50003, 22, 3_000, 9_000),
        *_exchange("eni-web-a", BASTION, WEB_A, 40000, 22, 3_000, 9_000, start=START + 600, end=START + 660),
        _probe(APP_A, PROBER_1, 50004, 3389),
        *_exchange("eni-web-a", WEB_A, APP_A, 40001, 8080, 100, 200),
    ]
    endpoints = [WEB_A, WEB_B, APP_A, BASTION, PROBER_1, PROBER_2, VISITOR]
    exposure = build_model("ssh_rdp_exposure", records, endpoints).set_index(["dst_name", "dst_port"])
    assert sorted(exposure.index) == [("app", 3389), ("web", 22)]
    web = exposure.loc[("web", 22)]
    assert (web.dst_count, web.service, web.source_count, web.internet_source_count) == (2, "ssh", 4, 3)
    assert (web.rejected_flows, web.accepted_internet_flows, web.accepted_internal_flows) == (3, 1, 1)
    assert (web.first_seen, web.last_seen) == (START, START + 660)
    app = exposure.loc[("app", 3389)]
    assert (app.service, app.source_count, app.rejected_flows, app.accepted_internet_flows) == (
        "rdp",
        1,
        1,
        0,
    )


def test_lambda_functions_reaching_rds_directly_are_listed_per_function(build_model):
    records = (
        _exchange("eni-fn-a", FN_A, RDS, 40000, 5432, 100, 1_000)
        + _exchange("eni-fn-b", FN_B, RDS, 40001, 5432, 200, 2_000)
        + _exchange("eni-fn-a", FN_A, PROXY, 40002, 5432, 50, 50)
        + _exchange("eni-app-a", APP_A, RDS, 40003, 5432, 7, 7)
    )
    direct = build_model("lambda_to_rds_direct", records, [FN_A, FN_B, RDS, PROXY, APP_A])
    assert len(direct) == 1
    row = direct.iloc[0]
    assert (row.function_name, row.database_name, row.port, row.service) == (
        "orders-fn",
        "orders-db",
        5432,
        "postgres",
    )
    assert (row.bytes, row.bytes_up, row.bytes_down, row.flows) == (3_300, 300, 3_000, 2)


def test_clients_reaching_a_load_balancer_target_on_its_port_bypass_it(build_model):
    records = (
        _exchange("eni-alb-a", ALB_A, APP_A, 43000, 8080, 500, 5_000)
        + _exchange("eni-alb-b", ALB_B, APP_A, 43001, 8080, 500, 5_000)
        + _exchange("eni-web-a", WEB_A, APP_A, 40000, 8080, 100, 900)
        + _exchange("eni-web-b", WEB_B, APP_A, 40001, 8080, 100, 900)
        # app-b is no target in the window, and port 22 is not the port the balancer uses
        + _exchange("eni-web-a", WEB_A, APP_B, 40002, 8080, 10, 10)
        + _exchange("eni-bastion", BASTION, APP_A, 40003, 22, 10, 10)
    )
    endpoints = [ALB_A, ALB_B, APP_A, APP_B, WEB_A, WEB_B, BASTION]
    bypass = build_model("lb_bypass", records, endpoints)
    assert len(bypass) == 1
    row = bypass.iloc[0]
    assert (row.target_name, row.target_type, row.port, row.protocol) == ("app", "ec2:instance", 8080, "tcp")
    assert (row.client_name, row.client_count, row.load_balancer_count) == ("web", 2, 1)
    assert (row.bytes, row.flows) == (2_000, 2)
