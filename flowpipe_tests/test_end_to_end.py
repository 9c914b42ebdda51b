"""The whole chain on the simulated account, compared with the traffic the account sent, exactly."""

import gzip
from pathlib import Path

import boto3
import pandas as pd
import pytest

from flowpipe.lib.flow_fields import parse_log_format
from flowpipe.lib.lake import Lake
from flowpipe.lib.simulated.moto_server import patched_environment
from flowpipe_tests.simulated_run import (
    BUCKET,
    DATE,
    SimulatedRun,
    materialize_date,
    materialize_window,
    reset_account,
    simulate_date,
    simulated_environment,
)

KEY = ["client_ip", "server_ip", "server_port", "protocol", "action"]
WINDOWS = ("day", "night")
# AWS's documented version 5 example format: bytes before packets, TCP flags, traffic path, direction.
CUSTOM_V5 = parse_log_format(
    "${version} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${start} ${end} ${type} ${packets} "
    "${bytes} ${account-id} ${vpc-id} ${subnet-id} ${instance-id} ${interface-id} ${region} ${az-id} "
    "${sublocation-type} ${sublocation-id} ${action} ${tcp-flags} ${pkt-srcaddr} ${pkt-dstaddr} "
    "${pkt-src-aws-service} ${pkt-dst-aws-service} ${traffic-path} ${flow-direction} ${log-status}"
)


@pytest.fixture(scope="module", params=[None, CUSTOM_V5], ids=["default-format", "custom-v5-format"])
def run(request, moto_server, tmp_path_factory) -> SimulatedRun:
    reset_account(moto_server)
    lake_root = tmp_path_factory.mktemp("lake")
    environment = simulated_environment(moto_server, lake_root)
    with patched_environment(environment):
        simulation = simulate_date(fields=request.param)
        results = [materialize_window(window) for window in WINDOWS] + [materialize_date()]
    assert all(result.success for result in results)
    return SimulatedRun(simulation, Lake(str(lake_root)), environment)


def test_tcp_flags_orient_the_connections_that_carry_them(run):
    """A connection opened before the window carries no SYN in it; another rule decides those."""
    conversations = run.table("conversations", "day")
    has_flags = run.table("raw_flow_logs", "day").tcp_flags.notna().any()
    accepted_tcp = conversations[(conversations.protocol == 6) & (conversations.action == "ACCEPT")]
    by_flags = (accepted_tcp.direction_basis == "tcp-flags").mean()
    assert by_flags > 0.5 if has_flags else by_flags == 0


def _end_to_end(conversations: pd.DataFrame) -> pd.DataFrame:
    return conversations[conversations.traffic_class != "nat-gateway-transit"]


@pytest.mark.parametrize("window", WINDOWS)
def test_every_exchange_has_the_bytes_the_account_sent(run, window):
    truth = run.truth(window).set_index(KEY).sort_index()
    found = _end_to_end(run.table("conversations", window)).set_index(KEY).sort_index()
    assert found.index.equals(truth.index)
    for column in ("bytes_up", "bytes_down", "packets", "flows"):
        assert found[column].tolist() == truth[column].tolist(), column


@pytest.mark.parametrize("window", WINDOWS)
def test_both_ends_are_named_typed_and_placed_as_the_account_knows_them(run, window):
    truth = run.truth(window).set_index(KEY).sort_index()
    found = _end_to_end(run.table("conversations", window)).set_index(KEY).sort_index()
    for column in ("client_name", "client_type", "server_name", "server_type"):
        assert found[column].tolist() == truth[column].tolist(), column
    for side in ("client", "server"):
        expected = truth[f"{side}_az"].fillna("-").tolist()
        assert found[f"{side}_az"].fillna("-").tolist() == expected


