"""Fixtures around the fault proxy, shared by the faults and security tests through their conftest.py."""

from collections.abc import Iterator

import boto3
import pytest

from flowpipe.lib.simulated.moto_server import MotoServer
from flowpipe_tests.faults.proxy import FaultProxy


@pytest.fixture(scope="session")
def proxy(moto_server: MotoServer) -> Iterator[FaultProxy]:
    with FaultProxy(moto_server.endpoint_url) as running:
        yield running


@pytest.fixture
def faulty_aws(aws: MotoServer, proxy: FaultProxy, monkeypatch: pytest.MonkeyPatch) -> FaultProxy:
    """A clean simulated account that flowpipe reaches through the proxy (no rules yet, nothing recorded)."""
    proxy.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.endpoint_url)
    return proxy


@pytest.fixture
def direct_s3(aws: MotoServer):
    """An S3 client straight to moto, for setting a test up without going through the proxy."""
    return boto3.client("s3", endpoint_url=aws.endpoint_url)
