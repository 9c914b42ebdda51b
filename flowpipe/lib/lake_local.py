"""A partition file on local disk: staged in the lake's hidden .staging folder, then renamed into place.

`os.replace` swaps the partition's one file in a single step, so a reader opens the old file or the new
one and never finds the partition missing or mixed; two writers of the same partition each rename a
complete file of their own and the last rename wins. Staging files live outside every table folder, so
even a reader globbing `table/**/*.parquet` never meets one. Each is created exclusively and flock-ed for
as long as its writer lives: a writer that was killed leaves an unlocked staging file, which the next
write removes.
"""

import contextlib
import fcntl
import logging
import os
import uuid
from pathlib import Path

from flowpipe.lib.lake_sink import PartitionSink

logger = logging.getLogger(__name__)

STAGING_PREFIX = ".staging-"


def _fsync_directory(path: str) -> None:
    """A rename is durable once the directory holding it is synced."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _create_locked(folder: str, name: str) -> tuple[str, int]:
    """A fresh staging file in folder, exclusively created and locked by this process."""
    while True:
        path = f"{folder}/{STAGING_PREFIX}{name}-{uuid.uuid4().hex}.parquet"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)
        if os.fstat(fd).st_nlink:
            return path, fd
        # a sweep removed it between create and lock: it is nobody's file now
        os.close(fd)


class StagedFile(PartitionSink):
    """Bytes of one partition file, written to a locked staging file and renamed onto `target`;
    `name` (the table's) only makes the staging file recognisable."""

    def __init__(self, staging_dir: str, name: str, target: str) -> None:
        super().__init__()
        self.target = target
        os.makedirs(staging_dir, exist_ok=True)
        self.staging, self._fd = _create_locked(staging_dir, name)

    def _send(self, chunk: bytearray) -> None:
        view = memoryview(chunk)
        while view:
            view = view[os.write(self._fd, view) :]

    def _finish(self, remainder: bytearray) -> None:
        self._send(remainder)
        os.fsync(self._fd)
        folder = os.path.dirname(self.target)
        os.makedirs(folder, exist_ok=True)
        os.replace(self.staging, self.target)
        _fsync_directory(folder)
        self._release()

    def _abandon(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.staging)
        self._release()

    def _release(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def sweep_staging(staging_dir: str) -> list[str]:
    """Removes staging files whose writer is gone (their lock is free) and returns their paths."""
    removed = []
    folder = Path(staging_dir)
    if not folder.is_dir():
        return removed
    for path in folder.glob(f"{STAGING_PREFIX}*.parquet"):
        with contextlib.suppress(FileNotFoundError), open(path, "rb") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue
            if os.fstat(handle.fileno()).st_ino == os.stat(path).st_ino:
                os.unlink(path)
                removed.append(str(path))
    if removed:
        logger.info("removed %s staging files of interrupted writes in %s", len(removed), staging_dir)
    return removed
