"""PartitionSink hands writes over in chunks of at least chunk_bytes, publishes the rest once, and after a
discard takes nothing more."""

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flowpipe.lib.lake_sink import PartitionSink


class _InMemory(PartitionSink):
    """A sink whose store is a list: what it was handed, what it published, how often it was abandoned."""

    def __init__(self, chunk_bytes: int) -> None:
        super().__init__(chunk_bytes)
        self.chunks: list[bytes] = []
        self.published: bytes | None = None
        self.abandoned = 0

    def _send(self, chunk: bytearray) -> None:
        self.chunks.append(bytes(chunk))

    def _finish(self, remainder: bytearray) -> None:
        self.published = bytes(remainder)

    def _abandon(self) -> None:
        self.abandoned += 1


@pytest.mark.parametrize(
    ("chunk_bytes", "writes", "chunks", "remainder"),
    [
        (4, [b"abc", b"def", b"ghijk", b"l"], [b"abcdef", b"ghijk"], b"l"),
        (4, [b"abcd", memoryview(b"efgh")], [b"abcd", b"efgh"], b""),
        (100, [b"ab", memoryview(b"cd")], [], b"abcd"),
    ],
    ids=["chunks-grow-past-the-size", "exact-chunks", "all-buffered-until-publish"],
)
def test_writes_are_handed_over_once_chunk_bytes_are_buffered_and_the_rest_on_publish(
    chunk_bytes, writes, chunks, remainder
):
    sink = _InMemory(chunk_bytes)
    assert [sink.write(data) for data in writes] == [len(data) for data in writes]
    assert sink.chunks == chunks and sink.published is None
    sink.publish()
    assert sink.chunks == chunks and sink.published == remainder


def test_a_parquet_file_streamed_through_a_sink_arrives_whole_in_chunks():
    table = pa.table({"bytes": np.random.default_rng(7).integers(0, 1 << 40, 4000)})
    sink = _InMemory(chunk_bytes=4096)
    with pq.ParquetWriter(sink, table.schema) as writer:
        writer.write_table(table, row_group_size=1000)
    sink.publish()
    assert len(sink.chunks) > 1 and all(len(chunk) >= 4096 for chunk in sink.chunks)
    data = b"".join(sink.chunks) + sink.published
    assert pq.read_table(pa.BufferReader(data)).equals(table)


def test_a_discarded_sink_is_abandoned_once_and_ignores_later_writes():
    sink = _InMemory(chunk_bytes=4)
    sink.write(b"abcdef")
    sink.write(b"gh")
    sink.discard()
    assert sink.write(b"ijklmnop") == 8
    sink.discard()
    assert (sink.chunks, sink.abandoned, sink.published) == ([b"abcdef"], 1, None)
