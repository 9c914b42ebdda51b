"""Athena types for Arrow types, table definitions' checks, and the CREATE statements' text."""

import pyarrow as pa
import pytest

from flowpipe.lib.athena_ddl import (
    PARQUET,
    SPACE_DELIMITED_TEXT,
    Column,
    TableDefinition,
    UnsupportedTypeError,
    columns_of,
    create_database_statement,
    create_table_statement,
    date_projection,
    enum_projection,
    hive_type,
    projected,
)


@pytest.mark.parametrize(
    ("arrow_type", "athena_type"),
    [
        (pa.bool_(), "boolean"),
        (pa.int8(), "tinyint"),
        (pa.int16(), "smallint"),
        (pa.int32(), "int"),
        (pa.int64(), "bigint"),
        (pa.float32(), "float"),
        (pa.float64(), "double"),
        (pa.string(), "string"),
        (pa.large_string(), "string"),
        (pa.dictionary(pa.int32(), pa.string()), "string"),
        (pa.binary(), "binary"),
        (pa.date32(), "date"),
        (pa.timestamp("us", tz="UTC"), "timestamp"),
        (pa.timestamp("ms"), "timestamp"),
        (pa.decimal128(38, 0), "decimal(38,0)"),
        (pa.decimal128(12, 2), "decimal(12,2)"),
        (pa.list_(pa.string()), "array<string>"),
        (pa.large_list(pa.int64()), "array<bigint>"),
        (pa.map_(pa.string(), pa.string()), "map<string,string>"),
        (pa.struct([("port", pa.int32()), ("name", pa.string())]), "struct<port:int,name:string>"),
        (pa.list_(pa.struct([("ip", pa.string())])), "array<struct<ip:string>>"),
    ],
)
def test_arrow_types_read_as_their_athena_types(arrow_type, athena_type):
    assert hive_type(arrow_type) == athena_type


@pytest.mark.parametrize(
    "arrow_type",
    [pa.uint32(), pa.null(), pa.time64("us"), pa.duration("s"), pa.decimal256(50, 0)],
)
def test_types_athena_cannot_read_are_refused(arrow_type):
    with pytest.raises(UnsupportedTypeError):
        hive_type(arrow_type)


def test_an_unreadable_column_is_named_with_its_table():
    schema = pa.schema([("ok", pa.string()), ("nothing", pa.null())])
    with pytest.raises(UnsupportedTypeError, match=r"top_talkers\.nothing: Arrow type null"):
        columns_of(schema, "top_talkers")


def _definition(**overrides) -> TableDefinition:
    values = {
        "name": "top_talkers",
        "columns": (Column("rank", "bigint"), Column("end", "bigint"), Column("tags", "map<string,string>")),
        "partition_keys": (Column("date", "string"), Column("window", "string")),
        "location": "s3://bucket/lake/top_talkers",
        "storage": PARQUET,
        "properties": projected(
            "s3://bucket/lake/top_talkers/date=${date}/window=${window}/",
            date_projection("date", "yyyy-MM-dd", "2026-03-14", "NOW"),
            enum_projection("window", ["day", "night"]),
        ),
    }
    return TableDefinition(**{**values, **overrides})


def test_a_location_gets_the_trailing_slash_athena_wants():
    assert _definition().location == "s3://bucket/lake/top_talkers/"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": "Top-Talkers"}, "table name 'Top-Talkers' is not an Athena name"),
        ({"columns": (Column("Rank", "bigint"),)}, "column name in top_talkers 'Rank'"),
        ({"columns": (Column("date", "string"),)}, "date named twice among its columns and partition keys"),
        ({"location": "/home/me/lake/top_talkers"}, "is not an s3://bucket/prefix location"),
        ({"location": "s3://"}, "is not an s3://bucket/prefix location"),
    ],
)
def test_definitions_athena_would_reject_are_refused(overrides, message):
    with pytest.raises(ValueError, match=message):
        _definition(**overrides)


def test_the_statement_backquotes_every_identifier_and_lists_the_projection():
    statement = create_table_statement(_definition(), "flowpipe")
    assert statement.splitlines()[0] == "CREATE EXTERNAL TABLE IF NOT EXISTS `flowpipe`.`top_talkers` ("
    assert "  `end` bigint,\n  `tags` map<string,string>\n)" in statement
    assert "PARTITIONED BY (`date` string, `window` string)" in statement
    assert f"{PARQUET.row_format}\nLOCATION 's3://bucket/lake/top_talkers/'\nTBLPROPERTIES (" in statement
    assert "  'projection.window.values'='day,night',\n" in statement
    assert statement.endswith(
        "  'storage.location.template'='s3://bucket/lake/top_talkers/date=${date}/window=${window}/'\n);"
    )


def test_text_tables_split_on_spaces_and_read_a_dash_as_null():
    statement = create_table_statement(_definition(storage=SPACE_DELIMITED_TEXT), "flowpipe")
    assert "ROW FORMAT DELIMITED\nFIELDS TERMINATED BY ' '\nNULL DEFINED AS '-'\nLOCATION" in statement
    assert SPACE_DELIMITED_TEXT.serde_parameters["field.delim"] == " "
    assert SPACE_DELIMITED_TEXT.serde_parameters["serialization.null.format"] == "-"


def test_notes_become_comment_lines_above_the_statement():
    statement = create_table_statement(_definition(notes=("columns from s3://x/y.parquet",)), "flowpipe")
    assert statement.startswith("-- columns from s3://x/y.parquet\nCREATE EXTERNAL TABLE")


def test_a_value_that_would_end_its_literal_is_refused():
    with pytest.raises(ValueError, match="cannot be a DDL string literal"):
        create_table_statement(_definition(properties={"comment": "it's"}), "flowpipe")


def test_the_database_statement_is_idempotent_and_checked():
    assert create_database_statement("flowpipe") == "CREATE DATABASE IF NOT EXISTS `flowpipe`;"
    with pytest.raises(ValueError, match="database name"):
        create_database_statement("flow-pipe")


def test_the_statement_is_hive_ddl_that_a_sql_parser_reads_back():
    sqlglot = pytest.importorskip("sqlglot")
    definition = _definition(
        columns=(
            Column("end", "bigint"),
            Column("extra_fields", "map<string,string>"),
            Column("seen", "timestamp"),
            Column("amount", "decimal(38,0)"),
            Column("ports", "array<struct<port:int,name:string>>"),
        ),
        notes=("a note",),
    )
    (parsed,) = sqlglot.parse(create_table_statement(definition, "flowpipe"), read="athena")
    assert isinstance(parsed, sqlglot.exp.Create) and parsed.kind == "TABLE"
    table = parsed.this.this
    assert (table.db, table.name) == ("flowpipe", "top_talkers")
    assert [column.name for column in parsed.this.expressions] == [c.name for c in definition.columns]
    properties = {type(item).__name__: item for item in parsed.args["properties"].expressions}
    assert "ExternalProperty" in properties
    assert properties["LocationProperty"].this.this == "s3://bucket/lake/top_talkers/"
    keys = properties["PartitionedByProperty"].this.expressions
    assert [key.name for key in keys] == ["date", "window"]
    table_properties = {
        item.this.this: item.args["value"].this
        for item in parsed.args["properties"].expressions
        if type(item).__name__ == "Property"
    }
    assert table_properties == dict(definition.properties)
