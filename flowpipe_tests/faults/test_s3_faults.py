"""S3 misbehaving between flowpipe and the bucket: retried and then whole, or reported, never half-kept.

The fault proxy sits where AWS would be (AWS_ENDPOINT_URL), so this is boto3's production code path.
"""

import io
from pathlib import Path

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flowpipe.lib import aws_session
from flowpipe.lib.flow_sources import DOWNLOAD_ATTEMPTS, ObjectUnavailable, open_flow_log_source
from flowpipe_tests.faults.deliveries import (
    BUCKET,
    END,
    HEADER,
    IN_WINDOW,
    LOCATION,
    START,
    bytes_by_uri,
    extract,
    failure_message,
    key,
    lake_table,
    materialize_raw,
    put,
    records,
    text_object,
)
from flowpipe_tests.faults.proxy import (
    EXPIRED_TOKEN,
    INTERNAL_ERROR,
    SLOW_DOWN,
    FaultProxy,
    ResetAfter,
    Truncated,
)


@pytest.fixture
def bucket(direct_s3):
    direct_s3.create_bucket(Bucket=BUCKET)
    return direct_s3


@pytest.fixture
def three_objects(bucket) -> dict[str, list[int]]:
    """{uri: bytes of its records}: 50 records each, big enough that a reset falls inside the body."""
    return {
        put(bucket, key(stamp), text_object(records(first, 50))): list(range(first, first + 50))
        for stamp, first in (("20260314T1000Z", 1000), ("20260314T1005Z", 2000), ("20260314T1010Z", 3000))
    }


def _key_of(uri: str) -> str:
    return uri.removeprefix(f"s3://{BUCKET}/")


def test_throttled_and_failing_requests_are_retried_and_every_record_lands(
    faulty_aws: FaultProxy, three_objects: dict[str, list[int]]
) -> None:
    first, second, _ = three_objects
    faulty_aws.inject(SLOW_DOWN, operation="GetObject", key=_key_of(first), times=2)
    faulty_aws.inject(INTERNAL_ERROR, operation="GetObject", key=_key_of(second), times=1)
    faulty_aws.inject(INTERNAL_ERROR, operation="ListObjectsV2", times=1)

    found, _, stats = extract(open_flow_log_source(LOCATION))

    assert bytes_by_uri(found) == three_objects
    assert stats.objects_failed == []
    assert [call.status for call in faulty_aws.calls("s3", "GetObject", _key_of(first))] == [503, 503, 200]
    assert [call.status for call in faulty_aws.calls("s3", "GetObject", _key_of(second))] == [500, 200]


