"""flow_parser against AWS's own published records, malformed input, broken objects and flowlogs-reader."""

import calendar
import gzip
import re
import shutil
from pathlib import Path

import pyarrow as pa
import pytest
from flowlogs_reader import FlowRecord
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flowpipe.lib.flow_fields import DEFAULT_FORMAT, FIELDS, column_name, raw_schema
from flowpipe.lib.flow_parser import REJECTS_SCHEMA, parse_files, parse_lines

FIXTURES = Path(__file__).parents[1] / "fixtures" / "flow_logs"
DEFAULT_HEADER = " ".join(DEFAULT_FORMAT)
V2_RECORD = (
    "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 "
    "1418530010 1418530070 ACCEPT OK"
)


def _write_gz(path: Path, text: str) -> str:
    path.write_bytes(gzip.compress(text.encode()))
    return str(path)


def _parse_fixture(name: str):
    path = str(FIXTURES / name)
    return parse_files({path: f"s3://bucket/{name}"})


def _rows(table: pa.Table) -> list[dict]:
    return table.to_pylist()


# (fixture, row index, expected values) straight from the AWS examples page.
AWS_EXAMPLES = [
    pytest.param(
        "v2_default.log.gz",
        0,
        {
            "version": 2,
            "account_id": "123456789010",
            "interface_id": "eni-1235b8ca123456789",
            "srcaddr": "172.31.16.139",
            "dstaddr": "172.31.16.21",
            "srcport": 20641,
            "dstport": 22,
            "protocol": 6,
            "packets": 20,
            "bytes": 4249,
            "start": 1418530010,
            "end": 1418530070,
            "action": "ACCEPT",
            "log_status": "OK",
            "vpc_id": None,
            "tcp_flags": None,
        },
        id="v2-accepted-ssh",
    ),
    pytest.param(
        "v2_default.log.gz",
        1,
        {"srcaddr": "172.31.9.69", "dstport": 3389, "action": "REJECT"},
        id="v2-rejected-rdp",
    ),
    pytest.param(
        "v2_default.log.gz",
        2,
        {
            "version": 2,
            "interface_id": "eni-1235b8ca123456789",
            "srcaddr": None,
            "dstaddr": None,
            "srcport": None,
            "dstport": None,
            "protocol": None,
            "packets": None,
            "bytes": None,
            "start": 1431280876,
            "end": 1431280934,
            "action": None,
            "log_status": "NODATA",
        },
        id="v2-nodata",
    ),
    pytest.param(
        "v2_default.log.gz",
        3,
        {"interface_id": "eni-11111111aaaaaaaaa", "bytes": None, "action": None, "log_status": "SKIPDATA"},
        id="v2-skipdata",
    ),
    pytest.param(
        "v2_default.log.gz",
        4,
        {"protocol": 1, "srcport": 0, "dstport": 0, "packets": 4, "bytes": 336},
        id="v2-icmp",
    ),
    pytest.param(
        "v2_default.log.gz",
        6,
        {
            "srcaddr": "2001:db8:1234:a100:8d6e:3477:df66:f105",
            "dstaddr": "2001:db8:1234:a102:3304:8879:34cf:4071",
            "packets": 54,
            "bytes": 8855,
        },
        id="v2-ipv6",
    ),
    pytest.param(
        "v3_tcp_flags.log.gz",
        0,
        {
            "version": 3,
            "vpc_id": "vpc-abcdefab012345678",
            "subnet_id": "subnet-aaaaaaaa012345678",
            "instance_id": "i-01234567890123456",
            "type": "IPv4",
            "pkt_srcaddr": "52.213.180.42",
            "pkt_dstaddr": "10.0.0.62",
            "bytes": 568,
            "packets": 8,
            "tcp_flags": 2,
            "log_status": "OK",
        },
        id="v3-bytes-before-packets",
    ),
    pytest.param(
        "v3_tcp_flags.log.gz",
        7,
        {
            "srcaddr": "10.0.0.62",
            "srcport": 5001,
            "dstport": 43638,
            "pkt_srcaddr": "10.0.0.62",
            "pkt_dstaddr": "52.213.180.42",
            "bytes": 967,
            "packets": 14,
            "tcp_flags": 19,
        },
        id="v3-double-space",
    ),
    pytest.param(
        "v5_service_traffic_path.log.gz",
        0,
        {
            "version": 5,
            "region": "ap-southeast-2",
            "az_id": "apse2-az3",
            "sublocation_type": None,
            "pkt_src_aws_service": "S3",
            "pkt_dst_aws_service": None,
            "traffic_path": None,
            "flow_direction": "ingress",
            "packets": 14,
            "bytes": 15044,
            "account_id": "123456789012",
        },
        id="v5-ingress-from-s3",
    ),
    pytest.param(
        "v5_service_traffic_path.log.gz",
        1,
        {"pkt_dst_aws_service": "S3", "traffic_path": 8, "flow_direction": "egress", "tcp_flags": 3},
        id="v5-egress-via-igw",
    ),
    pytest.param(
        "encryption_status.log.gz",
        1,
        {
            "flow_direction": "egress",
            "traffic_path": 1,
            "srcaddr": "10.0.128.55",
            "dstport": 43236,
            "encryption_status": 1,
            "version": None,
            "start": None,
        },
        id="encryption-status",
    ),
]


