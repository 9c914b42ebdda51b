"""Shared fixtures: one moto server for the whole session, reset before each test that uses it."""

import urllib.request
from collections.abc import Iterator

import pytest

from flowpipe.lib.simulated.moto_server import MotoServer


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    with MotoServer() as server:
        yield server


@pytest.fixture
def aws(moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> MotoServer:
    """A clean simulated AWS account, with the standard AWS settings pointing boto3 at it."""
    request = urllib.request.Request(f"{moto_server.endpoint_url}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=10).close()
    for key, value in moto_server.environment().items():
        monkeypatch.setenv(key, value)
    return moto_server
