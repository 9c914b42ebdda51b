"""inventory_snapshot, address_book and cidr_book through dg.materialize on the moto account."""

import contextlib
import datetime
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import pytest

from flowpipe.cli import SIMULATED_IP_RANGES
from flowpipe.defs.inventory.address_book import address_book
from flowpipe.defs.inventory.cidr_book import cidr_book
from flowpipe.defs.inventory.inventory_snapshot import inventory_snapshot
from flowpipe.lib.lake import Lake
from flowpipe.lib.resources import AwsInventoryResource, LakeResource
from flowpipe.lib.simulated.account import build_account

WINDOW_KEY = "2026-03-14-06:00"
PARTITION = {"date": "2026-03-14", "window": "day"}


def _materialize(tmp_path, ip_ranges: str) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [inventory_snapshot, address_book, cidr_book],
        partition_key=WINDOW_KEY,
        resources={
            "aws": AwsInventoryResource(regions=["us-east-1"], ip_ranges=ip_ranges),
            "lake": LakeResource(root=str(tmp_path / "lake")),
        },
    )


@pytest.fixture
def account(aws):
    return build_account("us-east-1")


def test_every_address_of_the_account_is_in_the_address_book_as_named(account, tmp_path):
    result = _materialize(tmp_path, str(SIMULATED_IP_RANGES))
    book = Lake(str(tmp_path / "lake")).read_partition("address_book", PARTITION).to_pandas().set_index("ip")
    for endpoint in account.endpoints:
        row = book.loc[endpoint.ip]
        assert (row.entity_type, row.entity_name) == (endpoint.entity_type, endpoint.entity_name), endpoint.ip
        assert row.availability_zone == endpoint.availability_zone
    metadata = result.asset_materializations_for_node("inventory_snapshot")[0].metadata
    # every call succeeds, CloudTrail's LookupEvents too (served beside moto, which has none)
    assert metadata["failed_calls"].value == 0
    assert Lake(str(tmp_path / "lake")).read_partition("inventory_errors", PARTITION).num_rows == 0


def test_without_aws_ranges_the_cidr_book_still_lands_and_says_why(account, tmp_path):
    result = _materialize(tmp_path, str(tmp_path / "missing-ip-ranges.json"))
    cidrs = Lake(str(tmp_path / "lake")).read_partition("cidr_book", PARTITION).to_pandas()
    assert "aws-service" not in set(cidrs.kind)
    assert "vpc" in set(cidrs.kind)
    metadata = result.asset_materializations_for_node("cidr_book")[0].metadata
    assert metadata["ip_ranges_error"].value != "none"


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


def test_cloudtrail_is_read_from_an_hour_before_the_window_until_the_snapshot(account, tmp_path, monkeypatch):
    with _cloudtrail_endpoint() as (url, requests):
        monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDTRAIL", url)
        started = time.time()
        result = _materialize(tmp_path, str(SIMULATED_IP_RANGES))
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