@pytest.mark.parametrize(("fixture", "row", "expected"), AWS_EXAMPLES)
def test_aws_documented_records_parse_to_typed_values(fixture: str, row: int, expected: dict) -> None:
    result = _parse_fixture(fixture)

    assert result.rejects.num_rows == 0
    assert result.failures == []
    record = _rows(result.records)[row]
    assert {key: record[key] for key in expected} == expected
    assert record["source_uri"] == f"s3://bucket/{fixture}"


@pytest.mark.parametrize(
    ("fixture", "count"),
    [("v2_default.log.gz", 7), ("v3_tcp_flags.log.gz", 8), ("v5_service_traffic_path.log.gz", 2),
     ("encryption_status.log.gz", 8)],
)  # fmt: skip
def test_every_aws_example_line_becomes_a_record_in_the_raw_schema(fixture: str, count: int) -> None:
    result = _parse_fixture(fixture)

    assert result.records.num_rows == count
    assert result.records.schema == raw_schema()


def test_unknown_header_fields_go_into_the_extra_fields_map(tmp_path: Path) -> None:
    text = "srcaddr resource-id encryption-status instance-tag\n10.0.0.1 nat-0abc 3 web\n10.0.0.2 - - -\n"
    path = _write_gz(tmp_path / "new.log.gz", text)

    result = parse_files({path: "s3://b/new.log.gz"})

    assert result.records.schema == raw_schema()
    assert result.rejects.num_rows == 0
    first, second = _rows(result.records)
    assert (first["srcaddr"], first["encryption_status"]) == ("10.0.0.1", 3)
    assert dict(first["extra_fields"]) == {"resource_id": "nat-0abc", "instance_tag": "web"}
    # "-" is no value: the key stays (the format has the field), its value is null.
    assert (second["encryption_status"], dict(second["extra_fields"])) == (
        None,
        {"resource_id": None, "instance_tag": None},
    )


def test_extra_fields_is_null_when_the_format_has_no_unknown_field() -> None:
    result = _parse_fixture("encryption_status.log.gz")

    assert result.records["extra_fields"].null_count == result.records.num_rows == 8


def test_unknown_fields_on_the_slow_path_also_go_into_extra_fields(tmp_path: Path) -> None:
    # A run of blanks sends the file through the split path, which must shape records the same way.
    text = "srcaddr resource-id bytes\n10.0.0.1  nat-0abc 5\n10.0.0.2 x many\n"
    path = _write_gz(tmp_path / "gap.log.gz", text)

    result = parse_files({path: "s3://b/gap.log.gz"})

    assert result.records.schema == raw_schema()
    assert [(row["srcaddr"], row["bytes"], dict(row["extra_fields"])) for row in _rows(result.records)] == [
        ("10.0.0.1", 5, {"resource_id": "nat-0abc"})
    ]
    assert _rows(result.rejects)[0]["reason"] == "bytes: not a bigint: many"


