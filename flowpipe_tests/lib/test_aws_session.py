from pathlib import Path

import boto3
import pytest

from flowpipe.lib import aws_session
from flowpipe.lib.simulated.moto_server import MotoServer


def test_clients_retry_in_standard_mode_ten_times_after_the_first_attempt() -> None:
    client = aws_session.client(boto3.Session(region_name="us-east-1"), "ec2")
    # botocore reads max_attempts as retries: 10 retries are 11 attempts in all.
    assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": 11}


def test_clients_reach_the_endpoint_from_the_standard_aws_settings(aws: MotoServer) -> None:
    client = aws_session.client(boto3.Session(), "ec2", "eu-west-1")
    assert client.meta.endpoint_url == aws.endpoint_url
    assert client.meta.region_name == "eu-west-1"


def test_assumed_role_session_belongs_to_the_roles_account(aws: MotoServer) -> None:
    session = aws_session.assumed_role_session("arn:aws:iam::111111111111:role/flowpipe-reader", "ext-id")
    assert aws_session.account_id(session) == "111111111111"
    assert aws_session.account_id(boto3.Session()) == "123456789012"


def test_default_regions_come_from_the_session_or_fail_clearly(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert aws_session.default_regions(boto3.Session(region_name="eu-central-1")) == ["eu-central-1"]
    for variable in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "absent"))
    with pytest.raises(ValueError, match="no AWS region configured"):
        aws_session.default_regions(boto3.Session())
