"""Parse VPC flow log text (S3 .log.gz deliveries, CloudWatch Logs messages) into typed Arrow tables.

The hot path is pyarrow's CSV reader, one gz file per thread: decompression, splitting and typing
run in Arrow with the GIL released, never per record in Python, and each file's columns are then shaped
into raw_schema() without copying. A file that reader refuses (a malformed line, a value that is not a
number, invalid UTF-8, a doubled blank) goes whole through a columnar slow path (pyarrow splits on runs
of blanks, DuckDB casts) that numbers every line, so every non-empty line ends as a record or a reject
with a reason. Empty lines carry nothing and are skipped. A file whose gzip is corrupt is a failure.
"""

import gzip
import logging
import os
import re
import zlib
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import duckdb
import isal.igzip as igzip
import isal.isal_zlib as isal_zlib
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from flowpipe.lib.flow_fields import (
    EXTRA_FIELDS_COLUMN,
    FIELDS,
    SOURCE_URI_COLUMN,
    column_name,
    is_known_column,
    raw_schema,
    source_uri_column,
)

logger = logging.getLogger(__name__)

REJECTS_SCHEMA = pa.schema(
    [
        pa.field(SOURCE_URI_COLUMN, pa.string()),
        pa.field("line_number", pa.int64()),
        pa.field("reason", pa.string()),
        pa.field("line", pa.string()),
    ]
)

_RAW_SCHEMA = raw_schema()
_EXTRA_FIELDS_TYPE = _RAW_SCHEMA.field(EXTRA_FIELDS_COLUMN).type
_ARROW_TYPE_BY_COLUMN = {field.column: field.arrow_type for field in FIELDS}
_SQL_TYPES = {pa.int32(): "INTEGER", pa.int64(): "BIGINT", pa.string(): "VARCHAR"}
_HEADER_FIELD = re.compile(r"[a-z][a-z0-9_]*")
_BLANKS = r"[ \t]+"
# Only bytes AWS never writes inside a field; "\r" is trimmed so CRLF files still parse.
_TRIM = " \t\r"
_PARSE_OPTIONS = pacsv.ParseOptions(delimiter=" ", quote_char=False, escape_char=False)
_HEX_PREFIXES = (b"0x", b"0X")
# A number field holds decimal digits (a minus sign at most); DuckDB's cast alone also takes 1.5, 1e5, 0x10.
_INTEGER_TEXT = "^-?[0-9]+$"
_GZIP_ERRORS = (OSError, EOFError, zlib.error, isal_zlib.error)


@dataclass(frozen=True)
class ObjectFailure:
    """An object that could not be read at all (corrupt gzip, unreadable header)."""

    uri: str
    error: str


@dataclass
class ParseResult:
    records: pa.Table  # raw_schema()
    rejects: pa.Table  # REJECTS_SCHEMA
    failures: list[ObjectFailure] = field(default_factory=list)


_Part = tuple[pa.Table, pa.Table]  # records in raw_schema(), rejects


def parse_files(sources: Mapping[str, str]) -> ParseResult:
    """Parse local gz text deliveries, `{local path: object uri}`; each file's header names its fields.

    Files are read on a pool of one thread per core, each file on one thread: inflating a gzip stream
    is serial anyway, and Arrow releases the GIL while it reads.
    """
    with ThreadPoolExecutor(os.cpu_count() or 1, thread_name_prefix="flowpipe-parse") as pool:
        outcomes = list(pool.map(_parse_object, sources.keys(), sources.values()))
    parts = [outcome for outcome in outcomes if isinstance(outcome, tuple)]
    failures = [outcome for outcome in outcomes if isinstance(outcome, ObjectFailure)]
    return _combine(parts, failures)


def _parse_object(path: str, uri: str) -> _Part | ObjectFailure | None:
    try:
        names = _read_header(path)
        return _parse_file(names, path, uri) if names else None
    except (*_GZIP_ERRORS, _HeaderError) as error:
        return ObjectFailure(uri, _describe(error))


