"""The flow log records: each exchange at every ENI it crosses, with AWS's flags and paths; status records."""

from flowpipe.lib.simulated.account_model import AccountModel
from flowpipe.lib.simulated.traffic import Traffic


def test_every_vpc_to_vpc_record_appears_at_both_enis(account: AccountModel, traffic: Traffic) -> None:
    eni_of = {endpoint.ip: endpoint.interface_id for endpoint in account.endpoints}
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


def test_nat_egress_is_logged_at_the_instance_and_at_both_sides_of_the_nat_eni(
    account: AccountModel, traffic: Traffic
) -> None:
    (nat,) = account.by_type("nat-gateway")
    eni_of = {endpoint.ip: endpoint.interface_id for endpoint in account.endpoints}
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
