"""The lake writes Hive-partitioned zstd Parquet, replaces a partition whole, and stays inside its root."""

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flowpipe.lib.lake import Lake

PARTITION = {"date": "2026-03-14", "window": "night"}


def _table(values: list[int]) -> pa.Table:
    return pa.table({"bytes": pa.array(values, pa.int64())})


def test_a_partition_is_written_hive_style_with_zstd(tmp_path):
    lake = Lake(str(tmp_path))
    assert lake.write_table("conversations", PARTITION, _table([1, 2])) == 2
    files = lake.partition_files("conversations", PARTITION)
    assert [f.removeprefix(str(tmp_path)) for f in files] == [
        "/conversations/date=2026-03-14/window=night/data.parquet"
    ]
    assert pq.ParquetFile(files[0]).metadata.row_group(0).column(0).compression == "ZSTD"


def test_numbers_and_times_have_min_max_statistics_and_text_has_none(tmp_path):
    lake = Lake(str(tmp_path))
    table = pa.table(
        {
            "start": pa.array([1_773_468_000, 1_773_468_300], pa.int64()),
            "when": pa.array([0, 5], pa.timestamp("s", tz="UTC")),
            "srcaddr": pa.array(["10.0.1.5", "10.0.2.7"]),
            "source_uri": pa.array(["s3://b/k", "s3://b/k"]).dictionary_encode(),
        }
    )
    lake.write_table("raw_flow_logs", PARTITION, table)
    row_group = pq.ParquetFile(lake.partition_files("raw_flow_logs", PARTITION)[0]).metadata.row_group(0)
    statistics = {row_group.column(i).path_in_schema: row_group.column(i).statistics for i in range(4)}
    assert (statistics["start"].min, statistics["start"].max) == (1_773_468_000, 1_773_468_300)
    assert statistics["when"].has_min_max
    assert statistics["srcaddr"] is None and statistics["source_uri"] is None


def test_rewriting_a_partition_replaces_it_without_duplicates(tmp_path):
    lake = Lake(str(tmp_path))
    lake.write_table("conversations", PARTITION, _table([1, 2, 3]))
    lake.write_table("conversations", PARTITION, _table([4]))
    assert lake.read_partition("conversations", PARTITION).column("bytes").to_pylist() == [4]
    assert sorted(p.name for p in (tmp_path / "conversations").rglob("*")) == [
        "data.parquet",
        "date=2026-03-14",
        "window=night",
    ]


def test_a_failed_write_leaves_the_previous_partition_whole(tmp_path):
    lake = Lake(str(tmp_path))
    lake.write_table("conversations", PARTITION, _table([1, 2, 3]))
    with (
        pytest.raises(RuntimeError, match="boom"),
        lake.partition_writer("conversations", PARTITION, _table([]).schema) as writer,
    ):
        writer.write(_table([9, 9]))
        raise RuntimeError("boom")
    assert lake.read_partition("conversations", PARTITION).column("bytes").to_pylist() == [1, 2, 3]
    assert [p.name for p in (tmp_path / "conversations").iterdir()] == ["date=2026-03-14"]
    assert list((tmp_path / ".staging").iterdir()) == []


def test_an_empty_partition_still_has_a_file_with_the_schema(tmp_path):
    lake = Lake(str(tmp_path))
    lake.write_table("rejects", PARTITION, _table([]))
    table = lake.read_partition("rejects", PARTITION)
    assert table.num_rows == 0 and table.schema.names == ["bytes"]


@pytest.mark.parametrize(
    ("table", "partition"),
    [("../outside", PARTITION), ("/etc", PARTITION), ("t", {"date": "../../x"}), ("t", {"date": "a/b"})],
)
def test_names_that_would_leave_the_lake_are_refused(tmp_path, table, partition):
    with pytest.raises(ValueError, match="unsafe"):
        Lake(str(tmp_path)).partition_path(table, partition)


def test_reading_a_partition_never_written_says_where_it_looked(tmp_path):
    with pytest.raises(FileNotFoundError, match="window=night"):
        Lake(str(tmp_path)).read_partition("conversations", PARTITION)


def test_a_partition_streamed_in_batches_is_one_file_of_several_row_groups(tmp_path):
    lake = Lake(str(tmp_path))
    with lake.partition_writer("conversations", PARTITION, _table([]).schema) as writer:
        for start in range(0, 30, 10):
            writer.write(pa.record_batch({"bytes": pa.array(range(start, start + 10), pa.int64())}))
    (file,) = lake.partition_files("conversations", PARTITION)
    assert pq.ParquetFile(file).metadata.num_row_groups == 3
    assert lake.read_partition("conversations", PARTITION).column("bytes").to_pylist() == list(range(30))


def test_readers_skip_hidden_and_underscore_files_in_a_partition(tmp_path):
    lake = Lake(str(tmp_path))
    lake.write_table("conversations", PARTITION, _table([1]))
    folder = tmp_path / "conversations" / "date=2026-03-14" / "window=night"
    for name in (".staging-0123.parquet", "_SUCCESS", "_tmp.parquet", ".hidden.parquet"):
        pq.write_table(_table([666]), folder / name)
    assert [f.rsplit("/", 1)[1] for f in lake.partition_files("conversations", PARTITION)] == ["data.parquet"]
    assert lake.read_partition("conversations", PARTITION).column("bytes").to_pylist() == [1]


def test_a_partition_of_part_files_is_read_whole_then_replaced_by_one_file(tmp_path):
    """Partitions written before a partition was one file have part-NNNNN files: read all of them until
    the partition is rewritten, then only the new file, and the old parts are removed."""
    lake = Lake(str(tmp_path))
    folder = tmp_path / "conversations" / "date=2026-03-14" / "window=night"
    folder.mkdir(parents=True)
    pq.write_table(_table([1, 2]), folder / "part-00000.parquet")
    pq.write_table(_table([3]), folder / "part-00001.parquet")
    assert lake.read_partition("conversations", PARTITION).column("bytes").to_pylist() == [1, 2, 3]
    lake.write_table("conversations", PARTITION, _table([4]))
    assert lake.read_partition("conversations", PARTITION).column("bytes").to_pylist() == [4]
    assert sorted(p.name for p in folder.iterdir()) == ["data.parquet"]


def test_a_file_that_does_not_match_the_schema_fails_and_leaves_the_old_partition(tmp_path):
    lake = Lake(str(tmp_path))
    lake.write_table("conversations", PARTITION, _table([1]))
    with (
        pytest.raises(KeyError),
        lake.partition_writer("conversations", PARTITION, _table([]).schema) as writer,
    ):
        writer.write(pa.table({"packets": [1]}))
    assert lake.read_partition("conversations", PARTITION).column("bytes").to_pylist() == [1]
    assert [p.name for p in (tmp_path / "conversations").iterdir()] == ["date=2026-03-14"]


def test_a_schema_parquet_cannot_hold_is_refused_before_anything_is_staged(tmp_path):
    lake = Lake(str(tmp_path))
    schema = pa.schema([("every", pa.month_day_nano_interval())])
    with (
        pytest.raises(pa.ArrowNotImplementedError),
        lake.partition_writer("conversations", PARTITION, schema),
    ):
        pass
    assert list((tmp_path / ".staging").iterdir()) == []
    assert lake.partition_files("conversations", PARTITION) == []
