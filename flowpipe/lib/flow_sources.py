"""Find the flow log objects that can hold a time window, in S3 or a local folder of the same layout.

AWS writes `{prefix}/AWSLogs/{account}/vpcflowlogs/{region}/YYYY/MM/DD/[HH/]file` (or the Hive form
`aws-account-id=…/aws-service=vpcflowlogs/aws-region=…/year=…/month=…/day=…/[hour=…/]`). Accounts and
regions are discovered one directory level at a time and only the UTC days the window touches are
listed, so a window costs a handful of list calls however large the bucket is.
"""

import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import botocore.config

from flowpipe.lib.cloudwatch_source import LOGS_PREFIX, CloudWatchFlowLogSource, open_cloudwatch_source

logger = logging.getLogger(__name__)

AWS_LOGS = "AWSLogs/"
SERVICE_DIRS = frozenset({"vpcflowlogs", "aws-service=vpcflowlogs"})
# A file's timestamp is its 5-minute delivery interval (records whose END falls in it). A record belongs
# to the window holding its START: a flow may start up to one aggregation interval (10 min) before it
# ends, and deliveries run late, so a window needs files from 5 min before it to 1 hour after it.
EARLIEST_FILE_BEFORE_WINDOW = timedelta(minutes=5)
LATEST_FILE_AFTER_WINDOW = timedelta(hours=1)
_FILE_TIME = re.compile(r"_(\d{8}T\d{4}Z)_[^_/]*$")


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
                    file_time = _file_time(key)
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
        self._s3.download_file(self.bucket, obj.key, local_path)
        return local_path

    def _children(self, directory: str) -> list[str]:
        pages = self._s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=directory, Delimiter="/"
        )
        return [common["Prefix"] for page in pages for common in page.get("CommonPrefixes", [])]

    def _files(self, directory: str) -> Iterator[tuple[str, int]]:
        pages = self._s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=directory)
        for page in pages:
            for item in page.get("Contents", []):
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
    `logs:GROUP` (CloudWatch Logs; `log_format` when no flow log delivering there names its format)."""
    if location.startswith(LOGS_PREFIX):
        return open_cloudwatch_source(location, log_format)
    if location.startswith("s3://"):
        bucket, _, prefix = location.removeprefix("s3://").partition("/")
        client = s3_client or boto3.client("s3", config=botocore.config.Config(retries={"mode": "standard"}))
        return S3FlowLogSource(bucket, prefix, client)
    if not Path(location).is_dir():
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


def _file_time(key: str) -> datetime | None:
    name = key.rsplit("/", 1)[-1].split(".", 1)[0]
    match = _FILE_TIME.search(name)
    if match is None:
        return None
    try:
        return datetime.strptime(match.group(1), "%Y%m%dT%H%MZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"window bounds must be timezone-aware: {moment.isoformat()}")
    return moment.astimezone(UTC)
