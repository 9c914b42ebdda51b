"""The VPC flow log fields AWS documents, with the column name and type flowpipe stores them as.

Column names are AWS's field names in snake_case; types follow AWS's Athena DDL (protocol is bigint
there although the Parquet delivery uses INT_32). A field AWS adds later and this table does not know
is kept, by its name, in the `extra_fields` map of the record rather than failing the parse; the
schema of the lake table stays the same whatever formats a window mixes.
"""

from dataclasses import dataclass

import numpy as np
import pyarrow as pa


@dataclass(frozen=True)
class FlowField:
    name: str  # as AWS writes it in a log format and a file's header line: "log-status"
    version: int
    arrow_type: pa.DataType

    @property
    def column(self) -> str:
        return column_name(self.name)


def _strings(version: int, *names: str) -> list[FlowField]:
    return [FlowField(name, version, pa.string()) for name in names]


FIELDS: tuple[FlowField, ...] = (
    FlowField("version", 2, pa.int32()),
    *_strings(2, "account-id", "interface-id", "srcaddr", "dstaddr"),
    FlowField("srcport", 2, pa.int32()),
    FlowField("dstport", 2, pa.int32()),
    FlowField("protocol", 2, pa.int64()),
    FlowField("packets", 2, pa.int64()),
    FlowField("bytes", 2, pa.int64()),
    FlowField("start", 2, pa.int64()),
    FlowField("end", 2, pa.int64()),
    *_strings(2, "action", "log-status"),
    *_strings(3, "vpc-id", "subnet-id", "instance-id"),
    FlowField("tcp-flags", 3, pa.int32()),
    *_strings(3, "type", "pkt-srcaddr", "pkt-dstaddr"),
    *_strings(4, "region", "az-id", "sublocation-type", "sublocation-id"),
    *_strings(5, "pkt-src-aws-service", "pkt-dst-aws-service", "flow-direction"),
    FlowField("traffic-path", 5, pa.int32()),
    *_strings(
        7,
        "ecs-cluster-arn",
        "ecs-cluster-name",
        "ecs-container-instance-arn",
        "ecs-container-instance-id",
        "ecs-container-id",
        "ecs-second-container-id",
        "ecs-service-name",
        "ecs-task-definition-arn",
        "ecs-task-arn",
        "ecs-task-id",
    ),
    *_strings(8, "reject-reason"),
    FlowField("encryption-status", 8, pa.int32()),
)

FIELDS_BY_NAME: dict[str, FlowField] = {field.name: field for field in FIELDS}

DEFAULT_FORMAT: tuple[str, ...] = (
    "version",
    "account-id",
    "interface-id",
    "srcaddr",
    "dstaddr",
    "srcport",
    "dstport",
    "protocol",
    "packets",
    "bytes",
    "start",
    "end",
    "action",
    "log-status",
)

# Lineage column added to every raw record: the object or log stream it was read from.
SOURCE_URI_COLUMN = "source_uri"
# Header fields this table does not know yet: {column name: value as written}, null when none.
EXTRA_FIELDS_COLUMN = "extra_fields"


def column_name(field_name: str) -> str:
    """AWS field name (or `${field}` token) -> lake column name: "${log-status}" -> "log_status"."""
    return field_name.strip().removeprefix("${").removesuffix("}").replace("-", "_").lower()


def parse_log_format(log_format: str) -> tuple[str, ...]:
    """The field names of a flow log's LogFormat string: "${version} ${srcaddr}" -> ("version", "srcaddr")."""
    names = tuple(token.removeprefix("${").removesuffix("}") for token in log_format.split())
    if not names:
        raise ValueError("empty flow log format")
    return names


def raw_schema() -> pa.Schema:
    """The raw_flow_logs schema: every known field, the unknown ones as a map, then lineage."""
    known = [pa.field(field.column, field.arrow_type) for field in FIELDS]
    return pa.schema(
        [
            *known,
            pa.field(EXTRA_FIELDS_COLUMN, pa.map_(pa.string(), pa.string())),
            # one object's records share one URI: dictionary-encoded, in memory and in the Parquet files
            pa.field(SOURCE_URI_COLUMN, pa.dictionary(pa.int32(), pa.string())),
        ]
    )


def source_uri_column(uri: str, rows: int) -> pa.ChunkedArray:
    """`rows` times one URI, dictionary-encoded: 4 bytes a row, not a copy of a ~150-byte string each."""
    indices = pa.array(np.zeros(rows, np.int32))
    return pa.chunked_array([pa.DictionaryArray.from_arrays(indices, pa.array([uri], pa.string()))])


def is_known_column(column: str) -> bool:
    return column in _KNOWN


_KNOWN = frozenset(field.column for field in FIELDS)
