"""Delivery writes AWS's key layout, file names and header lines, grouped by record end time."""

import gzip
import re
from pathlib import Path

import boto3
import pandas as pd
import pytest

from flowpipe.lib.flow_fields import DEFAULT_FORMAT
from flowpipe.lib.simulated.delivery import deliver_to_folder, deliver_to_s3

ACCOUNT = {"account_id": "123456789012", "region": "us-east-1", "flow_log_id": "fl-1234abcd"}
# 2018-06-20 16:20:00 UTC, the moment of AWS's example file name.
T = 1529511600
FILE_NAME = r"123456789012_vpcflowlogs_us-east-1_fl-1234abcd_(\d{8}T\d{4})Z_[0-9a-f]{8}\.log\.gz"


def _records() -> pd.DataFrame:
    rows = [
        (
            2,
            "123456789012",
            "eni-1",
            "10.0.1.5",
            "10.0.2.7",
            40000,
            2049,
            6,
            10,
            5000,
            T - 60,
            T + 299,
            "ACCEPT",
            "OK",
        ),
        (
            2,
            "123456789012",
            "eni-1",
            "10.0.2.7",
            "10.0.1.5",
            2049,
            40000,
            6,
            8,
            900,
            T - 60,
            T + 300,
            "ACCEPT",
            "OK",
        ),
        (2, "123456789012", "eni-2", None, None, None, None, None, None, None, T, T + 58, None, "NODATA"),
    ]
    frame = pd.DataFrame(rows, columns=list(DEFAULT_FORMAT), dtype=object)
    frame["tcp-flags"] = [2, 18, None]
    frame["flow-direction"] = ["egress", "ingress", None]
    frame["traffic-path"] = [1, None, None]
    return frame


def _read(path: Path) -> list[str]:
    return gzip.decompress(path.read_bytes()).decode().splitlines()


def test_files_are_grouped_by_the_five_minutes_of_their_end_time(tmp_path: Path) -> None:
    paths = deliver_to_folder(_records(), tmp_path, **ACCOUNT)
    stamps = [re.fullmatch(FILE_NAME, path.name).group(1) for path in paths]
    assert stamps == ["20180620T1620", "20180620T1625"]
    first, second = (_read(path) for path in paths)
    assert first == [
        " ".join(DEFAULT_FORMAT),
        f"2 123456789012 eni-1 10.0.1.5 10.0.2.7 40000 2049 6 10 5000 {T - 60} {T + 299} ACCEPT OK",
        f"2 123456789012 eni-2 - - - - - - - {T} {T + 58} - NODATA",
    ]
    assert (
        second[1] == f"2 123456789012 eni-1 10.0.2.7 10.0.1.5 2049 40000 6 8 900 {T - 60} {T + 300} ACCEPT OK"
    )


@pytest.mark.parametrize(
    ("hive", "per_hour", "folder"),
    [
        (False, False, "logs/AWSLogs/123456789012/vpcflowlogs/us-east-1/2018/06/20"),
        (False, True, "logs/AWSLogs/123456789012/vpcflowlogs/us-east-1/2018/06/20/16"),
        (
            True,
            False,
            "logs/AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=us-east-1/year=2018/month=06/day=20",
        ),
        (
            True,
            True,
            "logs/AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=us-east-1/year=2018/month=06/day=20/hour=16",
        ),
    ],
)
def test_keys_follow_aws_layouts(tmp_path: Path, hive: bool, per_hour: bool, folder: str) -> None:
    paths = deliver_to_folder(_records(), tmp_path, "logs/", hive=hive, per_hour=per_hour, **ACCOUNT)
    assert {str(path.parent.relative_to(tmp_path)) for path in paths} == {folder}


def test_a_custom_format_writes_its_header_its_version_and_dashes_for_what_is_missing(tmp_path: Path) -> None:
    fields = ("version", "srcaddr", "dstaddr", "tcp-flags", "flow-direction", "traffic-path", "ecs-task-id")
    first = _read(deliver_to_folder(_records(), tmp_path, fields=fields, **ACCOUNT)[0])
    assert first == [
        "version srcaddr dstaddr tcp-flags flow-direction traffic-path ecs-task-id",
        "7 10.0.1.5 10.0.2.7 2 egress 1 -",
        "7 - - - - - -",
    ]


def test_s3_delivery_puts_the_same_objects_in_the_bucket(aws, tmp_path: Path) -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="flow-logs")
    keys = deliver_to_s3(_records(), s3, "flow-logs", **ACCOUNT)
    listed = [entry["Key"] for entry in s3.list_objects_v2(Bucket="flow-logs")["Contents"]]
    assert sorted(listed) == sorted(keys)
    local = deliver_to_folder(_records(), tmp_path, **ACCOUNT)
    assert [str(path.relative_to(tmp_path)) for path in local] == keys
    body = s3.get_object(Bucket="flow-logs", Key=keys[0])["Body"].read()
    assert body == local[0].read_bytes()
