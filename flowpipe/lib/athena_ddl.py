"""Athena table definitions and their DDL: Arrow types as Athena (Hive DDL) types, partition projection
properties, and the `CREATE EXTERNAL TABLE` text.

A definition is plain data; athena_lake builds them from the lake's Parquet files, athena_flow_logs from
a flow log's format, and athena_glue registers the same definitions in the Glue Data Catalog, so the
printed DDL and the catalog always agree. Partition keys are projected (no MSCK REPAIR, no crawler):
Athena computes the partitions from the table properties instead of listing S3.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pyarrow as pa

PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
PARQUET_INPUT_FORMAT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
PARQUET_OUTPUT_FORMAT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
TEXT_SERDE = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
TEXT_INPUT_FORMAT = "org.apache.hadoop.mapred.TextInputFormat"
TEXT_OUTPUT_FORMAT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
# Athena accepts only lowercase letters, digits and underscores in database, table and column names.
_ATHENA_NAME = re.compile(r"^[a-z0-9_]{1,255}$")
_MAX_DECIMAL_PRECISION = 38
_SIMPLE_TYPES: tuple[tuple[object, str], ...] = (
    (pa.types.is_boolean, "boolean"),
    (pa.types.is_int8, "tinyint"),
    (pa.types.is_int16, "smallint"),
    (pa.types.is_int32, "int"),
    (pa.types.is_int64, "bigint"),
    (pa.types.is_float16, "float"),
    (pa.types.is_float32, "float"),
    (pa.types.is_float64, "double"),
    (pa.types.is_string, "string"),
    (pa.types.is_large_string, "string"),
    (pa.types.is_string_view, "string"),
    (pa.types.is_binary, "binary"),
    (pa.types.is_large_binary, "binary"),
    (pa.types.is_binary_view, "binary"),
    (pa.types.is_fixed_size_binary, "binary"),
    (pa.types.is_date, "date"),
    (pa.types.is_timestamp, "timestamp"),
)


class UnsupportedTypeError(ValueError):
    """An Arrow type Athena cannot read from Parquet (unsigned integers, time of day, all-null ...)."""


@dataclass(frozen=True)
class Storage:
    """How the files are read: the SerDe and formats Glue stores, and the DDL clause that says the same."""

    serde: str
    serde_parameters: Mapping[str, str]
    input_format: str
    output_format: str
    row_format: str


PARQUET = Storage(
    serde=PARQUET_SERDE,
    serde_parameters={"serialization.format": "1"},
    input_format=PARQUET_INPUT_FORMAT,
    output_format=PARQUET_OUTPUT_FORMAT,
    row_format=(
        f"ROW FORMAT SERDE '{PARQUET_SERDE}'\n"
        f"STORED AS INPUTFORMAT '{PARQUET_INPUT_FORMAT}'\n"
        f"OUTPUTFORMAT '{PARQUET_OUTPUT_FORMAT}'"
    ),
)
# AWS's text deliveries: one record a line, fields separated by one space, "-" where a field does not
# apply (read as NULL, as the lake stores it; AWS's own DDL leaves "-" in string columns).
SPACE_DELIMITED_TEXT = Storage(
    serde=TEXT_SERDE,
    serde_parameters={"field.delim": " ", "serialization.format": " ", "serialization.null.format": "-"},
    input_format=TEXT_INPUT_FORMAT,
    output_format=TEXT_OUTPUT_FORMAT,
    row_format="ROW FORMAT DELIMITED\nFIELDS TERMINATED BY ' '\nNULL DEFINED AS '-'",
)


@dataclass(frozen=True)
class Column:
    name: str
    type: str


@dataclass(frozen=True)
class TableDefinition:
    """One external table: what CREATE EXTERNAL TABLE says and what Glue stores (properties = Parameters)."""

    name: str
    columns: tuple[Column, ...]
    partition_keys: tuple[Column, ...]
    location: str
    storage: Storage
    properties: Mapping[str, str]
    notes: tuple[str, ...] = field(default=())  # printed as SQL comments above the statement

    def __post_init__(self) -> None:
        athena_name(self.name, "table name")
        names = [column.name for column in (*self.columns, *self.partition_keys)]
        for name in names:
            athena_name(name, f"column name in {self.name}")
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(
                f"{self.name}: {', '.join(repeated)} named twice among its columns and partition keys"
            )
        object.__setattr__(self, "location", s3_folder(self.location))  # frozen: normalised once, here


def athena_name(name: str, what: str) -> str:
    if not _ATHENA_NAME.match(name):
        raise ValueError(f"{what} {name!r} is not an Athena name (lowercase letters, digits, underscores)")
    return name


def s3_folder(uri: str) -> str:
    """An s3:// folder as Athena wants a LOCATION: with a trailing slash, no quotes."""
    if not uri.startswith("s3://") or len(uri.rstrip("/")) <= len("s3://") or "'" in uri:
        raise ValueError(f"{uri!r} is not an s3://bucket/prefix location")
    return uri.rstrip("/") + "/"


