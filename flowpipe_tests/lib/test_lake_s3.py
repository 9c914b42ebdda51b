"""The lake on S3 (the moto server): one object per partition in the Hive layout, reached through the
standard AWS settings, replaced whole, and never outside its prefix."""

import logging
import os
import subprocess
import sys

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flowpipe.lib.lake import Lake
from flowpipe.lib.lake_sink import LakeWriteError

BUCKET = "flowpipe-test-lake"
ROOT = f"s3://{BUCKET}/lake"
PARTITION = {"date": "2026-03-14", "window": "night"}
KEY = "lake/conversations/date=2026-03-14/window=night/data.parquet"
MIB = 1024 * 1024


def _table(values: list[int]) -> pa.Table:
    return pa.table({"bytes": pa.array(values, pa.int64())})


def _keys() -> list[str]:
    return [item["Key"] for item in boto3.client("s3").list_objects_v2(Bucket=BUCKET).get("Contents", [])]


@pytest.fixture
def bucket(aws) -> str:
    boto3.client("s3").create_bucket(Bucket=BUCKET)
    return BUCKET


def test_each_partition_is_one_zstd_object_in_the_hive_layout_under_the_prefix(bucket):
    lake = Lake(ROOT)
    lake.write_table("conversations", PARTITION, _table([1, 2]))
    lake.write_table("conversations", {**PARTITION, "window": "day"}, _table([3]))
    lake.write_table("daily_top_talkers", {"date": "2026-03-14"}, _table([]))
    assert sorted(_keys()) == [
        "lake/conversations/date=2026-03-14/window=day/data.parquet",
        KEY,
        "lake/daily_top_talkers/date=2026-03-14/data.parquet",
    ]
    assert lake.partition_files("conversations", PARTITION) == [f"{BUCKET}/{KEY}"]
    assert lake.read_partition("conversations", PARTITION).column("bytes").to_pylist() == [1, 2]
    body = boto3.client("s3").get_object(Bucket=BUCKET, Key=KEY)["Body"].read()
    assert pq.ParquetFile(pa.BufferReader(body)).metadata.row_group(0).column(0).compression == "ZSTD"
    assert lake.read_partition("daily_top_talkers", {"date": "2026-03-14"}).schema.names == ["bytes"]


def test_rewriting_a_partition_replaces_its_object(bucket):
    lake = Lake(ROOT)
    lake.write_table("conversations", PARTITION, _table([1, 2, 3]))
    lake.write_table("conversations", PARTITION, _table([4]))
    assert lake.read_partition("conversations", PARTITION).column("bytes").to_pylist() == [4]
    assert _keys() == [KEY]


def test_a_partition_larger_than_a_part_is_one_multipart_object(bucket):
    lake = Lake(ROOT)
    payload = pa.table({"payload": [os.urandom(MIB) for _ in range(20)]})
    with lake.partition_writer("conversations", PARTITION, payload.schema) as writer:
        for start in range(0, 20, 5):
            writer.write(payload.slice(start, 5))
    head = boto3.client("s3").head_object(Bucket=BUCKET, Key=KEY)
    assert head["ETag"].endswith('-2"')  # 16 MiB + the rest
    assert lake.read_partition("conversations", PARTITION).equals(payload)
    assert boto3.client("s3").list_multipart_uploads(Bucket=BUCKET).get("Uploads") is None


def test_a_partition_of_part_objects_is_read_whole_then_replaced_by_one_object(bucket):
    """Partitions written before a partition was one object have part-NNNNN objects."""
    s3 = boto3.client("s3")
    for number, values in enumerate([[1, 2], [3]]):
        sink = pa.BufferOutputStream()
        pq.write_table(_table(values), sink)
        key = KEY.replace("data.parquet", f"part-{number:05d}.parquet")
        s3.put_object(Bucket=BUCKET, Key=key, Body=sink.getvalue().to_pybytes())
    lake = Lake(ROOT)
    assert lake.read_partition("conversations", PARTITION).column("bytes").to_pylist() == [1, 2, 3]
    lake.write_table("conversations", PARTITION, _table([4]))
    assert lake.read_partition("conversations", PARTITION).column("bytes").to_pylist() == [4]
    assert _keys() == [KEY]


def test_readers_skip_hidden_and_underscore_objects(bucket):
    lake = Lake(ROOT)
    lake.write_table("conversations", PARTITION, _table([1]))
    sink = pa.BufferOutputStream()
    pq.write_table(_table([666]), sink)
    for name in (".staging-0123.parquet", "_SUCCESS", "_tmp.parquet"):
        key = KEY.replace("data.parquet", name)
        boto3.client("s3").put_object(Bucket=BUCKET, Key=key, Body=sink.getvalue().to_pybytes())
    assert lake.partition_files("conversations", PARTITION) == [f"{BUCKET}/{KEY}"]
    assert lake.read_partition("conversations", PARTITION).column("bytes").to_pylist() == [1]