def test_adaptive_retry_mode_from_the_standard_setting_rides_out_throttling_too(
    faulty_aws: FaultProxy, three_objects: dict[str, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_RETRY_MODE", "adaptive")
    first = next(iter(three_objects))
    faulty_aws.inject(SLOW_DOWN, operation="GetObject", key=_key_of(first), times=2)
    source = open_flow_log_source(LOCATION)

    found, _, _ = extract(source)

    assert source._s3.meta.config.retries["mode"] == "adaptive"
    assert bytes_by_uri(found) == three_objects


def test_an_object_failing_beyond_the_retries_is_named_and_nothing_of_it_is_left(
    faulty_aws: FaultProxy,
    three_objects: dict[str, list[int]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    first = next(iter(three_objects))
    faulty_aws.inject(SLOW_DOWN, operation="GetObject", key=_key_of(first))
    source = open_flow_log_source(LOCATION)
    obj = next(obj for obj in source.list_objects(START, END) if obj.uri == first)

    with pytest.raises(ObjectUnavailable) as raised:
        source.fetch(obj, str(tmp_path / "copy.log.gz"))

    assert raised.value.uri == first and "SlowDown" in raised.value.reason
    assert len(faulty_aws.calls("s3", "GetObject", _key_of(first))) == 2
    assert not (tmp_path / "copy.log.gz").exists()


def test_an_object_failing_beyond_the_retries_is_a_reject_and_the_rest_of_the_window_lands(
    faulty_aws: FaultProxy,
    three_objects: dict[str, list[int]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    first, *others = three_objects
    faulty_aws.inject(SLOW_DOWN, operation="GetObject", key=_key_of(first))

    result = materialize_raw(LOCATION, tmp_path / "lake")

    assert result.success
    landed = lake_table(tmp_path / "lake", "raw_flow_logs")
    assert bytes_by_uri(landed) == {uri: three_objects[uri] for uri in others}
    rejects = lake_table(tmp_path / "lake", "raw_flow_log_rejects").to_pylist()
    assert [(row["source_uri"], "SlowDown" in row["reason"]) for row in rejects] == [(first, True)]


def test_a_connection_reset_mid_object_is_read_again_and_each_record_counted_once(
    faulty_aws: FaultProxy, three_objects: dict[str, list[int]]
) -> None:
    first = next(iter(three_objects))
    faulty_aws.inject(ResetAfter(200), operation="GetObject", key=_key_of(first), times=2)

    found, _, stats = extract(open_flow_log_source(LOCATION))

    assert bytes_by_uri(found) == three_objects  # no record of the broken reads, none twice
    assert len(faulty_aws.calls("s3", "GetObject", _key_of(first))) == 3
    assert stats.objects_failed == [] and stats.objects_read == 3


@pytest.mark.parametrize("stored_checksum", [True, False], ids=["checksum-caught", "size-caught"])
def test_a_body_cut_short_with_a_length_that_agrees_is_read_again(
    faulty_aws: FaultProxy, aws, stored_checksum: bool
) -> None:
    """With a stored checksum botocore sees the damage; without one, the listed size does."""
    when = "when_supported" if stored_checksum else "when_required"
    s3 = boto3.client(
        "s3",
        endpoint_url=aws.endpoint_url,
        config=boto3.session.Config(request_checksum_calculation=when),
    )
    s3.create_bucket(Bucket=BUCKET)
    uri = put(s3, key("20260314T1000Z"), text_object(records(1000, 50)))
    faulty_aws.inject(Truncated(200), operation="GetObject", times=1)

    found, _, stats = extract(open_flow_log_source(LOCATION))

    assert bytes_by_uri(found) == {uri: list(range(1000, 1050))}
    assert [call.status for call in faulty_aws.calls("s3", "GetObject")] == [200, 200]
    assert stats.objects_failed == []


def test_a_connection_reset_on_every_attempt_leaves_no_half_object(
    faulty_aws: FaultProxy, three_objects: dict[str, list[int]], tmp_path: Path
) -> None:
    first = next(iter(three_objects))
    faulty_aws.inject(ResetAfter(200), operation="GetObject", key=_key_of(first))
    source = open_flow_log_source(LOCATION)
    obj = next(obj for obj in source.list_objects(START, END) if obj.uri == first)

    with pytest.raises(ObjectUnavailable, match=f"read {DOWNLOAD_ATTEMPTS} times"):
        source.fetch(obj, str(tmp_path / "copy.log.gz"))

    assert len(faulty_aws.calls("s3", "GetObject", _key_of(first))) == DOWNLOAD_ATTEMPTS
    assert not (tmp_path / "copy.log.gz").exists()


def test_a_connection_reset_on_every_attempt_is_reported_and_none_of_its_records_kept(
    faulty_aws: FaultProxy, three_objects: dict[str, list[int]]
) -> None:
    first, *others = three_objects
    faulty_aws.inject(ResetAfter(200), operation="GetObject", key=_key_of(first))

    found, _, stats = extract(open_flow_log_source(LOCATION))

    assert bytes_by_uri(found) == {uri: three_objects[uri] for uri in others}
    assert [failure.uri for failure in stats.objects_failed] == [first]


def test_a_truncated_gzip_is_a_failure_and_none_of_its_records_are_kept(
    faulty_aws: FaultProxy, bucket, tmp_path: Path
) -> None:
    whole = text_object(records(1000, 2000))
    broken = put(bucket, key("20260314T1000Z"), whole[: len(whole) // 2])
    fine = put(bucket, key("20260314T1005Z"), text_object(records(5000, 3)))

    result = materialize_raw(LOCATION, tmp_path / "lake")

    assert result.success
    assert bytes_by_uri(lake_table(tmp_path / "lake", "raw_flow_logs")) == {fine: [5000, 5001, 5002]}
    rejects = lake_table(tmp_path / "lake", "raw_flow_log_rejects").to_pylist()
    assert [(row["source_uri"], row["line_number"]) for row in rejects] == [(broken, None)]
    assert "EOFError" in rejects[0]["reason"]


def test_a_parquet_delivery_with_a_corrupt_footer_is_a_failure_and_the_rest_lands(
    faulty_aws: FaultProxy, bucket
) -> None:
    table = pa.table({"version": pa.array([2], pa.int32()), "start": [IN_WINDOW], "bytes": [7]})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    data = buffer.getvalue()
    broken = put(bucket, key("20260314T1000Z", "log.parquet"), data[:-12] + b"\x00" * 8 + data[-4:])
    fine = put(bucket, key("20260314T1005Z", "log.parquet"), data)

    found, _, stats = extract(open_flow_log_source(LOCATION))

    assert bytes_by_uri(found) == {fine: [7]}
    assert [failure.uri for failure in stats.objects_failed] == [broken]


def test_an_empty_object_holds_no_records_and_is_no_failure(faulty_aws: FaultProxy, bucket) -> None:
    put(bucket, key("20260314T1000Z"), b"")
    fine = put(bucket, key("20260314T1005Z"), text_object(records(5000, 1)))

    found, rejects, stats = extract(open_flow_log_source(LOCATION))

    assert bytes_by_uri(found) == {fine: [5000]}
    assert rejects.num_rows == 0 and stats.objects_failed == [] and stats.objects_read == 2


def test_a_header_field_flowpipe_does_not_know_is_kept_in_extra_fields(
    faulty_aws: FaultProxy, bucket
) -> None:
    line = records(1000, 1)[0] + " gold"
    uri = put(bucket, key("20260314T1000Z"), text_object([line], header=f"{HEADER} service-tier"))

    found, rejects, _ = extract(open_flow_log_source(LOCATION))

    assert found["source_uri"].to_pylist() == [uri] and rejects.num_rows == 0
    assert found["extra_fields"].to_pylist() == [[("service_tier", "gold")]]
    assert found["bytes"].to_pylist() == [1000]


def test_a_folder_made_in_the_console_is_not_taken_for_a_delivery(faulty_aws: FaultProxy, bucket) -> None:
    bucket.put_object(Bucket=BUCKET, Key=key("20260314T1000Z").rsplit("/", 1)[0] + "/", Body=b"")
    fine = put(bucket, key("20260314T1005Z"), text_object(records(5000, 1)))

    listed = open_flow_log_source(LOCATION).list_objects(START, END)

    assert [obj.uri for obj in listed] == [fine]
    assert faulty_aws.calls("s3", "GetObject") == []


def test_expired_credentials_stop_the_listing_with_a_clear_error_and_are_not_retried(
    faulty_aws: FaultProxy, three_objects: dict[str, list[int]]
) -> None:
    faulty_aws.inject(EXPIRED_TOKEN, service="s3")

    with pytest.raises(aws_session.CredentialsRejected) as raised:
        extract(open_flow_log_source(LOCATION))

    message = str(raised.value)
    assert "ExpiredToken" in message and f"s3://{BUCKET}/AWSLogs/" in message and "Renew" in message
    assert len(faulty_aws.calls("s3")) == 1


def test_credentials_expiring_mid_window_stop_it_rather_than_fail_each_object(
    faulty_aws: FaultProxy, three_objects: dict[str, list[int]], tmp_path: Path
) -> None:
    faulty_aws.inject(EXPIRED_TOKEN, operation="GetObject")

    result = materialize_raw(LOCATION, tmp_path / "lake")

    assert not result.success
    message = failure_message(result)
    assert "CredentialsRejected" in message and "ExpiredToken" in message
    assert next(iter(three_objects)) in message
    # objects are fetched several at a time: each is asked once, none is retried with the dead token
    assert len(faulty_aws.calls("s3", "GetObject")) <= len(three_objects)
    with pytest.raises(FileNotFoundError):
        lake_table(tmp_path / "lake", "raw_flow_logs")
