"""Where a partition's Parquet bytes go while it is written: a sink that is published whole or discarded.

The Parquet writer streams into a sink; nothing a reader can see changes until `publish()`, which makes
the finished file visible in one step (a rename on disk, completing an upload on S3). `discard()` throws
the bytes away; writes after it are dropped, so a half-closed Parquet writer can never publish anything.
"""

import io
from abc import abstractmethod

CHUNK_BYTES = 1 << 20


class LakeWriteError(OSError):
    """Writing a partition failed (disk full, S3 refused, ...); the message names the partition."""


class PartitionSink(io.RawIOBase):
    """A write-only byte stream for pyarrow's ParquetWriter that buffers and hands over chunks."""

    def __init__(self, chunk_bytes: int = CHUNK_BYTES) -> None:
        super().__init__()
        self._chunk_bytes = chunk_bytes
        self._buffer = bytearray()
        self._discarded = False

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | memoryview) -> int:
        size = len(data)
        if self._discarded:
            return size
        self._buffer += data
        if len(self._buffer) >= self._chunk_bytes:
            chunk, self._buffer = self._buffer, bytearray()
            self._send(chunk)
        return size

    def publish(self) -> None:
        """Sends what is buffered and makes the file visible at its target, whole, in one step."""
        remainder, self._buffer = self._buffer, bytearray()
        self._finish(remainder)

    def discard(self) -> None:
        """Forgets the file; idempotent, and later writes are ignored."""
        if not self._discarded:
            self._discarded = True
            self._buffer.clear()
            self._abandon()

    @abstractmethod
    def _send(self, chunk: bytearray) -> None:
        """Stores a chunk of at least chunk_bytes, invisible to readers."""

    @abstractmethod
    def _finish(self, remainder: bytearray) -> None:
        """Stores the last bytes and publishes."""

    @abstractmethod
    def _abandon(self) -> None:
        """Removes whatever was stored."""
