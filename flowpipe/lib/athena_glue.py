"""Registers table definitions in the Glue Data Catalog, where Athena finds them.

The same definitions as the printed DDL; a table that exists is updated in place, so registering again
after a schema change or a backfill of earlier dates is safe and leaves one current definition.
"""

import logging
from collections.abc import Iterable

import boto3
from botocore.client import BaseClient

from flowpipe.lib.athena_ddl import TableDefinition, athena_name
from flowpipe.lib.aws_session import client

logger = logging.getLogger(__name__)

CREATED = "created"
UPDATED = "updated"


def table_input(table: TableDefinition) -> dict:
    """The Glue TableInput Athena itself would store for the table's CREATE EXTERNAL TABLE."""
    return {
        "Name": table.name,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"EXTERNAL": "TRUE", **table.properties},
        "PartitionKeys": [{"Name": key.name, "Type": key.type} for key in table.partition_keys],
        "StorageDescriptor": {
            "Columns": [{"Name": column.name, "Type": column.type} for column in table.columns],
            "Location": table.location,
            "InputFormat": table.storage.input_format,
            "OutputFormat": table.storage.output_format,
            "SerdeInfo": {
                "SerializationLibrary": table.storage.serde,
                "Parameters": dict(table.storage.serde_parameters),
            },
        },
    }


def register(
    tables: Iterable[TableDefinition], database: str, glue: BaseClient | None = None
) -> dict[str, str]:
    """Creates the database if needed and each table, or updates it; returns {table: created|updated}."""
    glue = glue or client(boto3.Session(), "glue")
    try:
        glue.create_database(DatabaseInput={"Name": athena_name(database, "database name")})
        logger.info("created Glue database %s", database)
    except glue.exceptions.AlreadyExistsException:
        logger.info("Glue database %s exists", database)
    outcome = {}
    for table in tables:
        request = {"DatabaseName": database, "TableInput": table_input(table)}
        try:
            glue.create_table(**request)
            outcome[table.name] = CREATED
        except glue.exceptions.AlreadyExistsException:
            glue.update_table(**request)
            outcome[table.name] = UPDATED
        logger.info("%s Glue table %s.%s", outcome[table.name], database, table.name)
    return outcome