@pytest.mark.parametrize("window", WINDOWS)
def test_egress_to_s3_and_the_internet_is_classed_by_traffic_path_where_the_format_has_it(run, window):
    """v5: the client's egress path (7 to S3 here, 8 or 2 through the internet gateway, 1 through the NAT
    gateway's ENI); the default format has no path, so the address book classes the same conversations."""
    truth = run.truth(window)
    outbound = truth[
        (truth.action == "ACCEPT")
        & truth.server_type.isin(["internet", "aws:service"])
        & ~truth.client_type.isin(["internet", "aws:service"])
    ].set_index(KEY)
    found = _end_to_end(run.table("conversations", window)).set_index(KEY).loc[outbound.index]
    if run.table("raw_flow_logs", window).traffic_path.notna().any():
        expected = [
            "nat-gateway" if via else ("vpc-endpoint" if kind == "aws:service" else "internet-gateway")
            for via, kind in zip(outbound.via, outbound.server_type, strict=True)
        ]
        basis = "traffic-path"
    else:
        expected = ["aws-service" if kind == "aws:service" else "internet" for kind in outbound.server_type]
        basis = "address-book"
    assert found.traffic_class.tolist() == expected
    assert set(found.traffic_class_basis) == {basis}
    assert {"aws:service", "internet"} <= set(outbound.server_type)


@pytest.mark.parametrize("window", WINDOWS)
def test_top_talkers_are_the_named_pairs_of_the_ground_truth(run, window):
    truth = run.truth(window)
    # a count is of resources, not addresses: a load balancer or a Lambda function has an ENI per subnet
    entity_of = {endpoint.ip: endpoint.entity_id for endpoint in run.simulation.model.endpoints}
    accepted = truth[truth.action == "ACCEPT"].assign(
        client_entity=lambda frame: [entity_of.get(ip, ip) for ip in frame.client_ip]
    )
    expected = (
        accepted.groupby(["client_name", "server_name", "server_port"])
        .agg(bytes=("bytes_up", "sum"), down=("bytes_down", "sum"), clients=("client_entity", "nunique"))
        .assign(bytes=lambda frame: frame.bytes + frame.down)
        .sort_values("bytes", ascending=False)
    )
    talkers = run.table("top_talkers", window).set_index(["client_name", "server_name", "server_port"])
    top = expected.head(len(talkers))
    assert talkers.bytes.sum() <= expected.bytes.sum()
    assert talkers.loc[top.index, "bytes"].tolist() == top.bytes.tolist()
    mismatched = talkers.loc[top.index, "client_count"] != top.clients
    assert not mismatched.any(), talkers.loc[top.index][mismatched].join(top.clients).to_string()
    assert list(talkers.sort_values("rank").index[:5]) == list(top.index[:5])


def test_daily_top_talkers_are_both_windows_together(run):
    truth = run.simulation.ground_truth
    accepted = truth[truth.action == "ACCEPT"]
    expected = (
        accepted.assign(bytes=accepted.bytes_up + accepted.bytes_down)
        .groupby(["client_name", "server_name", "server_port"])
        .bytes.sum()
        .sort_values(ascending=False)
    )
    daily = run.lake.read_partition("daily_top_talkers", {"date": DATE.isoformat()}).to_pandas()
    daily = daily.set_index(["client_name", "server_name", "server_port"]).sort_values("rank")
    top = expected.head(len(daily))
    assert daily.loc[top.index, "bytes"].tolist() == top.tolist()
    assert list(daily.index[:5]) == list(top.index[:5])


def test_the_report_names_the_dates_top_pairs(run):
    report = run.lake.partition_path("reports", {"date": DATE.isoformat()}) + "/report.md"
    text = Path(report).read_text()
    first = run.lake.read_partition("daily_top_talkers", {"date": DATE.isoformat()}).to_pandas()
    top = first.sort_values("rank").iloc[0]
    assert f"| {top.client_name}" in text and top.server_name in text


