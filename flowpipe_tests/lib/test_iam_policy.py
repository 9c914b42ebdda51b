"""The shipped read-only policy is exactly enough: moto enforces IAM once /moto-api/reset-auth is set."""

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from flowpipe.lib import inventory
from flowpipe.lib.inventory import take_inventory
from flowpipe.lib.simulated.account import build_account
from flowpipe.lib.simulated.account_model import AccountModel
from flowpipe.lib.simulated.moto_server import MotoServer

POLICY_PATH = Path(inventory.__file__).with_name("iam_policy.json")
# Once IAM is enforced, moto 5.2.5's server rejects correctly signed EFS and Lambda requests with
# SignatureDoesNotMatch, and S3 does not find IAM users' keys (InvalidAccessKeyId), so those permissions
# cannot be checked here; every other inventory call's are (ec2, elb, elbv2, rds, ecs, elasticache).
UNVERIFIABLE_IN_MOTO = {"elasticfilesystem:DescribeFileSystems", "lambda:ListFunctions"}


def _policy(without: str | None = None) -> dict:
    policy = json.loads(POLICY_PATH.read_text())
    for statement in policy["Statement"]:
        statement["Action"] = [action for action in statement["Action"] if action != without]
    return policy


def _set_no_auth_count(server: MotoServer, count: str) -> None:
    """moto authenticates and authorizes every request after `count` more ("inf": never)."""
    request = urllib.request.Request(
        f"{server.endpoint_url}/moto-api/reset-auth",
        data=count.encode(),
        method="POST",
        headers={"Content-Type": "text/plain"},  # a form content type would hide the body from moto
    )
    urllib.request.urlopen(request, timeout=10).close()


@pytest.fixture
def account(aws: MotoServer) -> AccountModel:
    return build_account()


@pytest.fixture
def as_reader(aws: MotoServer, monkeypatch: pytest.MonkeyPatch) -> Iterator:
    """Call it with a policy: the process then runs as an IAM user holding only that policy, enforced."""

    def become(policy: dict) -> None:
        iam = boto3.client("iam")
        iam.create_user(UserName="flowpipe-reader")
        iam.put_user_policy(
            UserName="flowpipe-reader", PolicyName="flowpipe-read-only", PolicyDocument=json.dumps(policy)
        )
        key = iam.create_access_key(UserName="flowpipe-reader")["AccessKey"]
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
        monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
        _set_no_auth_count(aws, "0")

    yield become
    _set_no_auth_count(aws, "inf")


def test_the_policy_allows_every_inventory_call(account, as_reader) -> None:
    as_reader(_policy())
    result = take_inventory(["us-east-1"])
    errors = result.errors.to_pylist()
    assert {error["api"] for error in errors} == UNVERIFIABLE_IN_MOTO
    assert all("SignatureDoesNotMatch" in error["message"] for error in errors)
    for table in ("inventory_network_interfaces", "inventory_elastic_ips", "inventory_lb_targets"):
        assert result.tables[table].num_rows > 0, table


@pytest.mark.parametrize(
    "action",
    ["ec2:DescribeAddresses", "elasticloadbalancing:DescribeTargetHealth", "rds:DescribeDBProxies"],
)
def test_without_one_action_only_that_call_fails_and_the_rest_lands(account, as_reader, action) -> None:
    as_reader(_policy(without=action))
    result = take_inventory(["us-east-1"])
    errors = [error for error in result.errors.to_pylist() if error["api"] not in UNVERIFIABLE_IN_MOTO]
    assert [(error["api"], error["error_code"]) for error in errors] == [(action, "AccessDenied")]
    assert result.tables["inventory_network_interfaces"].num_rows > 0
    assert result.tables["inventory_classic_load_balancers"].num_rows > 0
