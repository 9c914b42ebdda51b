"""An address reused by three owners in one night, on the simulated account: every flow is named by the owner
that held the address when the flow started, as the account's ground truth says.

orders-fn's Lambda ENI (snapshot 1, 18:20) is deleted at 20:00; invoice-fn's ENI holds the address from 21:00
to 22:00 (between the snapshots: only CloudTrail knows it); an ECS task of the cart service holds it from
23:00 (snapshot 2, 06:20). The snapshots are taken as the schedule takes them, 20 minutes after each window,
by stamping the inventory's snapshot time (the test cannot wait for the clock). CloudTrail is the simulated
account's endpoint, reading the scenario's events from the account's trail; unreadable, it is moto's own
endpoint, which answers LookupEvents with HTTP 500.
"""

import datetime
from dataclasses import dataclass
from pathlib import Path

import boto3
import dagster as dg
import pandas as pd
import pyarrow as pa
import pytest

from flowpipe.lib.inventory import ERRORS_TABLE, Inventory, take_inventory
from flowpipe.lib.lake import Lake
from flowpipe.lib.simulated.account import build_account, ensure_bucket
from flowpipe.lib.simulated.delivery import deliver_to_s3
from flowpipe.lib.simulated.moto_server import patched_environment
from flowpipe.lib.simulated.reuse import Reuse, hand_over, reuse_traffic
from flowpipe.lib.simulated.traffic import Traffic
from flowpipe_tests.simulated_run import BUCKET, DATE, WINDOW_KEYS, reset_account, simulated_environment

UTC = datetime.UTC
SNAPSHOTS = {
    "day": datetime.datetime(2026, 3, 14, 18, 20, tzinfo=UTC),
    "night": datetime.datetime(2026, 3, 15, 6, 20, tzinfo=UTC),
}
WINDOW_STARTS = {
    "day": datetime.datetime(2026, 3, 14, 6, tzinfo=UTC),
    "night": datetime.datetime(2026, 3, 14, 18, tzinfo=UTC),
}
EVENTS_MARGIN = datetime.timedelta(hours=1)
# 20:30 falls between two owners: no ENI held the address, so nothing was sent from it.
FLOW_STARTS = [
    datetime.datetime(2026, 3, 14, hour, minute, tzinfo=UTC)
    for hour, minute in ((10, 0), (14, 0), (19, 0), (20, 30), (21, 30), (23, 30))
] + [datetime.datetime(2026, 3, 15, hour, 0, tzinfo=UTC) for hour in (2, 4)]
THROUGH_ENDPOINTS = ["raw_flow_logs", "raw_flow_log_rejects", "address_book", "cidr_book", "endpoints"]
THROUGH_CONVERSATIONS = THROUGH_ENDPOINTS + [
    "stg_lake__raw_flow_logs",
    "stg_lake__address_book",
    "stg_lake__endpoints",
    "int_interfaces_classified",
    "int_flows_deduplicated",
    "int_flows_oriented",
    "conversations",
]


@dataclass
class Account:
    reuse: Reuse
    traffic: Traffic
    snapshots: dict[str, Inventory]  # day, night (CloudTrail read), night-unread (CloudTrail failed)


@pytest.fixture(scope="module")
def account(moto_server) -> Account:
    reset_account(moto_server)
    with patched_environment(moto_server.environment()):
        model = build_account(flow_log_bucket=BUCKET)
        since = {window: start - EVENTS_MARGIN for window, start in WINDOW_STARTS.items()}
        day = take_inventory([model.region], events_since=since["day"])
        night = datetime.datetime(2026, 3, 14, 20, tzinfo=UTC)
        reuse = hand_over(
            model,
            deleted=night,
            borrowed=(night + datetime.timedelta(hours=1), night + datetime.timedelta(hours=2)),
            taken=night + datetime.timedelta(hours=3),
        )
        read = take_inventory([model.region], events_since=since["night"])
        with patched_environment({"AWS_ENDPOINT_URL_CLOUDTRAIL": moto_server.endpoint_url}):
            unread = take_inventory([model.region], events_since=since["night"])
        traffic = reuse_traffic(model, reuse, DATE, FLOW_STARTS)
        ensure_bucket(BUCKET, model.region)
        deliver_to_s3(
            traffic.records,
            boto3.client("s3", region_name=model.region),
            BUCKET,
            account_id=model.account_id,
            region=model.region,
            flow_log_id=model.flow_log_id,
        )
    return Account(reuse, traffic, {"day": day, "night": read, "night-unread": unread})


def _stamped(table: pa.Table, taken: datetime.datetime) -> pa.Table:
    """The snapshot as if taken at `taken` (the schedule's time), not when the test ran."""
    index = table.schema.get_field_index("snapshot_time")
    column = pa.array([taken] * table.num_rows, type=table.schema.field(index).type)
    return table.set_column(index, "snapshot_time", column)


def _run(moto_server, lake_root: Path, snapshots: dict[str, Inventory]) -> Lake:
    from flowpipe.definitions import defs

    lake = Lake(str(lake_root))
    with patched_environment(simulated_environment(moto_server, lake_root)):
        job = defs().resolve_job_def("window_job")  # resources read the environment when defs load
        for window, inventory in snapshots.items():
            partition = {"date": DATE.isoformat(), "window": window}
            for name, table in inventory.tables.items():
                lake.write_table(name, partition, _stamped(table, SNAPSHOTS[window]))
            lake.write_table(ERRORS_TABLE, partition, inventory.errors)
            result = job.execute_in_process(
                partition_key=WINDOW_KEYS[window],
                asset_selection=[dg.AssetKey(name) for name in THROUGH_CONVERSATIONS],
                raise_on_error=False,
            )
            assert result.success, window
    return lake


