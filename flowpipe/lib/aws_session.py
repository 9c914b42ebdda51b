"""boto3 sessions and clients for the accounts flowpipe reads, with AWS's standard retry policy.

Endpoints, credentials, profiles and retry settings come only from the standard AWS settings
(AWS_ENDPOINT_URL, AWS_PROFILE, AWS_RETRY_MODE, AWS_MAX_ATTEMPTS, ...), so the same code reaches real
AWS and the simulated account.
"""

import contextlib
import logging
import os
import re
from collections.abc import Iterator

import boto3
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError

logger = logging.getLogger(__name__)

# Standard mode retries throttling and transient errors with jittered backoff; 10 retries ride out the
# bursts that many concurrent describe calls provoke. AWS_RETRY_MODE / AWS_MAX_ATTEMPTS override both.
DEFAULT_RETRY_MODE = "standard"
RETRY_MODES = ("standard", "adaptive", "legacy")
DEFAULT_RETRIES = 10
ROLE_SESSION_NAME = "flowpipe"
# Error codes by which AWS refuses the credentials themselves: every further call would fail alike.
REJECTED_CREDENTIALS = frozenset(
    {
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidAccessKeyId",
        "InvalidClientTokenId",
        "InvalidToken",
        "SignatureDoesNotMatch",
        "TokenRefreshRequired",
        "UnrecognizedClientException",
        "AuthFailure",
    }
)


class CredentialsRejected(RuntimeError):
    """AWS refused the credentials (expired, unknown, badly signed): nothing more can be read with them."""


def retry_config() -> Config:
    """Standard mode, 10 retries; AWS_RETRY_MODE (e.g. adaptive) and AWS_MAX_ATTEMPTS (all attempts,
    the first included, as botocore counts it there) win when set."""
    mode = os.environ.get("AWS_RETRY_MODE") or DEFAULT_RETRY_MODE
    if mode not in RETRY_MODES:
        raise ValueError(f"AWS_RETRY_MODE must be one of {', '.join(RETRY_MODES)}, not {mode!r}")
    retries: dict[str, str | int] = {"mode": mode}
    attempts = os.environ.get("AWS_MAX_ATTEMPTS")
    if attempts:
        if not re.fullmatch(r"[0-9]+", attempts.strip()) or int(attempts) < 1:
            raise ValueError(f"AWS_MAX_ATTEMPTS must be a whole number of at least 1, not {attempts!r}")
        retries["total_max_attempts"] = int(attempts)
    else:
        retries["max_attempts"] = DEFAULT_RETRIES
    return Config(retries=retries)


def client(session: boto3.Session, service: str, region: str | None = None) -> BaseClient:
    """A client with flowpipe's retry policy; region None means the session's (standard settings)."""
    return session.client(service, region_name=region, config=retry_config())


def error_code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


@contextlib.contextmanager
def credentials_checked(reading: str) -> Iterator[None]:
    """Turns AWS refusing the credentials into CredentialsRejected, saying what was read and what to do;
    any other error goes on unchanged."""
    try:
        yield
    except ClientError as error:
        code = error_code(error)
        if code not in REJECTED_CREDENTIALS:
            raise
        message = error.response.get("Error", {}).get("Message", "")
        raise CredentialsRejected(
            f"AWS refused the credentials while reading {reading}: {code}: {message} Renew them (a new "
            "session token, `aws sso login`, or the profile's role) and run again."
        ) from error


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
