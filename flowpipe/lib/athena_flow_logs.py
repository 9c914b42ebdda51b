"""Athena tables over AWS's own flow log deliveries in S3, so raw logs can be queried beside the lake.

Columns follow the flow log's format (its fields, in its order: text files are read by position), named
and typed as in AWS's Athena DDL through flow_fields; a field flow_fields does not know is a string.
Partitions are projected over AWS's S3 key layouts:
  default: {destination}/AWSLogs/{account}/vpcflowlogs/{region}/{yyyy}/{MM}/{dd}/[{HH}/]
  Hive:    {destination}/AWSLogs/aws-account-id={account}/aws-service=vpcflowlogs/aws-region={region}/
           year={yyyy}/month={MM}/day={dd}/[hour={HH}/]
The account and region keys are named aws_account_id and aws_region (not AWS's example's accid and
region) so they never clash with the account_id and region fields a format may hold.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from flowpipe.lib.athena_ddl import (
    PARQUET,
    SPACE_DELIMITED_TEXT,
    Column,
    TableDefinition,
    date_projection,
    enum_projection,
    hive_type,
    injected_projection,
    integer_projection,
    projected,
    s3_folder,
)
from flowpipe.lib.flow_fields import FIELDS_BY_NAME, column_name

TEXT = "text"
PARQUET_FILES = "parquet"
FILE_FORMATS = (TEXT, PARQUET_FILES)
DEFAULT_TABLE_NAMES = {TEXT: "vpc_flow_logs", PARQUET_FILES: "vpc_flow_logs_parquet"}
ACCOUNT_KEY = "aws_account_id"
REGION_KEY = "aws_region"
# Without a first date, a year back: projection never lists more than that when a query has no date filter.
DEFAULT_FIRST = "NOW-1YEARS"
_SERVICE = "vpcflowlogs"


@dataclass(frozen=True)
class FlowLogDelivery:
    """Where and how a flow log publishes to S3 (its destination options)."""

    destination: str  # s3://bucket[/prefix], the folder above AWSLogs/
    file_format: str = TEXT
    hive_prefixes: bool = False
    hourly: bool = False
    accounts: tuple[str, ...] = ()  # known account ids: an enum; none: each query names one
    regions: tuple[str, ...] = ()


def flow_log_columns(fields: Sequence[str]) -> tuple[Column, ...]:
    """The format's fields as columns: `log-status` -> log_status string, `srcport` -> srcport int."""
    columns = []
    for name in fields:
        known = FIELDS_BY_NAME.get(name)
        columns.append(Column(column_name(name), hive_type(known.arrow_type) if known else "string"))
    names = [column.name for column in columns]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"the flow log format repeats {', '.join(repeated)}")
    return tuple(columns)


def flow_log_table_definition(
    name: str, fields: Sequence[str], delivery: FlowLogDelivery, first_date: str | None = None
) -> TableDefinition:
    """A projected table over the delivery's objects; first_date (YYYY-MM-DD) bounds the projected dates."""
    if delivery.file_format not in FILE_FORMATS:
        raise ValueError(f"flow log file format {delivery.file_format!r} is not one of {FILE_FORMATS}")
    location = f"{s3_folder(delivery.destination)}AWSLogs/"
    keys = [ACCOUNT_KEY, REGION_KEY]
    projections = [_listed(ACCOUNT_KEY, delivery.accounts), _listed(REGION_KEY, delivery.regions)]
    if delivery.hive_prefixes:
        template = (
            f"{location}aws-account-id=${{{ACCOUNT_KEY}}}/aws-service={_SERVICE}/"
            f"aws-region=${{{REGION_KEY}}}/year=${{year}}/month=${{month}}/day=${{day}}/"
        )
        keys += ["year", "month", "day"]
        projections += [
            date_projection("year", "yyyy", first_date[:4] if first_date else DEFAULT_FIRST, "NOW", "YEARS"),
            integer_projection("month", 1, 12, 2),
            integer_projection("day", 1, 31, 2),
        ]
    else:
        template = f"{location}${{{ACCOUNT_KEY}}}/{_SERVICE}/${{{REGION_KEY}}}/${{day}}/"
        keys.append("day")
        first = first_date.replace("-", "/") if first_date else DEFAULT_FIRST
        projections.append(date_projection("day", "yyyy/MM/dd", first, "NOW"))
    if delivery.hourly:
        template += "hour=${hour}/" if delivery.hive_prefixes else "${hour}/"
        keys.append("hour")
        projections.append(integer_projection("hour", 0, 23, 2))
    text = delivery.file_format == TEXT
    header = {"skip.header.line.count": "1"} if text else {}
    return TableDefinition(
        name=name,
        columns=flow_log_columns(fields),
        partition_keys=tuple(Column(key, "string") for key in keys),
        location=location,
        storage=SPACE_DELIMITED_TEXT if text else PARQUET,
        properties={**header, **projected(template, *projections)},
        notes=(
            f"AWS's {delivery.file_format} flow log deliveries under {location}"
            + (" (Hive-compatible prefixes)" if delivery.hive_prefixes else "")
            + (", hourly partitions" if delivery.hourly else ""),
            f"fields: {' '.join(fields)}",
        ),
    )


def _listed(key: str, values: Sequence[str]) -> dict[str, str]:
    return enum_projection(key, values) if values else injected_projection(key)
