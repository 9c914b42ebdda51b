"""Three accounts read through FLOWPIPE_ROLE_ARNS, one refusing: the others land, the refusal is a row.

The fault proxy answers for the refusing account as AWS would: AccessDenied on AssumeRole (the role does
not trust flowpipe), or on every call made with the role's credentials (its policy allows nothing).
"""

from pathlib import Path

import boto3
import dagster as dg
import pytest

from flowpipe.defs.inventory.inventory_snapshot import ERRORS_TABLE, inventory_snapshot
from flowpipe.lib.lake import Lake
from flowpipe.lib.resources import AwsInventoryResource, LakeResource
from flowpipe.lib.settings import Settings
from flowpipe.lib.simulated.moto_server import MotoServer
from flowpipe_tests.faults.deliveries import PARTITION, WINDOW_KEY
from flowpipe_tests.faults.proxy import ACCESS_DENIED, EXPIRED_TOKEN, FaultProxy, deny_role_credentials

ACCOUNTS = ("111111111111", "222222222222", "333333333333")
ROLES = [f"arn:aws:iam::{account}:role/flowpipe-reader" for account in ACCOUNTS]
REFUSING = ROLES[1]


@pytest.fixture
def accounts(aws: MotoServer) -> dict[str, str]:
    """One VPC in each account (made with the role's credentials straight at moto): {account: vpc id}."""
    vpcs = {}
    for account, role in zip(ACCOUNTS, ROLES, strict=True):
        sts = boto3.client("sts", endpoint_url=aws.endpoint_url)
        credentials = sts.assume_role(RoleArn=role, RoleSessionName="setup")["Credentials"]
        ec2 = boto3.client(
            "ec2",
            endpoint_url=aws.endpoint_url,
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )
        vpcs[account] = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    return vpcs


def _inventory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[dg.ExecuteInProcessResult, Lake]:
    """inventory_snapshot for the day window, its resource built from the environment as defs/ does."""
    monkeypatch.setenv("FLOWPIPE_ROLE_ARNS", ",".join(ROLES))
    monkeypatch.setenv("FLOWPIPE_REGIONS", "us-east-1")
    settings = Settings.from_environment()
    aws = AwsInventoryResource(
        regions=settings.regions, role_arns=settings.role_arns, external_id=settings.external_id
    )
    result = dg.materialize(
        [inventory_snapshot],
        partition_key=WINDOW_KEY,
        resources={"aws": aws, "lake": LakeResource(root=str(tmp_path / "lake"))},
        raise_on_error=False,
    )
    return result, Lake(str(tmp_path / "lake"))


def _vpcs(lake: Lake) -> dict[str, str]:
    rows = lake.read_partition("inventory_vpcs", PARTITION).to_pylist()
    return {row["account_id"]: row["vpc_id"] for row in rows}


def _errors(lake: Lake) -> dict[str, set[tuple[str, str]]]:
    """{account: {(api, error code)}} of the inventory_errors rows."""
    errors: dict[str, set[tuple[str, str]]] = {}
    for row in lake.read_partition(ERRORS_TABLE, PARTITION).to_pylist():
        errors.setdefault(row["account_id"], set()).add((row["api"], row["error_code"]))
    return errors


def _denials(errors: dict[str, set[tuple[str, str]]], account: str) -> set[tuple[str, str]]:
    """An account's refusals (moto's gaps, such as CloudTrail's 500s, are no business of this test)."""
    return {
        (api, code) for api, code in errors.get(account, set()) if code in ("AccessDenied", "ExpiredToken")
    }


def test_a_role_that_cannot_be_assumed_is_a_row_of_inventory_errors_and_the_other_accounts_land(
    faulty_aws: FaultProxy,
    accounts: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    faulty_aws.inject(
        ACCESS_DENIED, operation="AssumeRole", where=lambda call: call.params["RoleArn"] == REFUSING
    )

    result, lake = _inventory(tmp_path, monkeypatch)

    assert result.success
    assert _vpcs(lake) == {account: accounts[account] for account in (ACCOUNTS[0], ACCOUNTS[2])}
    errors = _errors(lake)
    assert errors[ACCOUNTS[1]] == {("sts:AssumeRole", "AccessDenied")}
    assert _denials(errors, ACCOUNTS[0]) == _denials(errors, ACCOUNTS[2]) == set()


def test_an_account_whose_role_may_read_nothing_is_rows_of_errors_and_the_others_land(
    faulty_aws: FaultProxy,
    accounts: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    deny_role_credentials(faulty_aws, REFUSING)

    result, lake = _inventory(tmp_path, monkeypatch)

    assert result.success
    assert _vpcs(lake) == {account: accounts[account] for account in (ACCOUNTS[0], ACCOUNTS[2])}
    errors = _errors(lake)
    assert {code for _, code in errors[ACCOUNTS[1]]} == {"AccessDenied"}
    assert {"ec2:DescribeVpcs", "ec2:DescribeNetworkInterfaces"} <= {api for api, _ in errors[ACCOUNTS[1]]}
    assert _denials(errors, ACCOUNTS[0]) == _denials(errors, ACCOUNTS[2]) == set()


def test_expired_credentials_are_rows_naming_the_code_for_every_account(
    faulty_aws: FaultProxy,
    accounts: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    faulty_aws.inject(EXPIRED_TOKEN, service="sts")

    result, lake = _inventory(tmp_path, monkeypatch)

    assert result.success
    assert _errors(lake) == {account: {("sts:AssumeRole", "ExpiredToken")} for account in ACCOUNTS}
    assert _vpcs(lake) == {}