@pytest.fixture(scope="module")
def with_cloudtrail(account, moto_server, tmp_path_factory) -> Lake:
    snapshots = {"day": account.snapshots["day"], "night": account.snapshots["night"]}
    return _run(moto_server, tmp_path_factory.mktemp("lake"), snapshots)


@pytest.fixture(scope="module")
def without_cloudtrail(account, moto_server, tmp_path_factory) -> Lake:
    snapshots = {"day": account.snapshots["day"], "night": account.snapshots["night-unread"]}
    return _run(moto_server, tmp_path_factory.mktemp("lake"), snapshots)


def _names(lake: Lake, window: str, exchanges: pd.DataFrame) -> pd.DataFrame:
    """Each exchange's ends as the endpoints table names them at the exchange's start: exactly one row of
    the address must be valid then."""
    endpoints = lake.read_partition("endpoints", {"date": DATE.isoformat(), "window": window}).to_pandas()

    def named(ip: str, start: int) -> str:
        rows = endpoints[
            (endpoints.ip == ip)
            & (endpoints.valid_from.isna() | (endpoints.valid_from <= start))
            & (endpoints.valid_to.isna() | (start < endpoints.valid_to))
        ]
        assert len(rows) == 1, (ip, start, rows)
        return rows.entity_name.iloc[0]

    return exchanges.assign(
        found_client=[
            named(ip, start) for ip, start in zip(exchanges.client_ip, exchanges.start, strict=True)
        ],
        found_server=[
            named(ip, start) for ip, start in zip(exchanges.server_ip, exchanges.start, strict=True)
        ],
    )


def _window(account: Account, window: str) -> pd.DataFrame:
    exchanges = account.traffic.exchanges
    return exchanges[exchanges.window == window]


def test_the_scenario_has_flows_from_every_owner_in_both_windows(account) -> None:
    owners = {
        window: set(_window(account, window).client_name) | set(_window(account, window).server_name)
        for window in ("day", "night")
    }
    assert owners["day"] >= {"orders-fn", "orders-db"}
    assert owners["night"] >= {"orders-fn", "invoice-fn", "cart", "orders-db", "web"}


@pytest.mark.parametrize("window", ["day", "night"])
def test_every_flow_is_named_by_the_owner_that_held_the_address_when_it_started(
    account, with_cloudtrail, window
) -> None:
    named = _names(with_cloudtrail, window, _window(account, window))
    assert named.found_client.tolist() == named.client_name.tolist()
    assert named.found_server.tolist() == named.server_name.tolist()


def test_the_address_book_dates_each_owner_from_snapshots_and_cloudtrail(account, with_cloudtrail) -> None:
    book = with_cloudtrail.read_partition(
        "address_book", {"date": DATE.isoformat(), "window": "night"}
    ).to_pandas()
    owners = book[book.ip == account.reuse.ip].sort_values("valid_from", na_position="first")
    epoch = [int(held.start.timestamp()) if held.start else None for held in account.reuse.holdings]
    ends = [int(held.end.timestamp()) if held.end else None for held in account.reuse.holdings]
    assert owners.entity_name.tolist() == ["orders-fn", "invoice-fn", "cart"]
    assert owners.entity_type.tolist() == ["lambda:function", "lambda:function", "ecs:task"]
    assert owners.valid_from.astype(object).where(owners.valid_from.notna(), None).tolist() == epoch
    assert owners.valid_to.astype(object).where(owners.valid_to.notna(), None).tolist() == ends


@pytest.mark.parametrize("window", ["day", "night"])
def test_conversations_are_named_as_the_ground_truth(account, with_cloudtrail, window) -> None:
    """One conversation per owner of the reused address: (client_ip, server_ip, ...) repeats, named apart."""
    key = ["client_ip", "client_name", "server_ip", "server_name", "server_port", "protocol", "action"]
    truth = account.traffic.ground_truth
    truth = truth[truth.window == window].set_index(key).sort_index()
    partition = {"date": DATE.isoformat(), "window": window}
    found = with_cloudtrail.read_partition("conversations", partition).to_pandas().set_index(key).sort_index()
    assert found.index.equals(truth.index)
    for column in ("client_type", "server_type", "bytes_up", "bytes_down", "packets", "flows"):
        assert found[column].tolist() == truth[column].tolist(), column


def test_without_cloudtrail_the_flows_between_the_snapshots_go_to_the_newer_owner(
    account, without_cloudtrail
) -> None:
    """What is missed: orders-fn's last flow after snapshot 1 and all of invoice-fn's are named cart."""
    named = _names(without_cloudtrail, "night", _window(account, "night"))
    wrong = named[named.found_client != named.client_name]
    assert sorted(zip(wrong.client_name, wrong.found_client, strict=True)) == [
        ("invoice-fn", "cart"),
        ("orders-fn", "cart"),
    ]
    assert (named.found_server == named.server_name).all()
    errors = without_cloudtrail.read_partition(
        ERRORS_TABLE, {"date": DATE.isoformat(), "window": "night"}
    ).to_pylist()
    assert [error["api"] for error in errors] == ["cloudtrail:LookupEvents"]
    day = _names(without_cloudtrail, "day", _window(account, "day"))
    assert (day.found_client == day.client_name).all()
