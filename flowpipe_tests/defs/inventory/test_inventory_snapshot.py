"""inventory_snapshot through dg.materialize on the moto account: a table per kind, CloudTrail's window."""

import contextlib
import datetime
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from flowpipe.cli import SIMULATED_IP_RANGES
from flowpipe.lib.inventory_schemas import TABLE_COLUMNS
from flowpipe.lib.lake import Lake

PARTITION = {"date": "2026-03-14", "window": "day"}


def test_every_call_succeeds_and_each_table_holds_the_rows_the_metadata_counts(
    account, materialize_inventory, tmp_path
):
    result = materialize_inventory(ip_ranges=str(SIMULATED_IP_RANGES))
    lake = Lake(str(tmp_path / "lake"))
    metadata = result.asset_materializations_for_node("inventory_snapshot")[0].metadata
    # every call succeeds, CloudTrail's LookupEvents too (served beside moto, which has none)
    assert metadata["failed_calls"].value == 0
    assert metadata["failed_calls_preview"].value == "none"
    assert lake.read_partition("inventory_errors", PARTITION).num_rows == 0
    for name in TABLE_COLUMNS:
        assert metadata[f"rows_{name}"].value == lake.read_partition(name, PARTITION).num_rows, name
    interfaces = lake.read_partition("inventory_network_interfaces", PARTITION).to_pandas()
    assert {endpoint.ip for endpoint in account.endpoints} <= set(interfaces.private_ip_address)


@contextlib.contextmanager
def _cloudtrail_endpoint() -> Iterator[tuple[str, list[dict]]]:
    """A CloudTrail endpoint on 127.0.0.1 that answers LookupEvents with no events and keeps the requests, to
    check what is asked (botocore reaches it through AWS_ENDPOINT_URL_CLOUDTRAIL)."""
    requests: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            requests.append({"target": self.headers["X-Amz-Target"], **json.loads(body)})
            answer = b'{"Events": []}'
            self.send_response(200)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()


def test_cloudtrail_is_read_from_an_hour_before_the_window_until_the_snapshot(
    account, materialize_inventory, monkeypatch
):
    with _cloudtrail_endpoint() as (url, requests):
        monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDTRAIL", url)
        started = time.time()
        result = materialize_inventory(ip_ranges=str(SIMULATED_IP_RANGES))
        finished = time.time()
    names = [request["LookupAttributes"][0]["AttributeValue"] for request in requests]
    assert names == ["CreateNetworkInterface", "DeleteNetworkInterface"]
    assert {request["target"].rsplit(".", 1)[1] for request in requests} == {"LookupEvents"}
    window_start = datetime.datetime(2026, 3, 14, 6, tzinfo=datetime.UTC)
    assert {request["StartTime"] for request in requests} == {
        (window_start - datetime.timedelta(hours=1)).timestamp()
    }
    assert all(started <= request["EndTime"] <= finished for request in requests)
    assert result.asset_materializations_for_node("inventory_snapshot")[0].metadata["failed_calls"].value == 0


def test_a_backfill_takes_one_snapshot_and_writes_it_to_each_window(
    account, materialize_inventory, monkeypatch, tmp_path
):
    with _cloudtrail_endpoint() as (url, requests):
        monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDTRAIL", url)
        materialize_inventory(
            ip_ranges=str(SIMULATED_IP_RANGES),
            partition_key=None,
            tags={
                "dagster/asset_partition_range_start": "2026-03-14-06:00",
                "dagster/asset_partition_range_end": "2026-03-15-06:00",
            },
        )
    # one snapshot: CloudTrail asked once per event name, from an hour before the first window
    assert len(requests) == 2
    assert {request["StartTime"] for request in requests} == {
        datetime.datetime(2026, 3, 14, 5, tzinfo=datetime.UTC).timestamp()
    }
    lake = Lake(str(tmp_path / "lake"))
    windows = [PARTITION, {"date": "2026-03-14", "window": "night"}, {"date": "2026-03-15", "window": "day"}]
    interfaces = [lake.read_partition("inventory_network_interfaces", window) for window in windows]
    assert interfaces[0].num_rows == len(set(interfaces[0].column("private_ip_address").to_pylist())) > 0
    assert all(table.equals(interfaces[0]) for table in interfaces[1:])
