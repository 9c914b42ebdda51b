"""Field helpers shared by the inventory flatteners: AWS tag lists and lists as flat lake columns, and
the text columns of the tables they fill."""

import json
from typing import Any

import pyarrow as pa


def string_columns(*names: str) -> list[tuple[str, pa.DataType]]:
    """(name, string) for each name: most inventory columns are text."""
    return [(name, pa.string()) for name in names]


def tags(tag_list: list[dict] | None) -> dict[str, str]:
    """AWS's [{"Key": k, "Value": v}] (any key case, as ECS writes key/value) as a dict."""
    return {tag.get("Key", tag.get("key")): tag.get("Value", tag.get("value", "")) for tag in tag_list or []}


def tags_json(tag_list: list[dict] | None) -> str:
    return json.dumps(tags(tag_list), sort_keys=True)


def name_tag(tag_list: list[dict] | None) -> str | None:
    return tags(tag_list).get("Name")


def joined(values: Any) -> str | None:
    """Lists become sorted, comma-joined strings (None when empty), as the lake tables keep them flat."""
    values = sorted(str(value) for value in values or [] if value)
    return ",".join(values) if values else None
