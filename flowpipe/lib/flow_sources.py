"""Find the flow log objects that can hold a time window, in S3 or a local folder of the same layout.

AWS writes `{prefix}/AWSLogs/{account}/vpcflowlogs/{region}/YYYY/MM/DD/[HH/]file` (or the Hive form
`aws-account-id=…/aws-service=vpcflowlogs/aws-region=…/year=…/month=…/day=…/[hour=…/]`). Accounts and
regions are discovered one directory level at a time and only the UTC days the window touches are
listed, so a window costs a handful of list calls however large the bucket is.

An S3 object that cannot be read whole, after botocore's retries of the request and flowpipe's own of a
body that broke off, raises ObjectUnavailable naming it, so the rest of the window can still be read; a
refusal of the credentials raises CredentialsRejected, since no other object could be read either.
"""

import logging
import re
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
from botocore.exceptions import (
    ClientError,
    FlexibleChecksumError,
    IncompleteReadError,
    ReadTimeoutError,
    ResponseStreamingError,
)
from botocore.response import StreamingBody

from flowpipe.lib import aws_session
from flowpipe.lib.cloudwatch_source import (
    INSIGHTS_PREFIX,
    LOGS_PREFIX,
    CloudWatchFlowLogSource,
    open_cloudwatch_source,
)

logger = logging.getLogger(__name__)

AWS_LOGS = "AWSLogs/"
SERVICE_DIRS = frozenset({"vpcflowlogs", "aws-service=vpcflowlogs"})
# A file's timestamp is its 5-minute delivery interval (records whose END falls in it). A record belongs
# to the window holding its START: a flow may start up to one aggregation interval (10 min) before it
# ends, and deliveries run late, so a window needs files from 5 min before it to 1 hour after it.
EARLIEST_FILE_BEFORE_WINDOW = timedelta(minutes=5)
LATEST_FILE_AFTER_WINDOW = timedelta(hours=1)
_FILE_TIME = re.compile(r"_(\d{8}T\d{4}Z)_[^_/]*$")
# botocore retries a request that fails; a body that breaks off after the answer began (a reset
# connection, a short read, a checksum that does not match) is fetched again from its start, this many
# attempts in all, so a half-read object is never parsed.
DOWNLOAD_ATTEMPTS = 4
_DOWNLOAD_CHUNK = 1 << 20
_RETRY_PAUSE_SECONDS = 0.2
# botocore's own rule for bucket names (legacy names allow capitals and underscores).
_BUCKET = re.compile(r"[a-zA-Z0-9.\-_]{1,255}")


class ObjectUnavailable(Exception):
    """One listed object could not be read whole; the window's other objects can still be read."""

    def __init__(self, uri: str, reason: str) -> None:
        super().__init__(f"{uri}: {reason}")
        self.uri = uri
        self.reason = reason


class _ShortBody(Exception):
    """Fewer (or more) bytes arrived than the listing said the object holds."""


# A body that breaks off once the answer began; the request itself is botocore's to retry.
_BODY_ERRORS = (
    ResponseStreamingError,
    IncompleteReadError,
    ReadTimeoutError,
    FlexibleChecksumError,
    _ShortBody,
)


@dataclass(frozen=True)
class FlowLogObject:
    uri: str
    key: str  # S3 key, or the file's path for a local source
    size: int
    file_time: datetime | None  # from the file name; None when the name does not follow AWS's pattern

    @property
    def is_parquet(self) -> bool:
        return self.key.endswith(".parquet")


class FlowLogSource(ABC):
    """A tree of flow log deliveries; subclasses only know how to list a directory and fetch a file."""

    def __init__(self, root: str) -> None:
        self.root = root  # the AWSLogs/ directory, ending in "/"

    def list_objects(self, start: datetime, end: datetime) -> list[FlowLogObject]:
        """Objects whose delivery interval can hold records starting in [start, end), sorted by key."""
        earliest = _utc(start) - EARLIEST_FILE_BEFORE_WINDOW
        latest = _utc(end) + LATEST_FILE_AFTER_WINDOW
        found = []
        for region_dir in self._region_dirs():
            for day_dir in _day_dirs(region_dir, earliest, latest):
                for key, size in self._files(day_dir):
                    file_time = delivery_time(key)
                    if file_time is None or earliest <= file_time < latest:
                        found.append(FlowLogObject(self._uri(key), key, size, file_time))
        return sorted(found, key=lambda obj: obj.key)

    @abstractmethod
    def fetch(self, obj: FlowLogObject, local_path: str) -> str:
        """A local path holding the object's bytes (downloaded to `local_path` when remote)."""

    @abstractmethod
    def _children(self, directory: str) -> list[str]:
        """Sub-directories of `directory`, each ending in "/"."""

    @abstractmethod
    def _files(self, directory: str) -> Iterator[tuple[str, int]]:
        """(key, size) of every file below `directory`, at any depth (hourly folders)."""

    @abstractmethod
    def _uri(self, key: str) -> str: ...

    def _region_dirs(self) -> Iterator[str]:
        for account_dir in self._children(self.root):
            for service_dir in self._children(account_dir):
                if _last_part(service_dir) in SERVICE_DIRS:
                    yield from self._children(service_dir)