def test_the_endpoint_is_aws_endpoint_url_s3_before_aws_endpoint_url(bucket, aws, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", aws.endpoint_url)
    lake = Lake(ROOT)
    lake.write_table("conversations", PARTITION, _table([7]))
    assert lake.read_partition("conversations", PARTITION).column("bytes").to_pylist() == [7]
    assert lake.filesystem.get_file_info(f"{BUCKET}/{KEY}").size > 0  # pyarrow's listing reached moto too


def test_the_endpoint_of_a_profile_in_the_aws_config_file_is_used(bucket, aws, monkeypatch, tmp_path):
    config = tmp_path / "config"
    config.write_text(f"[profile lake]\nendpoint_url = {aws.endpoint_url}\nregion = us-east-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_PROFILE", "lake")
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    lake = Lake(ROOT)
    lake.write_table("conversations", PARTITION, _table([7]))
    assert lake.filesystem.get_file_info(f"{BUCKET}/{KEY}").size > 0
    assert lake.read_partition("conversations", PARTITION).column("bytes").to_pylist() == [7]


def test_credentials_and_region_come_from_the_standard_settings_with_the_session_token(bucket, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDFROMTHECHAIN")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret-from-the-chain")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "token-from-the-chain")
    monkeypatch.setenv("AWS_REGION", "eu-west-3")
    lake = Lake(ROOT)
    _, (options,) = lake.filesystem.__reduce__()
    assert options["region"] == "eu-west-3"
    assert (options["access_key"], options["secret_key"], options["session_token"]) == (
        "AKIDFROMTHECHAIN",
        "secret-from-the-chain",
        "token-from-the-chain",
    )


def test_flowpipe_logs_no_credential(bucket, monkeypatch, caplog):
    """botocore's own DEBUG log prints the session token (X-Amz-Security-Token): keep it above DEBUG."""
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret-never-logged")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "token-never-logged")
    caplog.set_level(logging.DEBUG, logger="flowpipe")
    lake = Lake(ROOT)
    lake.write_table("conversations", PARTITION, _table([1]))
    lake.read_partition("conversations", PARTITION)
    with pytest.raises(LakeWriteError):
        Lake("s3://no-such-bucket-here/lake").write_table("conversations", PARTITION, _table([1]))
    logged = [record for record in caplog.records if record.name.startswith("flowpipe")]
    assert logged, "the lake logged nothing: the test proves nothing"
    assert not [record for record in logged if "never-logged" in record.getMessage()]


def test_an_s3_error_names_the_object_it_was_writing(bucket):
    with pytest.raises(LakeWriteError, match=r"s3://no-such-bucket-here/lake/conversations/date=2026-03-14/"):
        Lake("s3://no-such-bucket-here/lake").write_table("conversations", PARTITION, _table([1]))


@pytest.mark.parametrize(
    ("table", "partition"),
    [
        ("../outside", PARTITION),
        ("/etc", PARTITION),
        ("t", {"date": "../../x"}),
        ("t", {"date": "a/b"}),
        ("t", {"date": ".."}),
        ("t", {"../date": "x"}),
    ],
)
def test_names_that_would_leave_the_prefix_are_refused_and_nothing_is_written(bucket, table, partition):
    lake = Lake(ROOT)
    with pytest.raises(ValueError, match="unsafe"):
        lake.write_table(table, partition, _table([1]))
    assert _keys() == []


@pytest.mark.parametrize(
    "root",
    ["s3://", "s3://bucket/../other", "s3://bucket//x", "s3://bucket/./x", "s3://b/x?endpoint_override=h"],
)
def test_roots_that_are_not_a_plain_bucket_and_prefix_are_refused(aws, root):
    with pytest.raises(ValueError, match="unsafe lake root|give s3://bucket/prefix"):
        Lake(root)


# Writes one 8 MiB batch as a partition, then 24 of them (192 MiB) as another, and prints the peak RSS
# (KiB) after each: streaming parts out keeps the second peak near the first.
_MEMORY_PROBE = """
import os, resource, sys
import pyarrow as pa
from flowpipe.lib.lake import Lake
lake = Lake(sys.argv[1])
batch = pa.table({"payload": [os.urandom(128 * 1024) for _ in range(64)]})
for date, batches in (("2026-03-14", 1), ("2026-03-15", 24)):
    with lake.partition_writer("raw_flow_logs", {"date": date}, batch.schema) as writer:
        for _ in range(batches):
            writer.write(batch)
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, flush=True)
"""


def test_memory_holds_about_a_part_however_large_the_partition(bucket):
    probe = subprocess.run(
        [sys.executable, "-c", _MEMORY_PROBE, ROOT], capture_output=True, text=True, timeout=120, check=True
    )
    small, large = (int(line) // 1024 for line in probe.stdout.split())
    assert large - small < 64, f"peak RSS {small} MiB after 8 MiB, {large} MiB after 192 MiB"
    assert Lake(ROOT).partition_files("raw_flow_logs", {"date": "2026-03-15"})
