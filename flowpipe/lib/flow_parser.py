"""Parse VPC flow log text (S3 .log.gz deliveries, CloudWatch Logs messages) into typed Arrow tables.

The hot path is one DuckDB `read_csv` per distinct header over a batch of gz files: decompression,
splitting and casting run in DuckDB's threads, never per record in Python. Anything DuckDB cannot take
as a plain single-space line goes through a columnar slow path (pyarrow splits on runs of blanks) that
shares the cast and reject rules, so every non-empty line ends as a record or a reject with a reason.
Empty lines carry nothing and are skipped, as DuckDB's reader skips them.
"""

import gzip
import logging
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from flowpipe.lib.flow_fields import (
    EXTRA_FIELDS_COLUMN,
    FIELDS,
    SOURCE_URI_COLUMN,
    column_name,
    is_known_column,
    raw_schema,
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

_SQL_TYPES = {pa.int32(): "INTEGER", pa.int64(): "BIGINT", pa.string(): "VARCHAR"}
_SQL_TYPE_BY_COLUMN = {field.column: _SQL_TYPES[field.arrow_type] for field in FIELDS}
_RAW_SCHEMA = raw_schema()
_LINE_ERRORS = frozenset({"TOO MANY COLUMNS", "MISSING COLUMNS", "CAST"})
_HEADER_FIELD = re.compile(r"[a-z][a-z0-9_]*")
_BLANKS = r"[ \t]+"
# Only bytes AWS never writes inside a field; "\r" is trimmed so CRLF files still parse.
_TRIM = " \t\r"
_READ_CSV_OPTIONS = (
    "delim=' ', header=true, auto_detect=false, quote='', escape='', comment='', nullstr='-', "
    "strict_mode=true, null_padding=false, store_rejects=true"
)
_GZIP_ERRORS = (OSError, EOFError, zlib.error)


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


def parse_files(sources: Mapping[str, str]) -> ParseResult:
    """Parse local gz text deliveries, `{local path: object uri}`; each file's header names its fields."""
    failures: list[ObjectFailure] = []
    groups: dict[tuple[str, ...], list[str]] = {}
    for path, uri in sources.items():
        try:
            header = _read_header(path)
        except (*_GZIP_ERRORS, ValueError) as error:
            failures.append(ObjectFailure(uri, _describe(error)))
            continue
        if header:
            groups.setdefault(header, []).append(path)
    parts = [_parse_group(names, paths, sources, failures) for names, paths in groups.items()]
    return _combine(parts, failures)


def parse_lines(lines: Sequence[str], field_names: tuple[str, ...], source_uri: str) -> ParseResult:
    """Parse headerless records (CloudWatch Logs messages) in `field_names` order; lines count from 1."""
    _check_field_names(field_names)
    numbers = np.arange(1, len(lines) + 1, dtype=np.int64)
    return _combine([_parse_split(field_names, pa.array(lines, pa.string()), numbers, source_uri)], [])


def _read_header(path: str) -> tuple[str, ...] | None:
    if Path(path).stat().st_size == 0:
        return None
    with gzip.open(path, "rb") as stream:
        first = stream.readline().decode("utf-8").strip(_TRIM)
    if not first:
        return None
    names = tuple(first.split())
    _check_field_names(names)
    return names


def _check_field_names(names: tuple[str, ...]) -> None:
    columns = [column_name(name) for name in names]
    if not columns or not all(_HEADER_FIELD.fullmatch(column) for column in columns):
        raise ValueError(f"not a flow log header: {' '.join(names)[:200]!r}")
    if len(set(columns)) != len(columns):
        raise ValueError(f"duplicate field in header: {' '.join(names)!r}")


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


_Part = tuple[pa.Table, pa.Table]  # records in raw_schema(), rejects


def _parse_group(
    names: tuple[str, ...], paths: list[str], sources: Mapping[str, str], failures: list[ObjectFailure]
) -> _Part:
    """One DuckDB scan for all files of one format; if it fails, retry file by file."""
    try:
        return _fast_path(names, paths, sources)
    except duckdb.Error as error:
        logger.info("batch of %d files failed (%s); retrying file by file", len(paths), error)
    record_parts, reject_parts = [], []
    for path in paths:
        try:
            records, rejects = _fast_path(names, [path], sources)
        except duckdb.Error:
            try:
                records, rejects = _slow_file(names, path, sources[path])
            except _GZIP_ERRORS as error:
                failures.append(ObjectFailure(sources[path], _describe(error)))
                continue
        record_parts.append(records)
        reject_parts.append(rejects)
    return _concat(record_parts, _RAW_SCHEMA), _concat(reject_parts, REJECTS_SCHEMA)


def _fast_path(names: tuple[str, ...], paths: list[str], sources: Mapping[str, str]) -> _Part:
    """DuckDB reads, splits, casts and shapes the records (no Python per row); refused lines are re-split."""
    types = [_sql_type(name) for name in names]
    columns = "{" + ", ".join(f"'c{index}': '{sql_type}'" for index, sql_type in enumerate(types)) + "}"
    # An empty text field is a doubled blank that happened to give the right field count (an empty number
    # is a CAST refusal already): its file goes to the slow path, which splits on runs of blanks.
    texts = [f"c{index} = ''" for index, sql_type in enumerate(types) if sql_type == "VARCHAR"]
    suspect = " OR ".join(texts) if texts else "false"
    uri_of_file = f"$uris[file_index::BIGINT + 1] AS {SOURCE_URI_COLUMN}"
    query = (
        f"SELECT {_raw_columns(names, typed=True, source_uri=uri_of_file)}, "
        f"file_index AS _file, coalesce({suspect}, false) AS _suspect "
        f"FROM read_csv($files, columns={columns}, {_READ_CSV_OPTIONS})"
    )
    uris = [sources[path] for path in paths]
    with _connect() as con:
        table = con.sql(query, params={"files": paths, "uris": uris}).to_arrow_table()
        errors = con.sql(
            "SELECT file_id, line, list(DISTINCT error_type), any_value(csv_line) "
            "FROM reject_errors GROUP BY ALL ORDER BY file_id, line"
        ).fetchall()
    # A line refused for its field count or a cast is re-split alone; any other refusal (encoding, line
    # size) sends the whole file to the slow path, which numbers every line itself.
    slow = {index for index, _, error_types, _ in errors if not _LINE_ERRORS.issuperset(error_types)}
    if pc.any(table["_suspect"]).as_py():
        slow.update(pc.unique(table["_file"].filter(table["_suspect"])).to_pylist())
    if slow:
        table = table.filter(pc.invert(pc.is_in(table["_file"], pa.array(sorted(slow), pa.uint64()))))
    parts = [(table.drop_columns(["_file", "_suspect"]), REJECTS_SCHEMA.empty_table())]
    parts += [_slow_file(names, paths[file_index], uris[file_index]) for file_index in sorted(slow)]
    resplit: dict[int, list[tuple[int, str]]] = {}
    for file_index, line_number, _, line in errors:
        if file_index not in slow:
            # DuckDB's csv_line can carry the newline of a blank line before it.
            resplit.setdefault(file_index, []).append((line_number, line.strip("\n")))
    for file_index, rows in resplit.items():
        numbers = np.array([number for number, _ in rows], dtype=np.int64)
        lines = pa.array([line for _, line in rows], pa.string())
        parts.append(_parse_split(names, lines, numbers, uris[file_index]))
    return _combine_parts(parts)


def _raw_columns(names: tuple[str, ...], *, typed: bool, source_uri: str) -> str:
    """SQL select list of exactly raw_schema() from c0..cN, the fields of one format in header order.

    Known fields take their column (cast with try_cast when the input is still text), fields the format
    lacks are typed nulls, and fields flowpipe does not know go into the extra_fields map (a "-" there
    is kept as a null value: the format has the field, this record has no value for it).
    """
    positions = {column_name(name): index for index, name in enumerate(names)}
    selected = []
    for column, sql_type in _SQL_TYPE_BY_COLUMN.items():
        index = positions.get(column)
        if index is None:
            selected.append(f'NULL::{sql_type} AS "{column}"')
        elif typed or sql_type == "VARCHAR":
            selected.append(f'c{index} AS "{column}"')
        else:
            selected.append(f'try_cast(c{index} AS {sql_type}) AS "{column}"')
    extras = [(column, index) for column, index in positions.items() if not is_known_column(column)]
    if extras:
        keys = ", ".join(f"'{column}'" for column, _ in extras)
        values = ", ".join(f"c{index}" for _, index in extras)
        selected.append(f"MAP([{keys}], [{values}]) AS {EXTRA_FIELDS_COLUMN}")
    else:
        selected.append(f"NULL::MAP(VARCHAR, VARCHAR) AS {EXTRA_FIELDS_COLUMN}")
    selected.append(source_uri)
    return ", ".join(selected)


def _slow_file(names: tuple[str, ...], path: str, uri: str) -> _Part:
    """Read one whole file in Python (gzip) and parse it through the split path, with exact line numbers."""
    with gzip.open(path, "rb") as stream:
        data = stream.read()
    raw_lines = data.split(b"\n")[1:]  # the header is line 1
    if raw_lines and raw_lines[-1] == b"":
        raw_lines.pop()
    try:
        lines = data.decode("utf-8").split("\n")[1 : len(raw_lines) + 1]
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
    """DuckDB's cast of split text (the same cast its CSV reader applies): a value that fails is a reject."""
    reasons = []
    for index, name in enumerate(names):
        sql_type, column = _sql_type(name), column_name(name)
        if sql_type != "VARCHAR":
            failed = f"c{index} IS NOT NULL AND try_cast(c{index} AS {sql_type}) IS NULL"
            reasons.append(f"CASE WHEN {failed} THEN '{column}: not a {sql_type.lower()}: ' || c{index} END")
    reason = f"nullif(concat_ws('; ', {', '.join(reasons)}), '')" if reasons else "NULL::VARCHAR"
    selected = _raw_columns(names, typed=False, source_uri=f"$uri::VARCHAR AS {SOURCE_URI_COLUMN}")
    query = f"SELECT {selected}, _line_number, _line, {reason} AS _reason FROM raw"
    with _connect() as con:
        con.register("raw", raw)
        table = con.sql(query, params={"uri": uri}).to_arrow_table()
    bad = pc.is_valid(table["_reason"])
    rejected = table.filter(bad)
    rejects = pa.table(
        {
            SOURCE_URI_COLUMN: rejected[SOURCE_URI_COLUMN],
            "line_number": rejected["_line_number"],
            "reason": rejected["_reason"],
            "line": rejected["_line"],
        },
        schema=REJECTS_SCHEMA,
    )
    return table.filter(pc.invert(bad)).drop_columns(["_line_number", "_line", "_reason"]), rejects


def _connect() -> duckdb.DuckDBPyConnection:
    """A fresh in-memory connection: DuckDB's reject tables are per connection and would pile up."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    return con


def _sql_type(name: str) -> str:
    """DuckDB type of a header field: the known field's integer type, else text (unknown fields too)."""
    return _SQL_TYPE_BY_COLUMN.get(column_name(name), "VARCHAR")


def _reject_row(uri: str, line_number: int, reason: str, line: str) -> dict:
    return {SOURCE_URI_COLUMN: uri, "line_number": line_number, "reason": reason, "line": line}


def _concat(tables: list[pa.Table], schema: pa.Schema) -> pa.Table:
    """One table in `schema`; the cast also gives DuckDB's Arrow types the schema's exact field names."""
    if not tables:
        return schema.empty_table()
    return pa.concat_tables([table.cast(schema) for table in tables])


def _combine_parts(parts: list[_Part]) -> _Part:
    return _concat([records for records, _ in parts], _RAW_SCHEMA), _concat(
        [rejects for _, rejects in parts], REJECTS_SCHEMA
    )


def _combine(parts: list[_Part], failures: list[ObjectFailure]) -> ParseResult:
    records, rejects = _combine_parts(parts)
    return ParseResult(records, rejects, failures)