def parse_lines(lines: Sequence[str], field_names: tuple[str, ...], source_uri: str) -> ParseResult:
    """Parse headerless records (CloudWatch Logs messages) in `field_names` order; lines count from 1."""
    _check_field_names(field_names)
    numbers = np.arange(1, len(lines) + 1, dtype=np.int64)
    return _combine([_parse_split(field_names, pa.array(lines, pa.string()), numbers, source_uri)], [])


class _HeaderError(ValueError):
    """The first line of an object is not a flow log header."""


class _WatchedStream:
    """A binary stream that notes whether a tab or a "0x" passed through it.

    Arrow reads "0x10" in an integer column as 16 and keeps a tab inside a field, where the split path
    rejects the first and splits on the second: a file holding either reads through the split path, so a
    line parses the same whatever else its file holds. AWS writes neither.
    """

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._tail = b""
        self.seen: bytes | None = None
        self.closed = False

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        if self.seen is None:
            self.seen = _slow_path_marker(self._tail + data)
            self._tail = data[-1:]
        return data

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self.closed = True


def _slow_path_marker(data: bytes) -> bytes | None:
    """A tab or "0x" in `data`, if any. One-byte searches are memchr: "x" is rare in flow log text
    (interface ids are lower-case hex digits), so the two-byte search for "0x" runs only on a hit."""
    if b"\t" in data:
        return b"\t"
    if b"x" in data or b"X" in data:
        return next((marker for marker in _HEX_PREFIXES if marker in data), None)
    return None


def _read_header(path: str) -> tuple[str, ...] | None:
    if Path(path).stat().st_size == 0:
        return None
    with gzip.open(path, "rb") as stream:
        try:
            first = stream.readline().decode("utf-8").strip(_TRIM)
        except UnicodeDecodeError as error:
            raise _HeaderError(f"header is not UTF-8: {error}") from error
    if not first:
        return None
    names = tuple(first.split())
    _check_field_names(names)
    return names


def _check_field_names(names: tuple[str, ...]) -> None:
    columns = [column_name(name) for name in names]
    if not columns or not all(_HEADER_FIELD.fullmatch(column) for column in columns):
        raise _HeaderError(f"not a flow log header: {' '.join(names)[:200]!r}")
    if len(set(columns)) != len(columns):
        raise _HeaderError(f"duplicate field in header: {' '.join(names)!r}")


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def _parse_file(names: tuple[str, ...], path: str, uri: str) -> _Part:
    """The fast path for a clean file, else the slow path; a corrupt gzip raises (the object fails)."""
    records = _fast_file(names, path, uri)
    if records is not None:
        return records, REJECTS_SCHEMA.empty_table()
    return _slow_file(names, path, uri)


def _fast_file(names: tuple[str, ...], path: str, uri: str) -> pa.Table | None:
    """pyarrow reads, splits and types the whole file, or None when any line needs the slow path."""
    columns = [column_name(name) for name in names]
    types = {column: _ARROW_TYPE_BY_COLUMN.get(column, pa.string()) for column in columns}
    read_options = pacsv.ReadOptions(column_names=columns, skip_rows=1, use_threads=False)
    convert_options = pacsv.ConvertOptions(column_types=types, null_values=["-"], strings_can_be_null=True)
    try:
        # ISA-L inflates gzip at about twice zlib's speed (benchmarks/README.md); Arrow reads it as a stream.
        with igzip.open(path, "rb") as stream:
            watched = _WatchedStream(stream)
            table = pacsv.read_csv(watched, read_options, _PARSE_OPTIONS, convert_options)
    except pa.ArrowException as error:
        logger.debug("%s takes the slow path: %s", uri, error)
        return None
    if watched.seen:
        logger.debug("%s takes the slow path: it holds %r", uri, watched.seen)
        return None
    # An empty text field is a doubled blank that happened to give the right field count (an empty
    # number is a conversion error already): only a split on runs of blanks reads that line right.
    for column in columns:
        if (
            types[column] == pa.string()
            and table.num_rows
            and pc.min(pc.binary_length(table[column])).as_py() == 0
        ):
            return None
    return _to_raw_schema(table, uri)


