"""Any bytes as a flow log object, any text as a record or a header: parsed, quarantined with a reason, or
a clear error, never another exception; and a line's fate never depends on the lines around it."""

import gzip
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from flowpipe.lib.flow_fields import DEFAULT_FORMAT, FIELDS, column_name, parse_log_format
from flowpipe.lib.flow_parser import parse_files, parse_lines

HEADER = " ".join(DEFAULT_FORMAT)
RECORD = "2 123456789012 eni-0a1 10.0.1.10 10.0.2.4 40000 443 6 10 500 1773482400 1773482460 ACCEPT OK"
FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
INTEGER_FIELDS = [field.name for field in FIELDS if str(field.arrow_type).startswith("int")]


# Tokens that make records almost right: the parser's hard cases.
_TOKENS = st.sampled_from(
    ["2", "-", "eni-0a1", "10.0.1.10", "443", "1773482400", "ACCEPT", "OK", "NODATA", "1.5", "0x10", "", " ",
     "\t", "\r", "99999999999999999999", "-1", "é", "\x00", "${version}"]
)  # fmt: skip
_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n"), max_size=120)
_LINES = st.one_of(_TEXT, st.lists(_TOKENS, max_size=16).map(" ".join), st.just(RECORD))


def _gz(folder: str, name: str, data: bytes) -> str:
    path = str(Path(folder) / name)
    Path(path).write_bytes(gzip.compress(data, mtime=0))
    return path


@FUZZ
@given(lines=st.lists(_LINES, max_size=12), names=st.sampled_from([DEFAULT_FORMAT, ("version", "start")]))
def test_every_non_empty_line_is_one_record_or_one_reject_with_a_reason(lines, names) -> None:
    result = parse_lines(lines, names, "logs:group/stream")

    numbered = [number for number, line in enumerate(lines, start=1) if line]
    assert result.records.num_rows + result.rejects.num_rows == len(numbered)
    assert set(result.rejects["line_number"].to_pylist()) <= set(numbered)
    assert all(result.rejects["reason"].to_pylist())


@FUZZ
@given(data=st.binary(max_size=400), compressed=st.booleans())
@example(data=b"\x1f\x8b\x08\x00\x00\x00\x00\x00", compressed=False)  # a gzip header and nothing more
@example(data=HEADER.encode() + b"\n" + RECORD.encode() + b"\n", compressed=True)
def test_any_bytes_as_an_object_are_records_rejects_or_a_failure_never_an_exception(data, compressed) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "object.log.gz")
        Path(path).write_bytes(gzip.compress(data, mtime=0) if compressed else data)

        result = parse_files({path: "s3://bucket/object.log.gz"})

    assert all(failure.uri == "s3://bucket/object.log.gz" and failure.error for failure in result.failures)
    assert not (result.failures and result.records.num_rows), "a failed object must keep none of its records"


_HEADER_NAMES = st.sampled_from([*DEFAULT_FORMAT, "service-tier", "Version", "${start}", "c0", "_line", "é"])


@FUZZ
@given(header=st.one_of(_TEXT, st.lists(_HEADER_NAMES, min_size=1, max_size=8).map(" ".join)), line=_LINES)
def test_any_header_names_its_fields_or_fails_the_object_with_a_reason(header, line) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = _gz(folder, "object.log.gz", f"{header}\n{line}\n".encode())

        result = parse_files({path: "s3://bucket/object.log.gz"})

    if result.failures:
        assert "header" in result.failures[0].error and result.records.num_rows == 0
    elif header.strip(" \t\r"):
        # a bare \r ends a line too, as in Arrow's reader; empty lines carry nothing
        lines = [piece for piece in re.split(r"\r\n|\r", line) if piece]
        assert result.records.num_rows + result.rejects.num_rows == len(lines)


@FUZZ
@given(text=_TEXT)
@example(text="${version} ${start")
@example(text="   ")
def test_any_log_format_gives_field_names_or_a_value_error(text) -> None:
    try:
        names = parse_log_format(text)
    except ValueError as error:
        assert "empty" in str(error)
        return
    assert names and all(name and not any(blank in name for blank in " \t\n") for name in names)
    try:
        parse_lines([RECORD], names, "logs:group/stream")
    except ValueError as error:
        assert "header" in str(error)


_FIELD_VALUE = {
    "int32": st.integers(0, 65535).map(str),
    "int64": st.integers(0, 2**40).map(str),
    "string": st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789.:-/", min_size=1, max_size=12),
}


@st.composite
def _file(draw) -> tuple[tuple[str, ...], list[str]]:
    fields = draw(st.permutations(FIELDS))[: draw(st.integers(1, 12))]
    values = [st.one_of(st.just("-"), _FIELD_VALUE[str(field.arrow_type)]) for field in fields]
    rows = draw(st.lists(st.tuples(*values), min_size=1, max_size=6))
    return tuple(field.name for field in fields), [" ".join(row) for row in rows]


@settings(FUZZ, max_examples=50)
@given(sample=_file())
def test_a_clean_file_reads_exactly_as_its_lines_do_one_by_one(sample) -> None:
    """The fast path (a clean file) and the split path (any line alone) agree on every value."""
    names, lines = sample
    with tempfile.TemporaryDirectory() as folder:
        path = _gz(folder, "object.log.gz", ("\n".join([" ".join(names), *lines]) + "\n").encode())
        whole = parse_files({path: "u"})
    alone = parse_lines(lines, names, "u")

    columns = [column_name(name) for name in names]
    assert whole.records.select(columns).to_pylist() == alone.records.select(columns).to_pylist()
    assert whole.rejects.num_rows == alone.rejects.num_rows == 0


@pytest.mark.parametrize("value", ["1.5", "1e5", "+5", "1_000", "0x10", "0b101", ".5"])
@pytest.mark.parametrize("path", ["file", "lines"])
def test_a_number_field_holding_anything_but_digits_is_a_reject(
    value: str, path: str, tmp_path: Path
) -> None:
    line = RECORD.replace(" 500 ", f" {value} ")  # bytes
    if path == "file":
        result = parse_files({_gz(str(tmp_path), "o.log.gz", f"{HEADER}\n{line}\n".encode()): "u"})
    else:
        result = parse_lines([line], DEFAULT_FORMAT, "u")

    assert result.records.num_rows == 0
    assert result.rejects["reason"].to_pylist() == [f"bytes: not a bigint: {value}"]


@pytest.mark.parametrize("odd", ["2 eni-1\tx 5", "2 eni-1 5\r2 eni-2 6"], ids=["tab", "bare-cr"])
def test_a_line_reads_the_same_whatever_else_its_file_holds(odd: str, tmp_path: Path) -> None:
    header = "version interface-id start"
    alone = parse_files({_gz(str(tmp_path), "a.log.gz", f"{header}\n{odd}\n".encode()): "u"})
    beside = parse_files({_gz(str(tmp_path), "b.log.gz", f"{header}\n{odd}\nnot a record\n".encode()): "u"})

    assert alone.records.to_pylist() == beside.records.to_pylist()
    assert alone.rejects.num_rows == beside.rejects.num_rows - 1
