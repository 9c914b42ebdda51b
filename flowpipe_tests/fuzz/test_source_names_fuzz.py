"""Any key name, file name or location string: a delivery time or none, a source or a clear error, and a
listing that holds exactly the objects that can hold the window, whatever their names contain."""

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from flowpipe.lib.cloudwatch_source import CloudWatchFlowLogSource
from flowpipe.lib.flow_sources import (
    EARLIEST_FILE_BEFORE_WINDOW,
    LATEST_FILE_AFTER_WINDOW,
    FlowLogSource,
    delivery_time,
    open_flow_log_source,
)

FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
START = datetime(2026, 3, 14, 6, 0, tzinfo=UTC)
END = datetime(2026, 3, 14, 18, 0, tzinfo=UTC)
DAY_FOLDER = "AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/03/14/"
_NAME_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=60)
_STAMPS = st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1)).map(
    lambda moment: moment.replace(second=0, microsecond=0)
)


def _aws_name(
    moment: datetime, head: str = "123456789012_vpcflowlogs_us-east-1_fl-0123abcd", tail: str = "fe1"
) -> str:
    return f"{head}_{moment:%Y%m%dT%H%M}Z_{tail}.log.gz"


@FUZZ
@given(key=_NAME_TEXT)
@example(key="x_20261399T9999Z_y.log.gz")  # the pattern, but no such time
@example(key="dir_20260314T1000Z_/name.log.gz")  # the stamp in a folder, not in the file name
def test_any_key_has_a_utc_delivery_time_from_its_file_name_or_none(key: str) -> None:
    moment = delivery_time(key)

    if moment is not None:
        assert moment.tzinfo == UTC
        assert f"_{moment:%Y%m%dT%H%M}Z_" in key.rsplit("/", 1)[-1]


@FUZZ
@given(moment=_STAMPS, folder=_NAME_TEXT, tail=st.text(alphabet="abcdef0123456789", min_size=1, max_size=8))
def test_an_aws_file_name_gives_back_its_delivery_time(moment: datetime, folder: str, tail: str) -> None:
    assert delivery_time(f"{folder}/{_aws_name(moment, tail=tail)}") == moment.replace(tzinfo=UTC)


@FUZZ
@given(location=st.one_of(_NAME_TEXT, _NAME_TEXT.map("s3://{}".format), _NAME_TEXT.map("logs:{}".format)))
@example(location="s3://")
@example(location="s3:///prefix")
@example(location="s3://Bad Bucket/x")
@example(location="logs:")
@example(location="logs:group with spaces")
@example(location="\u88cd" * 100)  # a file name too long for the filesystem (found by atheris)
@example(location="folder\x00name")
def test_any_location_opens_a_source_or_is_a_clear_error(
    location: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", "us-east-1")  # clients are made, never called
    s3 = boto3.client("s3", region_name="us-east-1")
    try:
        source = open_flow_log_source(location, s3_client=s3)
    except (ValueError, FileNotFoundError) as error:
        assert str(error)
        return
    assert isinstance(source, FlowLogSource | CloudWatchFlowLogSource)


_NEAR_THE_WINDOW = st.datetimes(datetime(2026, 3, 13), datetime(2026, 3, 15, 12))
_FILE_NAMES = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/\x00"), min_size=1),
    _NEAR_THE_WINDOW.map(lambda moment: _aws_name(moment.replace(second=0, microsecond=0))),
).filter(lambda name: name not in (".", "..") and len(name.encode()) <= 255)


@FUZZ
@given(names=st.lists(_FILE_NAMES, max_size=6, unique=True))
def test_a_local_folder_lists_every_file_that_can_hold_the_window_whatever_its_name(names: list[str]) -> None:
    with tempfile.TemporaryDirectory() as root:
        folder = Path(root) / "logs" / DAY_FOLDER
        folder.mkdir(parents=True)
        for name in names:
            (folder / name).write_bytes(b"x")
        written = {str((folder / name).resolve()) for name in names}

        listed = open_flow_log_source(str(Path(root) / "logs")).list_objects(START, END)

        expected = {path for path in written if _can_hold_the_window(delivery_time(path))}
        assert {obj.key for obj in listed} == expected
        assert all(Path(obj.key).resolve().is_relative_to(Path(root) / "logs") for obj in listed)


def _can_hold_the_window(moment: datetime | None) -> bool:
    return moment is None or START - EARLIEST_FILE_BEFORE_WINDOW <= moment < END + LATEST_FILE_AFTER_WINDOW


def test_a_log_group_without_a_region_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for variable in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "absent"))

    with pytest.raises(ValueError, match="logs:/vpc/flow-logs needs an AWS region: set AWS_REGION"):
        open_flow_log_source("logs:/vpc/flow-logs")


_S3_NAMES = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40)


_S3_KEYS = st.one_of(_S3_NAMES, _S3_NAMES.map(lambda name: _aws_name(START + timedelta(hours=1), tail=name)))


@settings(FUZZ, max_examples=25)
@given(names=st.lists(_S3_KEYS, min_size=1, max_size=4, unique=True))
@example(names=["../../../../etc/passwd", "/abs_20260314T0700Z_x.log.gz", "a//b", "%2e%2e%2f"])
def test_an_s3_folder_lists_every_key_that_can_hold_the_window_whatever_its_name(
    aws, names: list[str]
) -> None:
    s3 = boto3.client("s3")
    bucket = "fuzz-keys"
    s3.create_bucket(Bucket=bucket)
    keys = {DAY_FOLDER + name for name in names if len((DAY_FOLDER + name).encode()) <= 1024}
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")

    listed = open_flow_log_source(f"s3://{bucket}", s3_client=s3).list_objects(START, END)

    expected = {key for key in keys if not key.endswith("/") and _can_hold_the_window(delivery_time(key))}
    assert {obj.key for obj in listed} == expected
    assert all(obj.uri == f"s3://{bucket}/{obj.key}" for obj in listed)
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": key} for key in keys]})
    s3.delete_bucket(Bucket=bucket)