@pytest.mark.parametrize("window", WINDOWS)
def test_efs_clients_are_the_nfs_clients_of_each_file_system(run, window):
    truth = run.truth(window)
    nfs = truth[(truth.server_type == "efs:mount-target") & (truth.action == "ACCEPT")]
    expected = nfs.groupby(["server_name", "client_name"]).apply(
        lambda group: int(group.bytes_up.sum() + group.bytes_down.sum()), include_groups=False
    )
    efs = run.table("efs_clients", window).groupby(["file_system_name", "client_name"]).bytes.sum()
    assert efs.sort_index().to_dict() == expected.sort_index().to_dict()
    assert len(efs) > 0


@pytest.mark.parametrize("window", WINDOWS)
def test_raw_bytes_are_conserved_and_duplicates_removed(run, window):
    raw = run.table("raw_flow_logs", window)
    ok = raw[raw.log_status == "OK"]
    conversations = run.table("conversations", window)
    assert conversations.bytes_logged.sum() == ok.bytes.sum()
    truth = run.truth(window)
    assert _end_to_end(conversations).bytes.sum() == truth.bytes_up.sum() + truth.bytes_down.sum()
    assert set(raw.log_status) >= {"OK", "NODATA"}


def test_rerunning_a_window_replaces_its_outputs(run, moto_server):
    before = {name: len(run.table(name, "day")) for name in ("raw_flow_logs", "conversations", "top_talkers")}
    with patched_environment(run.environment):
        assert materialize_window("day").success
    after = {name: len(run.table(name, "day")) for name in before}
    assert after == before
    assert len(run.lake.partition_files("raw_flow_logs", {"date": DATE.isoformat(), "window": "day"})) == 1


def test_a_corrupt_object_and_a_malformed_line_are_reported_and_the_rest_lands(run, moto_server):
    s3 = boto3.client("s3", **_client_settings(run))
    good_key = next(key for key in run.simulation.keys if "T1200Z" in key or "T1205Z" in key)
    corrupt_key = good_key.replace(".log.gz", "x.log.gz").replace("_vpcflowlogs_", "_vpcflowlogs_", 1)
    s3.put_object(Bucket=BUCKET, Key=corrupt_key, Body=gzip.compress(b"version account-id\n2 1\n")[:-8])
    body = gzip.decompress(s3.get_object(Bucket=BUCKET, Key=good_key)["Body"].read()).decode()
    malformed_key = good_key.replace(".log.gz", "m.log.gz")
    s3.put_object(
        Bucket=BUCKET, Key=malformed_key, Body=gzip.compress((body + "2 this is not a record\n").encode())
    )
    try:
        with patched_environment(run.environment):
            result = materialize_window("day")
        assert result.success
        rejects = run.table("raw_flow_log_rejects", "day")
        assert any(corrupt_key in uri for uri in rejects.source_uri)
        malformed = rejects[rejects.source_uri.str.contains(malformed_key, regex=False)]
        assert malformed.line.tolist() == ["2 this is not a record"]
        raw = run.table("raw_flow_logs", "day")
        assert raw.source_uri.str.contains(malformed_key, regex=False).sum() == len(body.splitlines()) - 1
    finally:
        s3.delete_object(Bucket=BUCKET, Key=corrupt_key)
        s3.delete_object(Bucket=BUCKET, Key=malformed_key)
        with patched_environment(run.environment):
            materialize_window("day")


def _client_settings(run: SimulatedRun) -> dict[str, str]:
    environment = run.environment
    return {
        "endpoint_url": environment["AWS_ENDPOINT_URL"],
        "region_name": environment["AWS_REGION"],
        "aws_access_key_id": environment["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": environment["AWS_SECRET_ACCESS_KEY"],
    }


@pytest.mark.parametrize("table", ["raw_flow_logs", "conversations", "top_talkers", "efs_clients"])
def test_byte_and_packet_columns_are_athena_bigints(run, table):
    schema = run.lake.read_partition(table, {"date": DATE.isoformat(), "window": "day"}).schema
    for column in ("bytes", "bytes_up", "bytes_down", "packets", "bytes_logged", "flows"):
        if column in schema.names:
            assert str(schema.field(column).type) == "int64", (
                f"{table}.{column} is {schema.field(column).type}"
            )