def _to_raw_schema(table: pa.Table, uri: str) -> pa.Table:
    """One format's typed columns as exactly raw_schema(), without copying them.

    Fields the format lacks are typed nulls; fields flowpipe does not know go into the extra_fields map
    (a "-" there is kept as a null value: the format has the field, this record has no value for it).
    """
    rows = table.num_rows
    # The ~30 fields a format lacks share one null array per type: a v2 record would otherwise carry
    # ~130 bytes of zeroed offsets and values, more than its own fields.
    nulls: dict[pa.DataType, pa.ChunkedArray] = {}
    arrays = []
    for item in _RAW_SCHEMA:
        if item.name == EXTRA_FIELDS_COLUMN:
            arrays.append(_extra_fields(table))
        elif item.name == SOURCE_URI_COLUMN:
            arrays.append(source_uri_column(uri, rows))
        elif item.name in table.column_names:
            arrays.append(table[item.name].cast(item.type))
        else:
            if item.type not in nulls:
                nulls[item.type] = pa.chunked_array([pa.nulls(rows, item.type)])
            arrays.append(nulls[item.type])
    return pa.Table.from_arrays(arrays, schema=_RAW_SCHEMA)


def _extra_fields(table: pa.Table) -> pa.ChunkedArray:
    """{column: value} of the columns flowpipe does not know, row by row; null when there are none."""
    extras = [column for column in table.column_names if not is_known_column(column)]
    rows = table.num_rows
    if not extras:
        return pa.chunked_array([pa.nulls(rows, _EXTRA_FIELDS_TYPE)])
    values = pa.concat_arrays([table[column].combine_chunks().cast(pa.string()) for column in extras])
    row_major = np.arange(rows * len(extras)).reshape(len(extras), rows).T.ravel()
    keys = pa.array(extras, pa.string()).take(np.tile(np.arange(len(extras)), rows))
    offsets = pa.array(np.arange(0, rows * len(extras) + 1, len(extras), dtype=np.int32))
    return pa.chunked_array(
        [pa.MapArray.from_arrays(offsets, keys, values.take(row_major))], _EXTRA_FIELDS_TYPE
    )


def _slow_file(names: tuple[str, ...], path: str, uri: str) -> _Part:
    """Read one whole file in Python (gzip) and parse it through the split path, with exact line numbers."""
    with gzip.open(path, "rb") as stream:
        data = stream.read()
    # Lines end at \n, \r\n or a bare \r, as Arrow's reader splits them; the header is line 1.
    raw_lines = data.splitlines()[1:]
    try:
        lines = [raw.decode("utf-8") for raw in raw_lines]
        invalid: list[dict] = []
    except UnicodeDecodeError:
        lines, invalid = _decode_lines(raw_lines, uri)
    numbers = np.arange(2, len(lines) + 2, dtype=np.int64)
    records, rejects = _parse_split(names, pa.array(lines, pa.string()), numbers, uri)
    return records, _concat([rejects, pa.Table.from_pylist(invalid, REJECTS_SCHEMA)], REJECTS_SCHEMA)


def _decode_lines(raw_lines: list[bytes], uri: str) -> tuple[list[str], list[dict]]:
    """Per-line decode for a file that is not all UTF-8; bad lines become rejects and blanks here."""
    lines, invalid = [], []
    for index, raw in enumerate(raw_lines):
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            lines.append("")
            text = raw.decode("utf-8", errors="replace")
            invalid.append(_reject_row(uri, index + 2, "line is not valid UTF-8", text))
    return lines, invalid


