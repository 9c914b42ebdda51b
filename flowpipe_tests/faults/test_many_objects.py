"""Many small objects in one window are listed and read with a few open files: none is held per object.

Each read runs in a child process whose open-file limit is 256, fewer than the objects it reads. The
test sizes keep it quick (moto answers ~250 requests/s here); benchmarks/load.py runs 100,000 objects
from a local folder and 10,000 from S3 the same way.
"""

from pathlib import Path

import boto3

from benchmarks.load import BUCKET, deliver_local, deliver_s3, expected_bytes_total, measure
from flowpipe.lib.simulated.moto_server import MotoServer

OPEN_FILES = 256


def _assert_all_landed(result: dict, count: int) -> None:
    assert (result["objects_listed"], result["objects_read"], result["objects_failed"]) == (count, count, 0)
    assert result["records"] == count and result["bytes_total"] == expected_bytes_total(count)
    assert result["open_files_limit"] == OPEN_FILES and result["peak_open_files"] < OPEN_FILES // 4


def test_three_thousand_objects_in_a_local_folder_are_read_with_256_open_files(tmp_path: Path) -> None:
    deliver_local(tmp_path, 3_000)

    _assert_all_landed(measure(str(tmp_path), OPEN_FILES), 3_000)


def test_a_thousand_objects_in_s3_are_listed_over_pages_and_read_with_256_open_files(aws: MotoServer) -> None:
    deliver_s3(boto3.client("s3"), BUCKET, 1_000 + 1)  # more than one page of 1,000 keys

    _assert_all_landed(measure(f"s3://{BUCKET}", OPEN_FILES, aws.environment()), 1_001)
