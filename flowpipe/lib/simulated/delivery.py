"""Writes flow log records as AWS delivers them to S3: gzip text files of 5 minutes under AWSLogs/.

The same objects go to S3 or to a local folder, so the local source and the S3 source of the pipeline
read identical bytes. Each file holds the records whose end time falls in its 5 minutes and starts with
the header line of field names, as AWS's text files do. AWS's 75 MB split is not modelled.
"""

import gzip
import hashlib
import logging
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa

from flowpipe.lib.flow_fields import DEFAULT_FORMAT, FIELDS_BY_NAME

log = logging.getLogger(__name__)

FILE_SECONDS = 300


def deliver_to_s3(
    records: pd.DataFrame,
    s3_client,
    bucket: str,
    prefix: str = "",
    *,
    account_id: str,
    region: str,
    flow_log_id: str,
    hive: bool = False,
    per_hour: bool = False,
    fields: tuple[str, ...] = DEFAULT_FORMAT,
) -> list[str]:
    """Puts the log files in the bucket; returns their keys."""
    keys = []
    for key, body in log_files(records, prefix, account_id, region, flow_log_id, hive, per_hour, fields):
        s3_client.put_object(Bucket=bucket, Key=key, Body=body)
        keys.append(key)
    log.info("delivered %d records in %d files to s3://%s", len(records), len(keys), bucket)
    return keys


def deliver_to_folder(
    records: pd.DataFrame,
    folder: str | Path,
    prefix: str = "",
    *,
    account_id: str,
    region: str,
    flow_log_id: str,
    hive: bool = False,
    per_hour: bool = False,
    fields: tuple[str, ...] = DEFAULT_FORMAT,
) -> list[Path]:
    """Writes the log files under `folder` in the S3 key layout; returns their paths."""
    paths = []
    for key, body in log_files(records, prefix, account_id, region, flow_log_id, hive, per_hour, fields):
        path = Path(folder) / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        paths.append(path)
    return paths


def log_files(
    records: pd.DataFrame,
    prefix: str,
    account_id: str,
    region: str,
    flow_log_id: str,
    hive: bool,
    per_hour: bool,
    fields: tuple[str, ...],
) -> Iterator[tuple[str, bytes]]:
    """(key, gzip bytes) of every 5-minute file, oldest first."""
    lines = record_lines(records, fields)
    header = " ".join(fields)
    file_times = (records["end"].astype("int64") // FILE_SECONDS) * FILE_SECONDS
    for file_time, group in lines.groupby(file_times.to_numpy(), sort=True):
        text = "\n".join([header, *group]) + "\n"
        digest = hashlib.sha256(f"{flow_log_id}{text}".encode()).hexdigest()[:8]
        stamp = pd.Timestamp(int(file_time), unit="s", tz="UTC")
        name = f"{account_id}_vpcflowlogs_{region}_{flow_log_id}_{stamp:%Y%m%dT%H%M}Z_{digest}.log.gz"
        yield (
            _folder(prefix, account_id, region, stamp, hive, per_hour) + name,
            gzip.compress(text.encode(), mtime=0),
        )


def format_version(fields: tuple[str, ...]) -> int:
    """The version AWS writes in each record: the highest version among the format's fields."""
    return max((FIELDS_BY_NAME[name].version for name in fields if name in FIELDS_BY_NAME), default=2)


def _folder(
    prefix: str, account_id: str, region: str, stamp: pd.Timestamp, hive: bool, per_hour: bool
) -> str:
    base = f"{prefix.strip('/')}/AWSLogs/" if prefix.strip("/") else "AWSLogs/"
    if hive:
        folder = (
            f"{base}aws-account-id={account_id}/aws-service=vpcflowlogs/aws-region={region}/"
            f"year={stamp:%Y}/month={stamp:%m}/day={stamp:%d}/"
        )
        return folder + (f"hour={stamp:%H}/" if per_hour else "")
    folder = f"{base}{account_id}/vpcflowlogs/{region}/{stamp:%Y}/{stamp:%m}/{stamp:%d}/"
    return folder + (f"{stamp:%H}/" if per_hour else "")


def record_lines(records: pd.DataFrame, fields: tuple[str, ...]) -> pd.Series:
    """One text line per record, "-" where a field is null or the records do not carry it."""
    columns = []
    for name in fields:
        if name == "version":
            columns.append(pd.Series(str(format_version(fields)), index=records.index))
        elif name in records.columns:
            column = records[name]
            if name in FIELDS_BY_NAME and pa.types.is_integer(FIELDS_BY_NAME[name].arrow_type):
                column = column.astype("Int64")  # a float column (ints with nulls) must not print "2.0"
            columns.append(column.astype("string").fillna("-"))
        else:
            columns.append(pd.Series("-", index=records.index))
    return columns[0].str.cat(columns[1:], sep=" ")