def hive_type(arrow_type: pa.DataType) -> str:
    """The Athena DDL type that reads a Parquet column written from this Arrow type."""
    if pa.types.is_dictionary(arrow_type):
        return hive_type(arrow_type.value_type)
    for matches, name in _SIMPLE_TYPES:
        if matches(arrow_type):
            return name
    if pa.types.is_decimal(arrow_type) and arrow_type.precision <= _MAX_DECIMAL_PRECISION:
        return f"decimal({arrow_type.precision},{arrow_type.scale})"
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        return f"array<{hive_type(arrow_type.value_type)}>"
    if pa.types.is_fixed_size_list(arrow_type):
        return f"array<{hive_type(arrow_type.value_type)}>"
    if pa.types.is_map(arrow_type):
        return f"map<{hive_type(arrow_type.key_type)},{hive_type(arrow_type.item_type)}>"
    if pa.types.is_struct(arrow_type):
        fields = [f"{athena_name(item.name, 'struct field')}:{hive_type(item.type)}" for item in arrow_type]
        return f"struct<{','.join(fields)}>"
    raise UnsupportedTypeError(f"Arrow type {arrow_type} has no Athena type")


def columns_of(schema: pa.Schema, table: str) -> tuple[Column, ...]:
    """The schema's columns typed for Athena; an unreadable type names its table and column."""
    columns = []
    for item in schema:
        try:
            columns.append(Column(item.name, hive_type(item.type)))
        except UnsupportedTypeError as error:
            raise UnsupportedTypeError(f"{table}.{item.name}: {error}; cast it in what writes it") from None
    return tuple(columns)


def date_projection(
    column: str, date_format: str, first: str, last: str, unit: str = "DAYS"
) -> dict[str, str]:
    """A `date` projection: first to last (dates in date_format, or NOW[+-N UNITS]), one value a unit."""
    return {
        f"projection.{column}.type": "date",
        f"projection.{column}.format": date_format,
        f"projection.{column}.range": f"{first},{last}",
        f"projection.{column}.interval": "1",
        f"projection.{column}.interval.unit": unit,
    }


def enum_projection(column: str, values: Sequence[str]) -> dict[str, str]:
    return {f"projection.{column}.type": "enum", f"projection.{column}.values": ",".join(values)}


def integer_projection(column: str, low: int, high: int, digits: int) -> dict[str, str]:
    return {
        f"projection.{column}.type": "integer",
        f"projection.{column}.range": f"{low},{high}",
        f"projection.{column}.digits": str(digits),
    }


def injected_projection(column: str) -> dict[str, str]:
    """Values a query must name (one each), for columns with no known list: account ids, regions."""
    return {f"projection.{column}.type": "injected"}


def projected(template: str, *projections: Mapping[str, str]) -> dict[str, str]:
    """The table properties that switch projection on, for the keys' projections and S3 key template."""
    properties = {"projection.enabled": "true"}
    for projection in projections:
        properties.update(projection)
    properties["storage.location.template"] = template
    return properties


def create_database_statement(database: str) -> str:
    return f"CREATE DATABASE IF NOT EXISTS {_quoted(athena_name(database, 'database name'))};"


def create_table_statement(table: TableDefinition, database: str) -> str:
    """CREATE EXTERNAL TABLE IF NOT EXISTS, every identifier backquoted (date, window, end are reserved)."""
    athena_name(database, "database name")
    lines = [f"-- {note}" for note in table.notes]
    lines.append(f"CREATE EXTERNAL TABLE IF NOT EXISTS {_quoted(database)}.{_quoted(table.name)} (")
    lines.append(",\n".join(f"  {_quoted(column.name)} {column.type}" for column in table.columns))
    lines.append(")")
    if table.partition_keys:
        keys = ", ".join(f"{_quoted(key.name)} {key.type}" for key in table.partition_keys)
        lines.append(f"PARTITIONED BY ({keys})")
    lines.append(table.storage.row_format)
    lines.append(f"LOCATION {_literal(table.location)}")
    if table.properties:
        lines.append("TBLPROPERTIES (")
        lines.append(
            ",\n".join(f"  {_literal(key)}={_literal(value)}" for key, value in table.properties.items())
        )
        lines.append(")")
    return "\n".join(lines) + ";"


def _quoted(name: str) -> str:
    return f"`{name}`"


def _literal(value: str) -> str:
    if "'" in value or "\\" in value:
        raise ValueError(f"{value!r} cannot be a DDL string literal")
    return f"'{value}'"
