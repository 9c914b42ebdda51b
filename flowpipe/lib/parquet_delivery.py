"""Read AWS's Parquet flow log deliveries into exactly the raw_flow_logs schema.

AWS writes one Parquet file (Gzip inside) per delivery, its columns named as in Athena's DDL (the field
names in snake_case) and typed INT_32, INT_64 or STRING. Columns are matched through
`flow_fields.column_name`, so a hyphenated name reads the same; a column this table does not know goes
to the `extra_fields` map as text, as in text deliveries. A file is typed already, so there are no line
rejects: a file that cannot be read or cast (corrupt footer, a text value in a number column) fails as a
whole and the rest of the batch still lands.
"""

import logging
from collections.abc import Mapping

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from flowpipe.lib.flow_fields import (
    EXTRA_FIELDS_COLUMN,
    SOURCE_URI_COLUMN,
    column_name,
    raw_schema,
    source_uri_column,
)
from flowpipe.lib.flow_parser import REJECTS_SCHEMA, ObjectFailure, ParseResult

logger = logging.getLogger(__name__)

# ArrowInvalid (bad footer, failed cast) is a ValueError; a truncated file can surface as OSError.
_READ_ERRORS = (pa.ArrowException, OSError, ValueError)
_NOT_APPLICABLE = "-"  # AWS's "not applicable"; null in the lake whatever the delivery format


def parse_parquet_files(sources: Mapping[str, str]) -> ParseResult:
    """Read local Parquet deliveries, `{local path: object uri}`; an unreadable file fails alone."""
    tables: list[pa.Table] = []
    failures: list[ObjectFailure] = []
    for path, uri in sources.items():
        try:
            tables.append(read_parquet_delivery(path, uri))
        except _READ_ERRORS as error:
            logger.info("cannot read Parquet delivery %s: %s", uri, error)
            failures.append(ObjectFailure(uri, f"{type(error).__name__}: {error}"))
    records = pa.concat_tables(tables) if tables else raw_schema().empty_table()
    return ParseResult(records, REJECTS_SCHEMA.empty_table(), failures)


def read_parquet_delivery(path: str, source_uri: str) -> pa.Table:
    """One delivery as raw_schema() rows; fields the file lacks are null."""
    # ParquetFile reads the file alone: no Hive partition columns are inferred from its path.
    table = pq.ParquetFile(path).read()
    columns: dict[str, pa.ChunkedArray] = {}
    for name, values in zip(table.column_names, table.columns, strict=True):
        column = column_name(name)
        if column in columns:
            raise ValueError(f"column {column!r} appears twice in {source_uri}")
        columns[column] = values
    schema = raw_schema()
    arrays = []
    for item in schema:
        if item.name == EXTRA_FIELDS_COLUMN:
            known = set(schema.names)
            extras = {column: values for column, values in columns.items() if column not in known}
            arrays.append(_extra_fields(extras, table.num_rows, item.type))
        elif item.name == SOURCE_URI_COLUMN:
            arrays.append(source_uri_column(source_uri, table.num_rows))
        elif item.name in columns:
            arrays.append(_typed(columns[item.name], item.type))
        else:
            arrays.append(pa.nulls(table.num_rows, item.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def _typed(values: pa.ChunkedArray, arrow_type: pa.DataType) -> pa.ChunkedArray:
    """A safe cast (overflow or a non-number raises); "-" in text is null, as in text deliveries."""
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        values = pc.if_else(pc.equal(values, _NOT_APPLICABLE), pa.scalar(None, values.type), values)
    return values.cast(arrow_type)


def _text(values: pa.ChunkedArray) -> pa.Array:
    text = values.combine_chunks().cast(pa.string())
    return pc.if_else(pc.equal(text, _NOT_APPLICABLE), pa.scalar(None, pa.string()), text)


def _extra_fields(extras: dict[str, pa.ChunkedArray], rows: int, map_type: pa.DataType) -> pa.Array:
    """{column: value as text} per row, only the columns with a value; null when the row has none."""
    if not extras:
        return pa.nulls(rows, map_type)
    names = list(extras)
    stacked = pa.concat_arrays([_text(values) for values in extras.values()])  # column after column
    row_major = (np.arange(len(names))[None, :] * rows + np.arange(rows)[:, None]).ravel()
    items = stacked.take(pa.array(row_major))
    present = np.asarray(items.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    keys = pa.array(np.tile(np.array(names, dtype=object), rows)[present], pa.string())
    counts = present.reshape(rows, len(names)).sum(axis=1)
    offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]), pa.int32())
    return pa.MapArray.from_arrays(
        offsets, keys, items.filter(pa.array(present)), type=map_type, mask=pa.array(counts == 0)
    )
