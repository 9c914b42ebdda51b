"""The simulated account's CloudTrail trail: its ENI events, delivered to S3 as a trail delivers them, and
read back by the account's CloudTrail endpoint (cloudtrail_server.py) to answer LookupEvents.

The trail lives in the account (moto's S3), not in the endpoint's memory, so that resetting moto also empties
it: a fresh account has no history. Files follow AWS's trail layout, gzip JSON {"Records": [...]} at
AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz,
one file per five minutes of events (CloudTrail delivers about every five minutes).
"""

import gzip
import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime

import boto3
from botocore.client import BaseClient

from flowpipe.lib.simulated.account import ensure_bucket
from flowpipe.lib.simulated.cloudtrail import InterfaceEvent, trail_record

log = logging.getLogger(__name__)

TRAIL_BUCKET = "flowpipe-simulated-cloudtrail"
FILE_SECONDS = 300


def _file_key(account_id: str, region: str, delivered: datetime, records: list[dict]) -> str:
    unique = hashlib.sha256("".join(record["eventID"] for record in records).encode()).hexdigest()[:16]
    return (
        f"AWSLogs/{account_id}/CloudTrail/{region}/{delivered:%Y/%m/%d}/"
        f"{account_id}_CloudTrail_{region}_{delivered:%Y%m%dT%H%MZ}_{unique}.json.gz"
    )


def deliver_trail(
    events: Iterable[InterfaceEvent], account_id: str, region: str, bucket: str = TRAIL_BUCKET
) -> list[str]:
    """Puts the events' records in the trail bucket (created if missing), a file per five minutes of events;
    returns the keys. Delivering the same events again rewrites the same files."""
    files: dict[int, list[dict]] = defaultdict(list)
    for event in sorted(events, key=lambda event: event.time):
        files[int(event.time.timestamp()) // FILE_SECONDS].append(trail_record(event, account_id, region))
    if not files:
        return []
    ensure_bucket(bucket, region)
    s3 = boto3.client("s3", region_name=region)
    keys = []
    for interval, records in files.items():
        delivered = datetime.fromtimestamp((interval + 1) * FILE_SECONDS, UTC)
        key = _file_key(account_id, region, delivered, records)
        s3.put_object(Bucket=bucket, Key=key, Body=gzip.compress(json.dumps({"Records": records}).encode()))
        keys.append(key)
    log.info("delivered %d CloudTrail files to s3://%s", len(keys), bucket)
    return keys


def trail_records(s3: BaseClient, region: str, bucket: str = TRAIL_BUCKET) -> list[dict]:
    """Every record the trail holds for the region, of every account; none when there is no trail yet."""
    if bucket not in {entry["Name"] for entry in s3.list_buckets().get("Buckets", [])}:
        return []
    records = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="AWSLogs/"):
        for entry in page.get("Contents", []):
            if f"/CloudTrail/{region}/" in entry["Key"]:
                body = s3.get_object(Bucket=bucket, Key=entry["Key"])["Body"].read()
                records += json.loads(gzip.decompress(body))["Records"]
    return records
