"""A partition stays whole through killed writers, concurrent writers and a full disk, on disk and on S3.

Writers are real processes (`python -c WRITER`) killed with SIGKILL; every read checks that the partition
is one writer's one version, complete: its rows all carry the same (writer, round) and there are as many
as that version wrote.
"""

import contextlib
import datetime
import errno
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import duckdb
import pyarrow as pa
import pytest

from flowpipe.lib.lake import Lake
from flowpipe.lib.lake_sink import LakeWriteError

TABLE = "conversations"
PARTITION = {"date": "2026-03-14", "window": "day"}
LAKE_BUCKET = "flowpipe-test-lake"
ROWS_PER_BATCH = 64
MIB = 1024 * 1024
SCHEMA = pa.schema(
    [("writer", pa.string()), ("round", pa.int64()), ("rows", pa.int64()), ("payload", pa.binary())]
)
# argv: lake root, writer name, rounds, batches per round, bytes per batch, the batch after which to hang
# (-1: none). Prints "batch R B" after handing batch B of round R to the lake, "published R" after round R.
WRITER = f"""
import os, sys, time
import pyarrow as pa
from flowpipe.lib.lake import Lake
root, name, rounds, batches, size, hang_after = sys.argv[1:]
rounds, batches, size, hang_after = int(rounds), int(batches), int(size), int(hang_after)
schema = pa.schema([("writer", pa.string()), ("round", pa.int64()), ("rows", pa.int64()),
                    ("payload", pa.binary())])
lake = Lake(root)
for r in range(rounds):
    with lake.partition_writer({TABLE!r}, {PARTITION!r}, schema) as writer:
        for b in range(batches):
            n = {ROWS_PER_BATCH}
            writer.write(pa.table({{"writer": [name] * n, "round": [r] * n, "rows": [n * batches] * n,
                                    "payload": [os.urandom(size // n) for _ in range(n)]}}, schema=schema))
            print("batch", r, b, flush=True)
            if b == hang_after:
                time.sleep(600)
    print("published", r, flush=True)
"""


