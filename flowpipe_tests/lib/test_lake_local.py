"""StagedFile writes into a locked staging file and renames it onto its target; sweep_staging removes only
the staging files of writers that are gone."""

import os
import subprocess
import sys
from pathlib import Path

from flowpipe.lib.lake_local import StagedFile, sweep_staging
from flowpipe.lib.lake_sink import CHUNK_BYTES

# argv: staging dir, target. Hands over one chunk, prints its staging file's path, then waits to be killed.
_KILLED_WRITER = """
import sys, time
from flowpipe.lib.lake_local import StagedFile
sink = StagedFile(sys.argv[1], "conversations", sys.argv[2])
sink.write(b"x" * (1 << 20))
print(sink.staging, flush=True)
time.sleep(600)
"""


def test_a_staged_file_is_invisible_until_published_then_is_the_target_whole(tmp_path):
    staging_dir = tmp_path / ".staging"
    target = tmp_path / "conversations" / "date=2026-03-14" / "window=day" / "data.parquet"
    first, second = os.urandom(CHUNK_BYTES), os.urandom(CHUNK_BYTES)
    sink = StagedFile(str(staging_dir), "conversations", str(target))
    staging = Path(sink.staging)
    assert staging.parent == staging_dir
    assert staging.name.startswith(".staging-conversations-") and staging.suffix == ".parquet"
    for data in (first, second, b"tail"):
        sink.write(data)
    assert staging.stat().st_size == 2 * CHUNK_BYTES
    assert not target.parent.exists()
    sink.publish()
    assert target.read_bytes() == first + second + b"tail"
    assert list(staging_dir.iterdir()) == []


def test_publishing_replaces_an_existing_target(tmp_path):
    target = tmp_path / "data.parquet"
    target.write_bytes(b"old version")
    sink = StagedFile(str(tmp_path / ".staging"), "conversations", str(target))
    sink.write(b"new version")
    assert target.read_bytes() == b"old version"
    sink.publish()
    assert target.read_bytes() == b"new version"


def test_a_discarded_staged_file_leaves_nothing_and_the_target_untouched(tmp_path):
    staging_dir = tmp_path / ".staging"
    target = tmp_path / "data.parquet"
    target.write_bytes(b"old version")
    sink = StagedFile(str(staging_dir), "conversations", str(target))
    sink.write(os.urandom(CHUNK_BYTES + 10))
    assert len(list(staging_dir.iterdir())) == 1
    sink.discard()
    sink.write(b"after the discard")
    sink.discard()
    assert list(staging_dir.iterdir()) == []
    assert target.read_bytes() == b"old version"


def test_a_sweep_removes_a_killed_writers_staging_file_and_spares_a_live_one(tmp_path):
    staging_dir = tmp_path / ".staging"
    staging_dir.mkdir()
    for other in ("notes.parquet", ".staging-conversations.tmp"):
        (staging_dir / other).write_bytes(b"not a staging file")
    live = StagedFile(str(staging_dir), "conversations", str(tmp_path / "live.parquet"))
    with subprocess.Popen(
        [sys.executable, "-c", _KILLED_WRITER, str(staging_dir), str(tmp_path / "killed.parquet")],
        stdout=subprocess.PIPE,
        text=True,
    ) as writer:
        try:
            killed = Path(writer.stdout.readline().strip())
            assert killed.stat().st_size == CHUNK_BYTES
            assert sweep_staging(str(staging_dir)) == []
        finally:
            writer.kill()
    assert sweep_staging(str(staging_dir)) == [str(killed)]
    assert sorted(path.name for path in staging_dir.iterdir()) == sorted(
        [".staging-conversations.tmp", "notes.parquet", Path(live.staging).name]
    )
    live.write(b"still mine")
    live.publish()
    assert (tmp_path / "live.parquet").read_bytes() == b"still mine"
    assert not (tmp_path / "killed.parquet").exists()


def test_sweeping_a_staging_folder_that_does_not_exist_removes_nothing(tmp_path):
    assert sweep_staging(str(tmp_path / ".staging")) == []
    assert not (tmp_path / ".staging").exists()