def test_malformed_lines_are_rejected_with_reason_and_line_number(tmp_path: Path) -> None:
    text = "\n".join(
        [
            DEFAULT_HEADER,
            V2_RECORD,
            "2 123456789010 eni-1 1.1.1.1 2.2.2.2 1 2 6 1 2 3 4 ACCEPT OK extra",
            "2 123456789010 eni-1 1.1.1.1 2.2.2.2 1 2 6 many 2 3 4 ACCEPT OK",
            "not a flow log record",
            V2_RECORD,
        ]
    )
    path = _write_gz(tmp_path / "bad.log.gz", text + "\n")

    result = parse_files({path: "s3://b/bad.log.gz"})

    assert result.records.num_rows == 2
    rejects = {row["line_number"]: row for row in _rows(result.rejects)}
    assert sorted(rejects) == [3, 4, 5]
    assert rejects[3]["reason"] == "expected 14 fields, found 15"
    assert rejects[4]["reason"] == "packets: not a bigint: many"
    assert rejects[5]["reason"] == "expected 14 fields, found 5"
    assert rejects[5]["line"] == "not a flow log record"
    assert result.rejects.schema == REJECTS_SCHEMA


def test_empty_text_field_from_doubled_blank_is_rejected_not_read_as_empty(tmp_path: Path) -> None:
    # 13 values and one doubled blank: single-space splitting finds 14 fields, one of them empty.
    line = "2 123456789010  172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK"
    path = _write_gz(tmp_path / "gap.log.gz", f"{DEFAULT_HEADER}\n{V2_RECORD}\n{line}\n")

    result = parse_files({path: "s3://b/gap.log.gz"})

    assert result.records.num_rows == 1
    assert _rows(result.rejects) == [
        {
            "source_uri": "s3://b/gap.log.gz",
            "line_number": 3,
            "reason": "expected 14 fields, found 13",
            "line": line,
        }
    ]