def _version(name: str, batches: int, size: int = 1024) -> pa.Table:
    rows = ROWS_PER_BATCH * batches
    return pa.table(
        {
            "writer": [name] * rows,
            "round": [0] * rows,
            "rows": [rows] * rows,
            "payload": [os.urandom(size // ROWS_PER_BATCH) for _ in range(rows)],
        },
        schema=SCHEMA,
    )


def _whole_version(lake: Lake) -> tuple[str, int]:
    """The (writer, round) that the partition holds, after checking it holds all of it and nothing else."""
    table = lake.read_partition(TABLE, PARTITION)
    versions = set(zip(table["writer"].to_pylist(), table["round"].to_pylist(), strict=True))
    assert len(versions) == 1, f"a mix of {versions}"
    assert set(table["rows"].to_pylist()) == {table.num_rows}, "a partial version"
    return versions.pop()


@contextlib.contextmanager
def _writer(root: str, name: str, rounds: int, batches: int, size: int, hang_after: int = -1) -> Iterator:
    arguments = [root, name, str(rounds), str(batches), str(size), str(hang_after)]
    process = subprocess.Popen(
        [sys.executable, "-c", WRITER, *arguments], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
        process.stdout.close()
        process.stderr.close()


def _wait_for(process: subprocess.Popen, line: str) -> None:
    for output in process.stdout:
        if output.strip() == line:
            return
    raise AssertionError(f"writer ended before {line!r}: {process.stderr.read()}")


@pytest.fixture
def s3_root(aws) -> str:
    boto3.client("s3").create_bucket(Bucket=LAKE_BUCKET)
    return f"s3://{LAKE_BUCKET}/lake"


@pytest.fixture(params=["local", "s3"])
def lake_root(request, tmp_path) -> str:
    if request.param == "local":
        return str(tmp_path / "lake")
    return request.getfixturevalue("s3_root")


def _leftovers(lake: Lake, root: str) -> list[str]:
    """Staging files on disk, unfinished uploads on S3."""
    if root.startswith("s3://"):
        uploads = boto3.client("s3").list_multipart_uploads(Bucket=LAKE_BUCKET).get("Uploads", [])
        return [upload["Key"] for upload in uploads]
    return [path.name for path in Path(root, ".staging").iterdir()]


def test_a_writer_killed_mid_partition_leaves_the_old_partition_whole(lake_root):
    """Two 9 MiB batches are past S3's first 16 MiB part, so on S3 the upload is under way when killed."""
    lake = Lake(lake_root)
    lake.write_table(TABLE, PARTITION, _version("old", batches=1))
    with _writer(lake_root, "new", rounds=1, batches=3, size=9 * MIB, hang_after=1) as process:
        _wait_for(process, "batch 0 1")
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    assert _whole_version(lake) == ("old", 0)
    assert len(_leftovers(lake, lake_root)) == 1
    assert len(lake.partition_files(TABLE, PARTITION)) == 1


def test_a_killed_writers_staging_file_is_outside_the_table_and_the_next_write_removes_it(tmp_path):
    root = str(tmp_path / "lake")
    lake = Lake(root)
    lake.write_table(TABLE, PARTITION, _version("old", batches=1))
    with _writer(root, "killed", rounds=1, batches=3, size=2 * MIB, hang_after=0) as process:
        _wait_for(process, "batch 0 0")
        (staging,) = Path(root, ".staging").glob(".staging-conversations-*.parquet")
        assert staging.stat().st_size > 0
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    # even a glob over the whole table folder, hidden names included, finds only the partition
    found = duckdb.sql(
        f"select writer, count(*) from read_parquet('{lake.table_path(TABLE)}/**/*.parquet') group by 1"
    )
    assert found.fetchall() == [("old", ROWS_PER_BATCH)]
    lake.write_table(TABLE, {**PARTITION, "window": "night"}, _version("next", batches=1))
    assert not staging.exists()
    assert _whole_version(lake) == ("old", 0)


def test_a_killed_writers_unfinished_upload_is_invisible_and_can_be_aborted(s3_root):
    """moto dates every upload 2010-11-10, so only the abort (not the age cut-off) is checked here."""
    lake = Lake(s3_root)
    with _writer(s3_root, "killed", rounds=1, batches=3, size=9 * MIB, hang_after=1) as process:
        _wait_for(process, "batch 0 1")
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    assert lake.partition_files(TABLE, PARTITION) == []
    assert lake.abort_stale_uploads(TABLE, older_than=datetime.timedelta(0)) == 1
    assert _leftovers(lake, s3_root) == []


def test_writers_killed_at_random_moments_leave_a_whole_partition(lake_root):
    lake = Lake(lake_root)
    lake.write_table(TABLE, PARTITION, _version("first", batches=2))
    chance = random.Random(8)
    outcomes = set()
    for attempt in range(4):
        with _writer(lake_root, f"w{attempt}", rounds=1000, batches=2, size=256 * 1024) as process:
            _wait_for(process, "batch 0 0")
            time.sleep(chance.uniform(0.05, 0.6))
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
        outcomes.add(_whole_version(lake)[0])
        assert len(lake.partition_files(TABLE, PARTITION)) == 1
    assert outcomes - {"first"}, "no kill came after a publish: the test proved nothing"


def test_two_writers_of_one_partition_leave_one_whole_result_and_readers_never_see_a_mix(lake_root):
    lake = Lake(lake_root)
    lake.write_table(TABLE, PARTITION, _version("first", batches=2))
    seen = []
    with (
        _writer(lake_root, "tick", rounds=4, batches=3, size=512 * 1024) as tick,
        _writer(lake_root, "manual", rounds=4, batches=3, size=512 * 1024) as manual,
    ):
        while tick.poll() is None or manual.poll() is None:
            seen.append(_whole_version(lake))
        assert (tick.returncode, manual.returncode) == (0, 0), tick.stderr.read() + manual.stderr.read()
    final = _whole_version(lake)
    assert final in {("tick", 3), ("manual", 3)}
    assert len({version for version in seen if version[0] != "first"}) > 1, "reads never overlapped writes"
    assert len(lake.partition_files(TABLE, PARTITION)) == 1
    assert _leftovers(lake, lake_root) == []


def test_two_multipart_uploads_of_one_partition_leave_one_whole_object(s3_root):
    lake = Lake(s3_root)
    with (
        _writer(s3_root, "tick", rounds=1, batches=2, size=9 * MIB) as tick,
        _writer(s3_root, "manual", rounds=1, batches=2, size=9 * MIB) as manual,
    ):
        assert (tick.wait(timeout=60), manual.wait(timeout=60)) == (0, 0), (
            tick.stderr.read() + manual.stderr.read()
        )
    assert _whole_version(lake) in {("tick", 0), ("manual", 0)}
    assert len(lake.partition_files(TABLE, PARTITION)) == 1
    assert _leftovers(lake, s3_root) == []


def test_an_error_while_writing_leaves_the_old_partition_and_no_leftovers(lake_root):
    lake = Lake(lake_root)
    lake.write_table(TABLE, PARTITION, _version("old", batches=1))
    with (
        pytest.raises(RuntimeError, match="upstream failed"),
        lake.partition_writer(TABLE, PARTITION, SCHEMA) as w,
    ):
        w.write(_version("new", batches=1, size=20 * MIB))
        raise RuntimeError("upstream failed")
    assert _whole_version(lake) == ("old", 0)
    assert _leftovers(lake, lake_root) == []


@pytest.fixture
def full_disk(tmp_path) -> Iterator[Path]:
    """A 1 MiB tmpfs: needs root (or CAP_SYS_ADMIN) to mount."""
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here to fill a disk: {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=True)


def test_a_full_disk_is_an_error_naming_the_partition_and_the_old_partition_stays(full_disk):
    lake = Lake(str(full_disk))
    lake.write_table(TABLE, PARTITION, _version("old", batches=1, size=200 * 1024))
    with pytest.raises(LakeWriteError) as raised:
        lake.write_table(TABLE, PARTITION, _version("new", batches=2, size=2 * MIB))
    assert raised.value.errno == errno.ENOSPC
    assert str(raised.value).endswith(f"'{full_disk}/conversations/date=2026-03-14/window=day'")
    assert _whole_version(lake) == ("old", 0)
    assert _leftovers(lake, str(full_disk)) == []
