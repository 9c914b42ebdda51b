"""Whatever an S3 key's name holds (`../`, an absolute path, encoded dots), it is data in the lake, never a
path: the window's run writes nothing outside the lake and nothing back to the bucket.

Objects are downloaded to numbered scratch files and the lake's paths come from the window alone, so a
key name only ever reaches the lake as the text of `source_uri`.
"""

import tempfile
from pathlib import Path

import pytest

from flowpipe_tests.faults.deliveries import (
    BUCKET,
    FOLDER,
    LOCATION,
    bytes_by_uri,
    lake_table,
    materialize_raw,
    put,
    records,
    text_object,
)
from flowpipe_tests.faults.proxy import FaultProxy

HOSTILE_NAMES = [
    "../../../../../../tmp/flowpipe-escape_20260314T1000Z_a.log.gz",
    "/../../../etc/passwd_20260314T1005Z_b.log.gz",
    "..%2F..%2F..%2Fescape_20260314T1010Z_c.log.gz",
    "..\\..\\..\\escape_20260314T1015Z_d.log.gz",
    "/absolute/path/escape_20260314T1020Z_e.log.gz",
    "./././escape_20260314T1025Z_f.log.gz",
    "~root/escape_20260314T1030Z_g.log.gz",
    "name with spaces, ü and ${x}_20260314T1035Z_h.log.gz",
]


def _files(root: Path) -> set[Path]:
    return {path for path in root.rglob("*") if path.is_file()}


def test_hostile_key_names_land_as_source_uri_text_and_nothing_is_written_outside_the_lake(
    faulty_aws: FaultProxy, direct_s3, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    direct_s3.create_bucket(Bucket=BUCKET)
    expected = {
        put(direct_s3, FOLDER + name, text_object(records(1000 * (index + 1), 2))): [
            1000 * (index + 1),
            1000 * (index + 1) + 1,
        ]
        for index, name in enumerate(HOSTILE_NAMES)
    }
    keys_before = {item["Key"] for item in direct_s3.list_objects_v2(Bucket=BUCKET)["Contents"]}
    sandbox = tmp_path / "sandbox"
    scratch = sandbox / "scratch"
    scratch.mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # the extraction's download folder

    result = materialize_raw(LOCATION, sandbox / "lake")

    assert result.success
    assert bytes_by_uri(lake_table(sandbox / "lake", "raw_flow_logs")) == expected
    assert all(path.is_relative_to(sandbox / "lake") for path in _files(tmp_path))
    assert _files(scratch) == set()
    partition = sandbox / "lake" / "raw_flow_logs" / "date=2026-03-14" / "window=day"
    bases = [sandbox / "lake", partition, scratch, Path.cwd(), Path("/")]
    escaped = [base / prefix / name for base in bases for prefix in ("", FOLDER) for name in HOSTILE_NAMES]
    assert [path for path in escaped if path.resolve().exists()] == []
    assert {item["Key"] for item in direct_s3.list_objects_v2(Bucket=BUCKET)["Contents"]} == keys_before
    assert faulty_aws.calls("s3", "PutObject") == [] and faulty_aws.calls("s3", "DeleteObject") == []
