"""Registering table definitions in the Glue Data Catalog (moto's): created once, then updated in place."""

import boto3

from flowpipe.lib.athena_ddl import (
    PARQUET,
    PARQUET_SERDE,
    TEXT_SERDE,
    Column,
    TableDefinition,
    date_projection,
    projected,
)
from flowpipe.lib.athena_flow_logs import FlowLogDelivery, flow_log_table_definition
from flowpipe.lib.athena_glue import CREATED, UPDATED, register, table_input
from flowpipe.lib.flow_fields import DEFAULT_FORMAT


def _daily(first_date: str, columns: tuple[Column, ...]) -> TableDefinition:
    return TableDefinition(
        name="daily_top_talkers",
        columns=columns,
        partition_keys=(Column("date", "string"),),
        location="s3://bucket/lake/daily_top_talkers/",
        storage=PARQUET,
        properties=projected(
            "s3://bucket/lake/daily_top_talkers/date=${date}/",
            date_projection("date", "yyyy-MM-dd", first_date, "NOW"),
        ),
    )


def test_registering_creates_the_database_and_the_table_as_defined(aws):
    table = _daily("2026-03-14", (Column("rank", "bigint"), Column("client_name", "string")))
    assert register([table], "flowpipe") == {"daily_top_talkers": CREATED}
    glue = boto3.client("glue")
    assert glue.get_database(Name="flowpipe")["Database"]["Name"] == "flowpipe"
    stored = glue.get_table(DatabaseName="flowpipe", Name="daily_top_talkers")["Table"]
    assert stored["TableType"] == "EXTERNAL_TABLE"
    assert stored["StorageDescriptor"]["Columns"] == [
        {"Name": "rank", "Type": "bigint"},
        {"Name": "client_name", "Type": "string"},
    ]
    assert stored["StorageDescriptor"]["Location"] == "s3://bucket/lake/daily_top_talkers/"
    assert stored["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"] == PARQUET_SERDE
    assert stored["PartitionKeys"] == [{"Name": "date", "Type": "string"}]
    assert stored["Parameters"] == {"EXTERNAL": "TRUE", **table.properties}


def test_registering_again_updates_the_table_in_place(aws):
    register([_daily("2026-03-14", (Column("rank", "bigint"),))], "flowpipe")
    changed = _daily("2026-01-01", (Column("rank", "bigint"), Column("flows", "bigint")))
    assert register([changed], "flowpipe") == {"daily_top_talkers": UPDATED}
    glue = boto3.client("glue")
    tables = glue.get_tables(DatabaseName="flowpipe")["TableList"]
    assert [table["Name"] for table in tables] == ["daily_top_talkers"]
    (stored,) = tables
    assert [column["Name"] for column in stored["StorageDescriptor"]["Columns"]] == ["rank", "flows"]
    assert stored["Parameters"]["projection.date.range"] == "2026-01-01,NOW"


def test_aws_text_logs_are_registered_with_the_space_delimited_serde():
    table = flow_log_table_definition("vpc_flow_logs", DEFAULT_FORMAT, FlowLogDelivery("s3://logs"))
    stored = table_input(table)
    serde = stored["StorageDescriptor"]["SerdeInfo"]
    assert serde["SerializationLibrary"] == TEXT_SERDE
    assert serde["Parameters"]["field.delim"] == " "
    assert stored["StorageDescriptor"]["InputFormat"] == "org.apache.hadoop.mapred.TextInputFormat"
    assert stored["Parameters"]["skip.header.line.count"] == "1"