class S3FlowLogSource(FlowLogSource):
    def __init__(self, bucket: str, prefix: str, s3_client) -> None:
        super().__init__(_root(prefix))
        self.bucket = bucket
        self._s3 = s3_client

    def fetch(self, obj: FlowLogObject, local_path: str) -> str:
        """Downloads the object whole into local_path, or raises ObjectUnavailable (nothing left there)."""
        problem = ""
        for attempt in range(1, DOWNLOAD_ATTEMPTS + 1):
            if attempt > 1:
                time.sleep(_RETRY_PAUSE_SECONDS * (attempt - 1))
            body = self._get(obj)
            try:
                return self._write(body, obj, local_path)
            except _BODY_ERRORS as error:
                Path(local_path).unlink(missing_ok=True)
                problem = _describe(error)
                logger.warning(
                    "%s broke off (%s), attempt %d of %d", obj.uri, problem, attempt, DOWNLOAD_ATTEMPTS
                )
        raise ObjectUnavailable(obj.uri, f"{problem} (read {DOWNLOAD_ATTEMPTS} times)")

    def _get(self, obj: FlowLogObject) -> StreamingBody:
        try:
            with aws_session.credentials_checked(obj.uri):
                return self._s3.get_object(Bucket=self.bucket, Key=obj.key)["Body"]
        except ClientError as error:  # botocore has retried what can be retried
            raise ObjectUnavailable(obj.uri, _describe(error)) from error

    @staticmethod
    def _write(body: StreamingBody, obj: FlowLogObject, local_path: str) -> str:
        written = 0
        with body, open(local_path, "wb") as local:
            for chunk in body.iter_chunks(_DOWNLOAD_CHUNK):
                local.write(chunk)
                written += len(chunk)
        if written != obj.size:
            raise _ShortBody(f"{written} bytes arrived, the listing said {obj.size}")
        return local_path

    def _children(self, directory: str) -> list[str]:
        pages = self._s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=directory, Delimiter="/"
        )
        with aws_session.credentials_checked(self._uri(directory)):
            return [common["Prefix"] for page in pages for common in page.get("CommonPrefixes", [])]

    def _files(self, directory: str) -> Iterator[tuple[str, int]]:
        pages = self._s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=directory)
        with aws_session.credentials_checked(self._uri(directory)):
            for page in pages:
                for item in page.get("Contents", []):
                    # A key ending in "/" is a folder made in the console, not a delivery.
                    if not item["Key"].endswith("/"):
                        yield item["Key"], item["Size"]

    def _uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"


class LocalFlowLogSource(FlowLogSource):
    def __init__(self, folder: str) -> None:
        super().__init__(_root(str(Path(folder).resolve())))

    def fetch(self, obj: FlowLogObject, local_path: str) -> str:
        return obj.key

    def _children(self, directory: str) -> list[str]:
        path = Path(directory)
        return sorted(f"{child}/" for child in path.iterdir() if child.is_dir()) if path.is_dir() else []

    def _files(self, directory: str) -> Iterator[tuple[str, int]]:
        for path in sorted(Path(directory).rglob("*")):
            if path.is_file():
                yield str(path), path.stat().st_size

    def _uri(self, key: str) -> str:
        return Path(key).as_uri()


def open_flow_log_source(
    location: str, s3_client=None, log_format: str | None = None
) -> FlowLogSource | CloudWatchFlowLogSource:
    """`s3://bucket/optional/prefix` (the part above AWSLogs/), a local folder in the same layout, or
    `logs:GROUP` (CloudWatch Logs; `log_format` when no flow log delivering there names its format), or
    `logs-insights:GROUP` (the same group, read with Logs Insights queries)."""
    if location.startswith((LOGS_PREFIX, INSIGHTS_PREFIX)):
        return open_cloudwatch_source(location, log_format)
    if location.startswith("s3://"):
        bucket, _, prefix = location.removeprefix("s3://").partition("/")
        if not _BUCKET.fullmatch(bucket):
            raise ValueError(f"not an S3 bucket name in {location!r}: expected s3://bucket/optional/prefix")
        client = s3_client or aws_session.client(boto3.Session(), "s3")
        return S3FlowLogSource(bucket, prefix, client)
    try:
        is_folder = Path(location).is_dir()
    except OSError as error:  # a name too long, a folder that cannot be searched
        raise FileNotFoundError(f"flow log folder not found: {location} ({error.strerror})") from error
    if not is_folder:
        raise FileNotFoundError(f"flow log folder not found: {location}")
    return LocalFlowLogSource(location)


def _root(prefix: str) -> str:
    prefix = prefix.rstrip("/")
    if prefix.endswith(AWS_LOGS.rstrip("/")):
        return f"{prefix}/"
    return f"{prefix}/{AWS_LOGS}" if prefix else AWS_LOGS


def _last_part(directory: str) -> str:
    return directory.rstrip("/").rsplit("/", 1)[-1]


def _day_dirs(region_dir: str, earliest: datetime, latest: datetime) -> Iterator[str]:
    hive = _last_part(region_dir).startswith("aws-region=")
    day = earliest.replace(hour=0, minute=0, second=0, microsecond=0)
    while day < latest:
        if hive:
            yield f"{region_dir}year={day:%Y}/month={day:%m}/day={day:%d}/"
        else:
            yield f"{region_dir}{day:%Y}/{day:%m}/{day:%d}/"
        day += timedelta(days=1)


def delivery_time(key: str) -> datetime | None:
    """The 5-minute delivery interval in an AWS file name (`..._20260314T1620Z_hash.log.gz`), UTC; None
    when the name does not follow AWS's pattern."""
    name = key.rsplit("/", 1)[-1].split(".", 1)[0]
    match = _FILE_TIME.search(name)
    if match is None:
        return None
    try:
        return datetime.strptime(match.group(1), "%Y%m%dT%H%MZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"window bounds must be timezone-aware: {moment.isoformat()}")
    return moment.astimezone(UTC)