def test_corrupt_gzip_is_reported_and_other_files_still_parse(tmp_path: Path) -> None:
    good = str(tmp_path / "good.log.gz")
    shutil.copy(FIXTURES / "v2_default.log.gz", good)
    whole = gzip.compress((DEFAULT_HEADER + "\n" + (V2_RECORD + "\n") * 5000).encode())
    truncated = tmp_path / "truncated.log.gz"
    truncated.write_bytes(whole[: len(whole) // 2])
    not_gzip = tmp_path / "plain.log.gz"
    not_gzip.write_text(DEFAULT_HEADER + "\n" + V2_RECORD + "\n")

    result = parse_files(
        {good: "s3://b/good", str(truncated): "s3://b/truncated", str(not_gzip): "s3://b/plain"}
    )

    assert result.records.num_rows == 7
    assert set(result.records["source_uri"].to_pylist()) == {"s3://b/good"}
    failures = {failure.uri: failure.error for failure in result.failures}
    assert sorted(failures) == ["s3://b/plain", "s3://b/truncated"]
    assert "ended before the end-of-stream marker" in failures["s3://b/truncated"]
    assert "BadGzipFile" in failures["s3://b/plain"]


def test_empty_and_header_only_objects_give_no_records(tmp_path: Path) -> None:
    empty = tmp_path / "empty.log.gz"
    empty.write_bytes(b"")
    header_only = _write_gz(tmp_path / "header.log.gz", DEFAULT_HEADER + "\n")

    result = parse_files({str(empty): "s3://b/empty", header_only: "s3://b/header"})

    assert (result.records.num_rows, result.rejects.num_rows, result.failures) == (0, 0, [])
    assert result.records.schema == raw_schema()


def test_mixed_formats_in_one_batch_each_use_their_own_header(tmp_path: Path) -> None:
    sources = {str(FIXTURES / name): name for name in ["v2_default.log.gz", "v3_tcp_flags.log.gz"]}
    sources[_write_gz(tmp_path / "new.log.gz", "srcaddr resource-id\n10.0.0.9 x\n")] = "new"

    result = parse_files(sources)

    assert result.records.schema == raw_schema()
    by_source = result.records.group_by("source_uri").aggregate([("bytes", "sum")]).to_pylist()
    assert {row["source_uri"]: row["bytes_sum"] for row in by_source} == {
        "v2_default.log.gz": 4249 * 2 + 336 * 2 + 8855,
        "v3_tcp_flags.log.gz": 568 + 376 + 100701 + 632 + 63388 + 23294588 + 1260 + 967,
        "new": None,
    }


def test_crlf_line_endings_still_parse(tmp_path: Path) -> None:
    path = _write_gz(tmp_path / "crlf.log.gz", f"{DEFAULT_HEADER}\r\n{V2_RECORD}\r\n{V2_RECORD}\r\n")

    result = parse_files({path: "s3://b/crlf"})

    assert (result.records.num_rows, result.rejects.num_rows) == (2, 0)
    assert result.records["log_status"].to_pylist() == ["OK", "OK"]


def test_parse_lines_reads_headerless_records_in_the_given_format() -> None:
    lines = [V2_RECORD, "2 123456789010 eni-1 - - - - - - - 1431280876 1431280934 - NODATA", "2 x"]

    result = parse_lines(lines, DEFAULT_FORMAT, "logs:flows/eni-1-all")

    assert result.records["log_status"].to_pylist() == ["OK", "NODATA"]
    assert result.records["bytes"].to_pylist() == [4249, None]
    assert _rows(result.rejects) == [
        {
            "source_uri": "logs:flows/eni-1-all",
            "line_number": 3,
            "reason": "expected 14 fields, found 2",
            "line": "2 x",
        }
    ]


def test_parse_lines_refuses_a_format_that_is_not_field_names() -> None:
    with pytest.raises(ValueError, match="not a flow log header"):
        parse_lines([V2_RECORD], ("2", "123"), "logs:x")


# Any line without a newline: anything from valid records to unicode noise and stray blanks.
_LINES = st.one_of(
    st.text(alphabet=st.characters(blacklist_characters="\n", blacklist_categories=("Cs",)), max_size=80),
    st.lists(
        st.sampled_from(["2", "-", "eni-1", "1.2.3.4", "99999999999999999999", "1.5", "", " "]), max_size=16
    ).map(" ".join),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(extra=st.lists(_LINES, max_size=8))
def test_any_appended_line_is_either_a_record_or_a_reject(tmp_path: Path, extra: list[str]) -> None:
    lines = [V2_RECORD, *extra]
    path = _write_gz(tmp_path / "fuzz.log.gz", DEFAULT_HEADER + "\n" + "\n".join(lines) + "\n")
    # a bare \r ends a line too, as Arrow's reader and the split path both read it
    lines = re.split(r"\r\n|\r|\n", "\n".join(lines))

    result = parse_files({path: "s3://b/fuzz"})

    assert result.failures == []
    non_empty = [number for number, line in enumerate(lines, start=2) if line]
    assert result.records.num_rows + result.rejects.num_rows == len(non_empty)
    assert set(result.rejects["line_number"].to_pylist()) <= set(non_empty)
    assert 2 not in result.rejects["line_number"].to_pylist()


_DIFFERENTIAL_FIELDS = tuple(field.name for field in FIELDS if field.version <= 5)
_VALUES = {
    "int32": st.integers(0, 65535).map(str),
    "int64": st.integers(0, 2**31 - 1).map(str),
    "string": st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789.:-", min_size=2, max_size=20),
}


@st.composite
def _records(draw: st.DrawFn) -> tuple[tuple[str, ...], list[str]]:
    names = tuple(
        draw(st.permutations(_DIFFERENTIAL_FIELDS))[: draw(st.integers(1, len(_DIFFERENTIAL_FIELDS)))]
    )
    kinds = {field.name: str(field.arrow_type) for field in FIELDS}
    # flowlogs-reader cannot read "-" in start or end (it calls int() on them first).
    row = st.tuples(
        *[
            _VALUES[kinds[name]]
            if name in ("start", "end")
            else st.one_of(st.just("-"), _VALUES[kinds[name]])
            for name in names
        ]
    )
    return names, [" ".join(values) for values in draw(st.lists(row, min_size=1, max_size=5))]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sample=_records())
def test_records_agree_with_flowlogs_reader_on_every_field(tmp_path: Path, sample) -> None:
    names, lines = sample
    path = _write_gz(tmp_path / "diff.log.gz", " ".join(names) + "\n" + "\n".join(lines) + "\n")

    ours = parse_files({path: "s3://b/diff"}).records.to_pylist()

    assert len(ours) == len(lines)
    columns = [column_name(name) for name in names]
    for line, record in zip(lines, ours, strict=True):
        theirs = FlowRecord.from_cwl_event({"message": line}, fields=columns)
        for column in columns:
            expected = getattr(theirs, column)
            if column in ("start", "end") and expected is not None:
                expected = calendar.timegm(expected.utctimetuple())
            assert record[column] == expected, (column, line)