def _parse_split(names: tuple[str, ...], lines: pa.Array, numbers: np.ndarray, uri: str) -> _Part:
    """Columnar split on runs of blanks: the right field count goes on to the cast, else a reject."""
    keep = pc.not_equal(pc.utf8_length(lines), 0)
    lines, numbers = lines.filter(keep), numbers[np.asarray(keep.to_numpy(zero_copy_only=False), dtype=bool)]
    trimmed = pc.utf8_trim(lines, _TRIM)
    parts = pc.split_pattern_regex(trimmed, _BLANKS)
    counts = pc.if_else(pc.equal(trimmed, ""), 0, pc.list_value_length(parts)).to_numpy()
    fits = counts == len(names)
    wrong = ~fits
    count_rejects = pa.table(
        {
            SOURCE_URI_COLUMN: pa.array([uri] * int(wrong.sum()), pa.string()),
            "line_number": pa.array(numbers[wrong], pa.int64()),
            "reason": pa.array(
                [f"expected {len(names)} fields, found {n}" for n in counts[wrong]], pa.string()
            ),
            "line": lines.filter(pa.array(wrong)),
        },
        schema=REJECTS_SCHEMA,
    )
    values = pc.list_flatten(parts.filter(pa.array(fits)))
    raw = {"_line_number": pa.array(numbers[fits], pa.int64()), "_line": lines.filter(pa.array(fits))}
    for index in range(len(names)):
        column = values.take(np.arange(index, len(values), len(names)))
        raw[f"c{index}"] = pc.if_else(pc.equal(column, "-"), pa.scalar(None, pa.string()), column)
    records, cast_rejects = _cast_table(names, pa.table(raw), uri)
    return records, _concat([count_rejects, cast_rejects], REJECTS_SCHEMA)


def _cast_table(names: tuple[str, ...], raw: pa.Table, uri: str) -> _Part:
    """DuckDB's cast of split text: a value that fails is a reject naming the field and the value."""
    casts, reasons = [], []
    for index, name in enumerate(names):
        sql_type, column = _sql_type(name), column_name(name)
        if sql_type == "VARCHAR":
            casts.append(f'c{index} AS "{column}"')
            continue
        cast = (
            f"CASE WHEN regexp_matches(c{index}, '{_INTEGER_TEXT}') THEN try_cast(c{index} AS {sql_type}) END"
        )
        casts.append(f'{cast} AS "{column}"')
        failed = f"c{index} IS NOT NULL AND ({cast}) IS NULL"
        reasons.append(f"CASE WHEN {failed} THEN '{column}: not a {sql_type.lower()}: ' || c{index} END")
    reason = f"nullif(concat_ws('; ', {', '.join(reasons)}), '')" if reasons else "NULL::VARCHAR"
    query = f"SELECT _line_number, _line, {', '.join(casts)}, {reason} AS _reason FROM raw"
    with duckdb.connect() as con:
        con.execute("SET enable_progress_bar = false")
        con.register("raw", raw)
        table = con.sql(query).to_arrow_table()
    bad = pc.is_valid(table["_reason"])
    rejected = table.filter(bad)
    rejects = pa.table(
        {
            SOURCE_URI_COLUMN: pa.repeat(uri, rejected.num_rows),
            "line_number": rejected["_line_number"],
            "reason": rejected["_reason"],
            "line": rejected["_line"],
        },
        schema=REJECTS_SCHEMA,
    )
    good = table.filter(pc.invert(bad)).drop_columns(["_line_number", "_line", "_reason"])
    return _to_raw_schema(good, uri), rejects


def _sql_type(name: str) -> str:
    """DuckDB type of a header field: the known field's integer type, else text (unknown fields too)."""
    return _SQL_TYPES[_ARROW_TYPE_BY_COLUMN.get(column_name(name), pa.string())]


def _reject_row(uri: str, line_number: int, reason: str, line: str) -> dict:
    return {SOURCE_URI_COLUMN: uri, "line_number": line_number, "reason": reason, "line": line}


def _concat(tables: list[pa.Table], schema: pa.Schema) -> pa.Table:
    """One table in `schema`; the cast also gives DuckDB's Arrow types the schema's exact field names."""
    if not tables:
        return schema.empty_table()
    return pa.concat_tables([table.cast(schema) for table in tables])


def _combine_parts(parts: list[_Part]) -> _Part:
    """The files' tables as one; their source_uri dictionaries (one URI each) become one, so the result
    can be grouped and filtered by source_uri like any column."""
    records = _concat([records for records, _ in parts], _RAW_SCHEMA).unify_dictionaries()
    return records, _concat([rejects for _, rejects in parts], REJECTS_SCHEMA)


def _combine(parts: list[_Part], failures: list[ObjectFailure]) -> ParseResult:
    records, rejects = _combine_parts(parts)
    return ParseResult(records, rejects, failures)
