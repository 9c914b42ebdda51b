"""Flow log files copied off S3 and no AWS credentials: every table still lands, named from AWS's ranges."""

import pytest

from flowpipe.cli import SIMULATED_IP_RANGES
from flowpipe.lib.inventory import take_inventory
from flowpipe.lib.lake import Lake
from flowpipe.lib.report import render_report
from flowpipe.lib.simulated.delivery import deliver_to_folder
from flowpipe.lib.simulated.moto_server import patched_environment
from flowpipe_tests.simulated_run import DATE, materialize_window, reset_account, simulate_date

NO_AWS = {
    "AWS_ACCESS_KEY_ID": "",
    "AWS_SECRET_ACCESS_KEY": "",
    "AWS_SESSION_TOKEN": "",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials",
    "AWS_CONFIG_FILE": "/nonexistent/config",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_ENDPOINT_URL": "",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.fixture
def no_aws(monkeypatch):
    for key, value in NO_AWS.items():
        if value:
            monkeypatch.setenv(key, value)
        else:
            monkeypatch.delenv(key, raising=False)


def test_the_inventory_without_credentials_records_why_and_returns_empty_tables(no_aws):
    inventory = take_inventory(["us-east-1"])
    errors = inventory.errors.to_pylist()
    assert [(e["api"], e["error_code"]) for e in errors] == [("sts:GetCallerIdentity", "NoCredentialsError")]
    assert inventory.tables and all(table.num_rows == 0 for table in inventory.tables.values())


@pytest.fixture(scope="module")
def offline_run(moto_server, tmp_path_factory):
    """A date simulated on moto and copied to a folder, then the chain run with no AWS access at all."""
    reset_account(moto_server)
    root = tmp_path_factory.mktemp("offline")
    with patched_environment(moto_server.environment()):
        simulation = simulate_date(scale=0.05)
    model = simulation.model
    deliver_to_folder(
        simulation.traffic.records,
        root / "logs",
        account_id=model.account_id,
        region=model.region,
        flow_log_id=model.flow_log_id,
    )
    settings = {
        **{key: value for key, value in NO_AWS.items() if value},
        "FLOWPIPE_FLOW_LOGS": str(root / "logs"),
        "FLOWPIPE_LAKE": str(root / "lake"),
        "FLOWPIPE_IP_RANGES": str(SIMULATED_IP_RANGES),
    }
    cleared = [key for key, value in NO_AWS.items() if not value]
    with patched_environment(settings), _without(cleared):
        result = materialize_window("day")
    return result, simulation, Lake(str(root / "lake"))


def test_every_table_lands_and_addresses_are_named_from_published_ranges(offline_run):
    result, simulation, lake = offline_run
    assert result.success
    conversations = lake.read_partition(
        "conversations", {"date": DATE.isoformat(), "window": "day"}
    ).to_pandas()
    truth = simulation.ground_truth[simulation.ground_truth.window == "day"]
    direct = conversations[conversations.traffic_class != "nat-gateway-transit"]
    assert direct.bytes_logged.sum() >= truth.bytes_up.sum() + truth.bytes_down.sum()
    assert "S3 us-east-1" in set(conversations.server_name)
    assert {"unknown-private", "aws:service", "internet"} <= set(conversations.server_type)


def test_the_report_says_names_are_missing_and_which_calls_failed(offline_run):
    """The report of the date reads the window's inventory_errors: no credentials, so no inventory."""
    _, _, lake = offline_run
    section = render_report(lake, DATE.isoformat()).split("## Names missing\n", 1)[1].split("\n## ", 1)[0]
    assert "Names are missing: the inventory could not read AWS" in section
    assert "| day      | sts:GetCallerIdentity | unknown   | us-east-1 | NoCredentialsError |" in section
    endpoints = lake.read_partition("endpoints", {"date": DATE.isoformat(), "window": "day"}).to_pandas()
    unnamed = endpoints[endpoints.entity_type == "unknown-private"].ip.nunique()
    assert unnamed > 0
    assert f"{unnamed} private addresses in the flows are named by no inventory (unknown-private)." in section


def _without(keys: list[str]):
    import contextlib
    import os

    @contextlib.contextmanager
    def cleared():
        saved = {key: os.environ.pop(key) for key in keys if key in os.environ}
        try:
            yield
        finally:
            os.environ.update(saved)

    return cleared()
