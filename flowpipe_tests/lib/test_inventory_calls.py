"""The inventory's calls: every page of an answer, or an error row naming the IAM action that failed."""

import socket

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber

from flowpipe.lib.inventory_calls import ApiCalls, api_name, error_row

ACCOUNT, REGION = "123456789012", "us-east-1"
GROUP_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/{}/73e2d6bc24d8a067"


def _client(service: str, **kwargs):
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    return session.client(service, **kwargs)


@pytest.fixture
def elbv2() -> Stubber:
    with Stubber(_client("elbv2")) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def _group(name: str) -> dict:
    return {"TargetGroupName": name, "TargetGroupArn": GROUP_ARN.format(name), "Protocol": "TCP", "Port": 443}


@pytest.mark.parametrize(
    ("service", "operation", "action"),
    [
        ("efs", "describe_mount_targets", "elasticfilesystem:DescribeMountTargets"),
        ("elbv2", "describe_target_health", "elasticloadbalancing:DescribeTargetHealth"),
        ("elb", "describe_load_balancers", "elasticloadbalancing:DescribeLoadBalancers"),
        ("rds", "describe_db_instances", "rds:DescribeDBInstances"),
        ("ec2", "get_managed_prefix_list_entries", "ec2:GetManagedPrefixListEntries"),
    ],
)
def test_a_calls_api_name_is_its_iam_action(service: str, operation: str, action: str) -> None:
    assert api_name(_client(service), operation) == action


def test_every_page_of_a_paginated_call_is_returned_in_order(elbv2: Stubber) -> None:
    elbv2.add_response(
        "describe_target_groups", {"TargetGroups": [_group("a"), _group("b")], "NextMarker": "page-2"}, {}
    )
    elbv2.add_response("describe_target_groups", {"TargetGroups": [_group("c")]}, {"Marker": "page-2"})
    calls = ApiCalls({"elbv2": elbv2.client}, ACCOUNT, REGION)
    groups = calls.list("elbv2", "describe_target_groups", "TargetGroups")
    assert [group["TargetGroupName"] for group in groups] == ["a", "b", "c"]
    assert calls.errors == []


def test_a_call_without_a_paginator_is_made_once_with_its_parameters(elbv2: Stubber) -> None:
    arn = GROUP_ARN.format("api")
    health = [{"Target": {"Id": "10.0.1.7", "Port": 443}, "TargetHealth": {"State": "healthy"}}]
    elbv2.add_response(
        "describe_target_health", {"TargetHealthDescriptions": health}, {"TargetGroupArn": arn}
    )
    calls = ApiCalls({"elbv2": elbv2.client}, ACCOUNT, REGION)
    assert (
        calls.list("elbv2", "describe_target_health", "TargetHealthDescriptions", TargetGroupArn=arn)
        == health
    )


def test_an_answer_without_the_result_key_is_no_items(elbv2: Stubber) -> None:
    elbv2.add_response("describe_target_groups", {}, {})
    calls = ApiCalls({"elbv2": elbv2.client}, ACCOUNT, REGION)
    assert calls.list("elbv2", "describe_target_groups", "TargetGroups") == []


def test_a_denied_call_is_an_error_row_and_the_next_call_still_answers(elbv2: Stubber) -> None:
    message = (
        "User: arn:aws:sts::123456789012:assumed-role/flowpipe/flowpipe is not authorized to perform: "
        "elasticloadbalancing:DescribeTargetGroups because no identity-based policy allows the "
        "elasticloadbalancing:DescribeTargetGroups action"
    )
    elbv2.add_client_error("describe_target_groups", "AccessDenied", message, http_status_code=403)
    elbv2.add_response("describe_load_balancers", {"LoadBalancers": []}, {})
    calls = ApiCalls({"elbv2": elbv2.client}, ACCOUNT, REGION)
    assert calls.list("elbv2", "describe_target_groups", "TargetGroups") is None
    assert calls.list("elbv2", "describe_load_balancers", "LoadBalancers") == []
    assert calls.errors == [
        {
            "account_id": ACCOUNT,
            "region": REGION,
            "api": "elasticloadbalancing:DescribeTargetGroups",
            "error_code": "AccessDenied",
            "message": message,
        }
    ]


def test_a_failure_on_a_later_page_drops_the_earlier_pages_and_is_recorded(elbv2: Stubber) -> None:
    """Half a listing would look like a complete one: the call is recorded as failed instead."""
    elbv2.add_response("describe_target_groups", {"TargetGroups": [_group("a")], "NextMarker": "page-2"}, {})
    elbv2.add_client_error("describe_target_groups", "Throttling", "Rate exceeded", http_status_code=400)
    calls = ApiCalls({"elbv2": elbv2.client}, ACCOUNT, REGION)
    assert calls.list("elbv2", "describe_target_groups", "TargetGroups") is None
    assert [(row["api"], row["error_code"]) for row in calls.errors] == [
        ("elasticloadbalancing:DescribeTargetGroups", "Throttling")
    ]


def test_an_unreachable_endpoint_is_an_error_row_named_after_botocores_exception() -> None:
    with socket.socket() as probe:  # a port nothing listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    config = Config(retries={"total_max_attempts": 1}, connect_timeout=2)
    calls = ApiCalls({"efs": _client("efs", endpoint_url=url, config=config)}, ACCOUNT, "eu-west-1")
    assert calls.list("efs", "describe_file_systems", "FileSystems") is None
    [row] = calls.errors
    assert (row["account_id"], row["region"], row["api"], row["error_code"]) == (
        ACCOUNT,
        "eu-west-1",
        "elasticfilesystem:DescribeFileSystems",
        "EndpointConnectionError",
    )
    assert url in row["message"]


def test_an_error_that_is_not_awss_is_named_by_its_type() -> None:
    problem = ValueError("FLOWPIPE_ROLE_ARNS: 'reader' is not a role ARN")
    assert error_row("unknown", "", "sts:AssumeRole", problem) == {
        "account_id": "unknown",
        "region": "",
        "api": "sts:AssumeRole",
        "error_code": "ValueError",
        "message": "FLOWPIPE_ROLE_ARNS: 'reader' is not a role ARN",
    }
