"""boto3 sessions and clients for the accounts flowpipe reads, with AWS's standard retry policy.

Endpoints, credentials and profiles come only from the standard AWS settings (AWS_ENDPOINT_URL,
AWS_PROFILE, ...), so the same code reaches real AWS and the simulated account.
"""

import logging

import boto3
from botocore.client import BaseClient
from botocore.config import Config

logger = logging.getLogger(__name__)

# Standard mode retries throttling and transient errors with jittered backoff; 10 attempts ride out the
# bursts that many concurrent describe calls provoke.
RETRY_CONFIG = Config(retries={"mode": "standard", "max_attempts": 10})
ROLE_SESSION_NAME = "flowpipe"


def client(session: boto3.Session, service: str, region: str | None = None) -> BaseClient:
    """A client with flowpipe's retry policy; region None means the session's (standard settings)."""
    return session.client(service, region_name=region, config=RETRY_CONFIG)


def assumed_role_session(
    role_arn: str, external_id: str | None = None, base: boto3.Session | None = None
) -> boto3.Session:
    """A session holding temporary credentials of role_arn (one hour; an inventory takes seconds)."""
    base = base or boto3.Session()
    request = {"RoleArn": role_arn, "RoleSessionName": ROLE_SESSION_NAME}
    if external_id:
        request["ExternalId"] = external_id
    credentials = client(base, "sts").assume_role(**request)["Credentials"]
    logger.info("assumed %s", role_arn)
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=base.region_name,
    )


def account_id(session: boto3.Session) -> str:
    """The account the session's credentials belong to."""
    return client(session, "sts").get_caller_identity()["Account"]


def default_regions(session: boto3.Session | None = None) -> list[str]:
    """The session's configured region as a one-element list (AWS_REGION / profile)."""
    region = (session or boto3.Session()).region_name
    if not region:
        raise ValueError("no AWS region configured: set AWS_REGION or pass regions explicitly")
    return [region]
