"""The lake on S3: one object per partition, uploaded so that it appears whole or not at all.

pyarrow's S3 output stream completes its multipart upload when it is garbage-collected, publishing a
truncated file after an error, and it cannot be aborted from Python. So partitions are uploaded with
boto3: parts stream out as the Parquet writer fills them (memory holds one part), the object appears when
the upload completes (a PUT replaces the old object whole), and an error aborts the upload. pyarrow's
S3FileSystem still lists and reads, set up from the same standard AWS settings as boto3, because pyarrow
does not read AWS_ENDPOINT_URL itself.
"""

import contextlib
import datetime
import logging
import os
from collections.abc import Iterator
from urllib.parse import urlsplit

import boto3
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from flowpipe.lib import aws_session
from flowpipe.lib.lake_sink import LakeWriteError, PartitionSink

logger = logging.getLogger(__name__)

# S3 allows 10,000 parts of at least 5 MiB: 16 MiB parts cap a partition at 156 GiB and memory at 16 MiB.
PART_BYTES = 16 * 1024 * 1024


def _configured_endpoint(session: boto3.Session, client: BaseClient) -> str | None:
    """AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL / a profile's endpoint_url, as boto3 resolved it; None for
    AWS's own endpoint (left to pyarrow, which addresses buckets the AWS way)."""
    default = session.client("s3", config=Config(ignore_configured_endpoint_urls=True))
    endpoint = client.meta.endpoint_url
    return None if endpoint == default.meta.endpoint_url else endpoint


def connect(session: boto3.Session | None = None) -> tuple[pafs.S3FileSystem, BaseClient]:
    """A pyarrow S3FileSystem and a boto3 S3 client that reach the same endpoint with the same
    credentials (boto3's standard chain, session token included) and region: AWS_REGION, which boto3
    itself ignores, before AWS_DEFAULT_REGION and the profile's."""
    session = session or boto3.Session(region_name=os.environ.get("AWS_REGION") or None)
    client = aws_session.client(session, "s3")
    options: dict[str, str] = {}
    if session.region_name:
        options["region"] = session.region_name
    endpoint = _configured_endpoint(session, client)
    if endpoint:
        parts = urlsplit(endpoint)
        options["scheme"] = parts.scheme
        options["endpoint_override"] = parts.netloc + parts.path.rstrip("/")
    credentials = session.get_credentials()
    if credentials is not None:
        frozen = credentials.get_frozen_credentials()
        options["access_key"] = frozen.access_key
        options["secret_key"] = frozen.secret_key
        if frozen.token:
            options["session_token"] = frozen.token
    logger.debug("lake on S3 via %s, region %s", endpoint or "AWS", options.get("region", "(SDK default)"))
    return pafs.S3FileSystem(**options), client


def split_path(path: str) -> tuple[str, str]:
    """bucket/key/... (pyarrow's S3 path) -> (bucket, key)."""
    bucket, _, key = path.partition("/")
    return bucket, key


class S3Upload(PartitionSink):
    """One object written by a multipart upload, or by one PUT when it fits in a part."""

    def __init__(self, client: BaseClient, path: str, part_bytes: int = PART_BYTES) -> None:
        super().__init__(part_bytes)
        self._client = client
        self.uri = f"s3://{path}"
        self._bucket, self._key = split_path(path)
        self._upload_id: str | None = None
        self._parts: list[dict[str, object]] = []

    def _send(self, chunk: bytearray) -> None:
        with self._s3_errors("uploading a part of"):
            if self._upload_id is None:
                started = self._client.create_multipart_upload(Bucket=self._bucket, Key=self._key)
                self._upload_id = started["UploadId"]
            number = len(self._parts) + 1
            sent = self._client.upload_part(
                Bucket=self._bucket, Key=self._key, UploadId=self._upload_id, PartNumber=number, Body=chunk
            )
            self._parts.append({"PartNumber": number, "ETag": sent["ETag"]})

    def _finish(self, remainder: bytearray) -> None:
        if self._upload_id is None:
            with self._s3_errors("uploading"):
                self._client.put_object(Bucket=self._bucket, Key=self._key, Body=remainder)
            return
        if remainder:
            self._send(remainder)
        with self._s3_errors("completing the upload of"):
            self._client.complete_multipart_upload(
                Bucket=self._bucket,
                Key=self._key,
                UploadId=self._upload_id,
                MultipartUpload={"Parts": self._parts},
            )

    def _abandon(self) -> None:
        if self._upload_id is not None:
            with self._s3_errors("aborting the upload of"):
                self._client.abort_multipart_upload(
                    Bucket=self._bucket, Key=self._key, UploadId=self._upload_id
                )

    def _s3_errors(self, doing: str) -> contextlib.AbstractContextManager[None]:
        return _s3_errors(f"{doing} {self.uri}")


@contextlib.contextmanager
def _s3_errors(what: str) -> Iterator[None]:
    """Turns boto3's errors into LakeWriteError naming the object."""
    try:
        yield
    except (ClientError, BotoCoreError) as error:
        raise LakeWriteError(f"{what} failed: {error}") from error


def read_object(client: BaseClient, path: str) -> pa.Table:
    """A Parquet object read in one GET: a replacement landing meanwhile can't mix old and new bytes."""
    bucket, key = split_path(path)
    body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
    return pq.read_table(pa.BufferReader(body))


def abort_stale_uploads(client: BaseClient, path: str, older_than: datetime.timedelta) -> int:
    """Aborts unfinished uploads under path started more than older_than ago (a writer killed mid-upload
    leaves one: invisible to readers, but S3 bills its parts until it is aborted)."""
    bucket, prefix = split_path(path)
    cutoff = datetime.datetime.now(datetime.UTC) - older_than
    aborted = 0
    paginator = client.get_paginator("list_multipart_uploads")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        for upload in page.get("Uploads", []):
            if upload["Initiated"] <= cutoff:
                client.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
                aborted += 1
    if aborted:
        logger.info("aborted %s unfinished uploads under s3://%s", aborted, path)
    return aborted
