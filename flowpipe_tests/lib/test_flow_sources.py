"""flow_sources lists exactly the objects that can hold a window, in every AWS key layout."""

from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest

from flowpipe.lib.flow_sources import open_flow_log_source

WINDOW = (datetime(2026, 3, 14, 18, 0, tzinfo=UTC), datetime(2026, 3, 15, 6, 0, tzinfo=UTC))
ACCOUNTS = ("111111111111", "222222222222")
REGIONS = ("us-east-1", "eu-west-1")
# Delivery stamps: which ones can hold records starting in the night window of 2026-03-14.
KEPT = ("20260314T1755Z", "20260314T1800Z", "20260315T0000Z", "20260315T0555Z", "20260315T0655Z")
DROPPED = ("20260314T1750Z", "20260315T0700Z", "20260312T0000Z", "20260316T0100Z")


def _key(layout: str, prefix: str, account: str, region: str, stamp: str) -> str:
    day = datetime.strptime(stamp, "%Y%m%dT%H%MZ")
    name = f"{account}_vpcflowlogs_{region}_fl-0123abcd_{stamp}_fe123456.log.gz"
    if layout.startswith("hive"):
        path = (
            f"AWSLogs/aws-account-id={account}/aws-service=vpcflowlogs/aws-region={region}/"
            f"year={day:%Y}/month={day:%m}/day={day:%d}/"
        )
        path += f"hour={day:%H}/" if layout == "hive-hourly" else ""
    else:
        path = f"AWSLogs/{account}/vpcflowlogs/{region}/{day:%Y}/{day:%m}/{day:%d}/"
        path += f"{day:%H}/" if layout == "hourly" else ""
    return f"{prefix}{path}{name}"


def _keys(layout: str, prefix: str, stamps: tuple[str, ...]) -> set[str]:
    return {_key(layout, prefix, a, r, stamp) for a in ACCOUNTS for r in REGIONS for stamp in stamps}


LAYOUTS = [("default", ""), ("hive", ""), ("hourly", ""), ("hive-hourly", ""), ("default", "team/flows/")]


@pytest.mark.parametrize(("layout", "prefix"), LAYOUTS)
def test_s3_lists_exactly_the_objects_that_can_hold_the_window(aws, layout: str, prefix: str) -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="flow-logs")
    kept = _keys(layout, prefix, KEPT)
    odd = _key(layout, prefix, ACCOUNTS[0], REGIONS[0], "20260315T0000Z").replace(
        "_fl-0123abcd_", "-renamed-"
    )
    for key in kept | _keys(layout, prefix, DROPPED) | {odd, f"{prefix}other/notes.txt"}:
        s3.put_object(Bucket="flow-logs", Key=key, Body=b"x")

    source = open_flow_log_source(f"s3://flow-logs/{prefix}", s3_client=s3)
    listed = source.list_objects(*WINDOW)

    assert {obj.key for obj in listed} == kept | {odd}
    assert all(obj.uri == f"s3://flow-logs/{obj.key}" and obj.size == 1 for obj in listed)
    assert {obj.file_time for obj in listed if obj.key == odd} == {None}


@pytest.mark.parametrize(("layout", "prefix"), LAYOUTS)
def test_local_folder_lists_the_same_objects_as_s3(tmp_path: Path, layout: str, prefix: str) -> None:
    kept = _keys(layout, prefix, KEPT)
    for key in kept | _keys(layout, prefix, DROPPED):
        (tmp_path / key).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / key).write_bytes(b"xy")

    source = open_flow_log_source(str(tmp_path / prefix))
    listed = source.list_objects(*WINDOW)

    assert {obj.key for obj in listed} == {str(tmp_path / key) for key in kept}
    first = listed[0]
    assert first.uri == Path(first.key).as_uri() and first.size == 2
    assert source.fetch(first, str(tmp_path / "unused")) == first.key


def test_s3_fetch_downloads_the_object(aws, tmp_path: Path) -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="flow-logs")
    key = _key("default", "", ACCOUNTS[0], REGIONS[0], "20260315T0000Z")
    s3.put_object(Bucket="flow-logs", Key=key, Body=b"payload")
    source = open_flow_log_source("s3://flow-logs")

    (obj,) = source.list_objects(*WINDOW)
    local = source.fetch(obj, str(tmp_path / "copy.log.gz"))

    assert Path(local).read_bytes() == b"payload"
    assert obj.file_time == datetime(2026, 3, 15, 0, 0, tzinfo=UTC)


def test_naive_window_bounds_are_refused(tmp_path: Path) -> None:
    source = open_flow_log_source(str(tmp_path))

    with pytest.raises(ValueError, match="timezone-aware"):
        source.list_objects(datetime(2026, 3, 14), datetime(2026, 3, 15))


def test_missing_local_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        open_flow_log_source(str(tmp_path / "nope"))
