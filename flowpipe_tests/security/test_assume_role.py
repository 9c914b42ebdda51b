"""AssumeRole as it goes over the wire: the external id when one is configured, never an empty one.

(The whole run's inventory assumes FLOWPIPE_ROLE_ARNS with FLOWPIPE_EXTERNAL_ID: test_secrets.py.)
"""

from flowpipe.lib import aws_session
from flowpipe_tests.faults.proxy import FaultProxy

ROLE = "arn:aws:iam::111111111111:role/flowpipe-reader"


def test_the_external_id_goes_with_the_assume_role_request(faulty_aws: FaultProxy) -> None:
    session = aws_session.assumed_role_session(ROLE, "ext-7f3a")

    (call,) = faulty_aws.calls("sts", "AssumeRole")
    assert (call.params["RoleArn"], call.params["ExternalId"]) == (ROLE, "ext-7f3a")
    assert call.params["RoleSessionName"] == aws_session.ROLE_SESSION_NAME
    assert aws_session.account_id(session) == "111111111111"


def test_without_an_external_id_the_request_carries_none(faulty_aws: FaultProxy) -> None:
    session = aws_session.assumed_role_session(ROLE)

    (call,) = faulty_aws.calls("sts", "AssumeRole")
    assert "ExternalId" not in call.params
    assert aws_session.account_id(session) == "111111111111"
