"""The simulated account built once per test module, and one seeded date of its traffic: shared by the tests
of account.py and its creators, and of traffic.py and its parts."""

import datetime
import urllib.request
from collections.abc import Iterator

import boto3
import pytest

from flowpipe.lib.simulated.account import build_account
from flowpipe.lib.simulated.account_model import AccountModel
from flowpipe.lib.simulated.moto_server import MotoServer, patched_environment
from flowpipe.lib.simulated.traffic import Traffic, generate_traffic


@pytest.fixture(scope="module")
def account(moto_server: MotoServer) -> Iterator[AccountModel]:
    """One account for the module: building it takes seconds, and these tests only read."""
    with patched_environment(moto_server.environment()):
        _reset(moto_server)
        yield build_account()


def _reset(moto_server: MotoServer) -> None:
    request = urllib.request.Request(f"{moto_server.endpoint_url}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=10).close()


@pytest.fixture
def ec2(account: AccountModel, moto_server: MotoServer) -> Iterator:
    with patched_environment(moto_server.environment()):
        yield boto3.client("ec2")


@pytest.fixture(scope="module")
def traffic_date() -> datetime.date:
    return datetime.date(2026, 3, 14)


@pytest.fixture(scope="module")
def traffic(account: AccountModel, traffic_date: datetime.date) -> Traffic:
    """Traffic needs only the model: one account and one date of its traffic per module."""
    return generate_traffic(account, traffic_date, seed=7, scale=0.05)
