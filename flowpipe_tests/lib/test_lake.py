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
        "/conversations/date=2026-03-14/window=night/part-00000.parquet"
    ]
    assert pq.ParquetFile(files[0]).metadata.row_group(0).column(0).compression == "ZSTD"


def test_rewriting_a_partition_replaces_it_without_duplicates(tmp_path):
    lake = Lake(str(tmp_path))
    lake.write_table("conversations", PARTITION, _table([1, 2, 3]))
    lake.write_table("conversations", PARTITION, _table([4]))
    assert lake.read_partition("conversations", PARTITION).column("bytes").to_pylist() == [4]
    assert not [p for p in (tmp_path / "conversations").iterdir() if p.name.startswith(".staging")]


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
