"""The flow log field table: AWS names to lake columns, the raw schema's types, formats, lineage column."""

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from flowpipe.lib.flow_fields import (
    FIELDS,
    column_name,
    is_known_column,
    parse_log_format,
    raw_schema,
    source_uri_column,
)

# AWS's Athena DDL for flow logs versions 2 to 5 ("Create a table for Amazon VPC flow logs"), in its
# order, grouped by the version that introduced each field (VPC user guide, "Flow log records").
ATHENA_DDL_BY_VERSION = {
    2: "version int, account_id string, interface_id string, srcaddr string, dstaddr string, srcport int, "
    "dstport int, protocol bigint, packets bigint, bytes bigint, start bigint, `end` bigint, action string, "
    "log_status string",
    3: "vpc_id string, subnet_id string, instance_id string, tcp_flags int, type string, pkt_srcaddr string, "
    "pkt_dstaddr string",
    4: "region string, az_id string, sublocation_type string, sublocation_id string",
    5: "pkt_src_aws_service string, pkt_dst_aws_service string, flow_direction string, traffic_path int",
}
HIVE_TO_ARROW = {"int": pa.int32(), "bigint": pa.int64(), "string": pa.string()}


def _ddl_columns(ddl: str) -> list[tuple[str, pa.DataType]]:
    pairs = [item.split() for item in ddl.split(",")]
    return [(name.strip("`"), HIVE_TO_ARROW[kind]) for name, kind in pairs]


@pytest.mark.parametrize(
    ("field_name", "column"),
    [
        ("log-status", "log_status"),
        ("${pkt-src-aws-service}", "pkt_src_aws_service"),
        (" ${Version} ", "version"),
        ("ecs-second-container-id", "ecs_second_container_id"),
        ("end", "end"),
        ("Service-Tier", "service_tier"),
    ],
)
def test_column_name_is_the_aws_field_name_in_snake_case(field_name: str, column: str) -> None:
    assert column_name(field_name) == column


@pytest.mark.parametrize("version", sorted(ATHENA_DDL_BY_VERSION))
def test_each_versions_columns_have_the_types_of_awss_athena_ddl(version: int) -> None:
    schema = raw_schema()
    columns = [column_name(field.name) for field in FIELDS if field.version == version]
    typed = [(column, schema.field(column).type) for column in columns]
    assert typed == _ddl_columns(ATHENA_DDL_BY_VERSION[version])


def test_raw_schema_is_every_field_in_version_order_then_extra_fields_then_source_uri() -> None:
    ddl = [
        name
        for version in sorted(ATHENA_DDL_BY_VERSION)
        for name, _ in _ddl_columns(ATHENA_DDL_BY_VERSION[version])
    ]
    schema = raw_schema()

    assert schema.names[: len(ddl)] == ddl
    assert schema.names[-2:] == ["extra_fields", "source_uri"]
    assert len(schema.names) == len(set(schema.names)) == len(FIELDS) + 2
    assert schema.field("extra_fields").type == pa.map_(pa.string(), pa.string())
    assert schema.field("source_uri").type == pa.dictionary(pa.int32(), pa.string())
    assert is_known_column("reject_reason") and is_known_column("ecs_task_arn")
    assert not is_known_column("extra_fields") and not is_known_column("reject-reason")


def test_source_uri_column_repeats_one_uri_in_the_raw_schemas_type() -> None:
    uri = "s3://flows/AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/03/14/a.log.gz"

    column = source_uri_column(uri, 3)

    assert column.type == raw_schema().field("source_uri").type
    assert column.to_pylist() == [uri, uri, uri]
    assert [chunk.dictionary.to_pylist() for chunk in column.chunks] == [[uri]]
    assert source_uri_column(uri, 0).to_pylist() == []


def test_parse_log_format_reads_the_field_names_of_a_log_format() -> None:
    log_format = "${version}  ${srcaddr}\t${pkt-src-aws-service}\n${flow-direction}"
    assert parse_log_format(log_format) == ("version", "srcaddr", "pkt-src-aws-service", "flow-direction")
    with pytest.raises(ValueError, match="empty flow log format"):
        parse_log_format(" \n ")


@given(
    names=st.lists(st.sampled_from([field.name for field in FIELDS]), min_size=1, max_size=12, unique=True)
)
def test_a_log_format_of_known_fields_reads_back_as_those_fields(names) -> None:
    assert parse_log_format(" ".join(f"${{{name}}}" for name in names)) == tuple(names)
