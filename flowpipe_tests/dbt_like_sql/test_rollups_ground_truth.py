"""The window rollups on the simulated account, compared exactly with the traffic the account sent."""

import pandas as pd
import pytest

from flowpipe.lib.lake import Lake
from flowpipe.lib.simulated.moto_server import patched_environment
from flowpipe_tests.simulated_run import (
    SimulatedRun,
    materialize_window,
    reset_account,
    simulate_date,
    simulated_environment,
)

WINDOWS = ("day", "night")
INSIDE = ("internet", "aws:service", "unknown-private")


@pytest.fixture(scope="module")
def run(moto_server, tmp_path_factory) -> SimulatedRun:
    reset_account(moto_server)
    lake_root = tmp_path_factory.mktemp("lake")
    environment = simulated_environment(moto_server, lake_root)
    with patched_environment(environment):
        simulation = simulate_date(scale=0.1)
        results = [materialize_window(window) for window in WINDOWS]
    assert all(result.success for result in results)
    return SimulatedRun(simulation, Lake(str(lake_root)), environment)


def _accepted(run: SimulatedRun, window: str) -> pd.DataFrame:
    truth = run.truth(window)
    return truth[truth.action == "ACCEPT"].assign(bytes=lambda frame: frame.bytes_up + frame.bytes_down)


def _sums(frame: pd.DataFrame, keys: list[str], column: str) -> dict:
    return {key: int(value) for key, value in frame.groupby(keys)[column].sum().items() if value}


@pytest.mark.parametrize("window", WINDOWS)
def test_top_ports_have_the_bytes_and_flows_sent_to_each_port(run, window):
    accepted = _accepted(run, window)
    ports = run.table("top_ports", window).set_index("server_port")
    assert ports.bytes.to_dict() == _sums(accepted, ["server_port"], "bytes")
    assert ports.flows.to_dict() == _sums(accepted, ["server_port"], "flows")
    assert list(ports.sort_values("rank").bytes) == sorted(ports.bytes, reverse=True)


@pytest.mark.parametrize("window", WINDOWS)
def test_cross_az_traffic_has_the_bytes_of_every_named_pair_in_two_zones(run, window):
    accepted = _accepted(run, window)
    placed = accepted[accepted.client_az.notna() & accepted.server_az.notna()]
    expected = _sums(placed[placed.client_az != placed.server_az], ["client_name", "server_name"], "bytes")
    # an instance's hop to the NAT gateway in the other zone is billed cross-AZ too
    nat = run.simulation.model.by_type("nat-gateway")[0]
    hops = accepted[(accepted.via == "nat-gateway") & (accepted.client_az != nat.availability_zone)]
    for client_name, nbytes in _sums(hops, ["client_name"], "bytes").items():
        expected[client_name, nat.entity_name] = expected.get((client_name, nat.entity_name), 0) + nbytes
    cross = run.table("cross_az_traffic", window)
    assert _sums(cross, ["client_name", "server_name"], "bytes") == expected
    assert len(hops) > 0 and (cross.client_az != cross.server_az).all()
    billed = cross[cross.billed]
    assert billed.est_cost_usd.tolist() == pytest.approx((billed.bytes / 2**30 * 2 * 0.01).tolist())


@pytest.mark.parametrize("window", WINDOWS)
def test_rejected_traffic_has_the_flows_of_every_source_destination_and_port(run, window):
    truth = run.truth(window)
    rejected = truth[truth.action == "REJECT"]
    expected = _sums(rejected, ["client_ip", "server_name", "server_port"], "flows")
    found = run.table("rejected_traffic", window)
    assert len(expected) < 100  # under top_n: every row is there
    assert _sums(found, ["src_addr", "dst_name", "dst_port"], "flows") == expected
    assert _sums(found, ["src_addr", "dst_name", "dst_port"], "packets") == _sums(
        rejected, ["client_ip", "server_name", "server_port"], "packets"
    )


@pytest.mark.parametrize("window", WINDOWS)
def test_ssh_rdp_exposure_counts_the_probes_of_each_destination(run, window):
    truth = run.truth(window)
    probed = truth[truth.server_port.isin([22, 3389])]
    exposure = run.table("ssh_rdp_exposure", window).set_index(["dst_name", "dst_port"])
    rejected = probed[probed.action == "REJECT"]
    assert exposure.rejected_flows.to_dict() == _sums(rejected, ["server_name", "server_port"], "flows")
    sources = probed.groupby(["server_name", "server_port"]).client_ip.nunique().to_dict()
    assert exposure.source_count.to_dict() == sources
    assert (exposure.accepted_internet_flows == 0).all()


@pytest.mark.parametrize("window", WINDOWS)
def test_egress_has_each_clients_bytes_by_path_and_destination(run, window):
    accepted = _accepted(run, window)
    outbound = accepted[
        ~accepted.client_type.isin(INSIDE)
        & accepted.server_type.isin(["internet", "aws:service", "vpc-endpoint"])
    ].assign(
        path=lambda frame: [
            "vpc-endpoint" if kind == "vpc-endpoint" else ("nat-gateway" if via else "igw")
            for kind, via in zip(frame.server_type, frame.via, strict=True)
        ],
        destination=lambda frame: frame.server_name.where(frame.server_type != "internet", "internet"),
    )
    egress = run.table("egress", window)
    keys = ["client_name", "path", "destination"]
    assert _sums(egress, keys, "bytes_up") == _sums(outbound, keys, "bytes_up")
    assert _sums(egress, keys, "bytes_down") == _sums(outbound, keys, "bytes_down")
    assert {"nat-gateway", "igw", "vpc-endpoint"} <= set(egress.path)


@pytest.mark.parametrize("window", WINDOWS)
def test_lambda_to_rds_direct_has_each_functions_database_traffic(run, window):
    accepted = _accepted(run, window)
    direct = accepted[(accepted.client_type == "lambda:function") & (accepted.server_type == "rds:db")]
    found = run.table("lambda_to_rds_direct", window)
    keys = ["client_name", "server_name", "server_port"]
    assert _sums(found, ["function_name", "database_name", "port"], "bytes") == _sums(direct, keys, "bytes")
    assert len(found) > 0


@pytest.mark.parametrize("window", WINDOWS)
def test_lb_bypass_has_the_direct_clients_of_load_balancer_targets(run, window):
    accepted = _accepted(run, window)
    from_lb = accepted.client_type.str.startswith("elb:")
    targets = set(zip(accepted[from_lb].server_ip, accepted[from_lb].server_port, strict=True))
    keys = zip(accepted.server_ip, accepted.server_port, strict=True)
    is_target = pd.Series([key in targets for key in keys], index=accepted.index)
    direct = accepted[is_target & ~from_lb]
    bypass = run.table("lb_bypass", window)
    keys = ["server_name", "server_port", "client_name"]
    assert _sums(bypass, ["target_name", "port", "client_name"], "bytes") == _sums(direct, keys, "bytes")
    assert _sums(bypass, ["target_name", "port", "client_name"], "flows") == _sums(direct, keys, "flows")
    assert len(bypass) > 0


@pytest.mark.parametrize("window", WINDOWS)
def test_nfs_other_has_the_nfs_traffic_that_is_not_efs(run, window):
    accepted = _accepted(run, window)
    other = accepted[(accepted.server_port == 2049) & (accepted.server_type != "efs:mount-target")]
    found = run.table("nfs_other", window)
    keys = ["server_name", "client_name"]
    assert _sums(found, keys, "bytes") == _sums(other, keys, "bytes")
