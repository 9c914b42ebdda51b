"""AWS tag lists and lists of ids as the flat text columns of the inventory tables."""

import json

import pyarrow as pa
import pytest

from flowpipe.lib.inventory_fields import joined, name_tag, string_columns, tags, tags_json

# EC2's TagSet / Tags as describe_* calls return them, and ECS's describe_tasks tags (lower-case keys)
EC2_TAGS = [{"Key": "team", "Value": "web"}, {"Key": "Name", "Value": "web-1"}]
ECS_TAGS = [{"key": "team", "value": "web"}, {"key": "Name", "value": "web-1"}]


@pytest.mark.parametrize("tag_list", [EC2_TAGS, ECS_TAGS], ids=["ec2", "ecs"])
def test_tags_of_either_key_case_become_one_dict_and_one_json_text(tag_list: list[dict]) -> None:
    assert tags(tag_list) == {"team": "web", "Name": "web-1"}
    assert tags_json(tag_list) == '{"Name": "web-1", "team": "web"}'
    assert name_tag(tag_list) == "web-1"


def test_a_missing_or_empty_tag_list_has_no_tags_and_no_name() -> None:
    for tag_list in (None, []):
        assert (tags(tag_list), tags_json(tag_list), name_tag(tag_list)) == ({}, "{}", None)


def test_a_tag_without_a_value_keeps_its_key_with_an_empty_value() -> None:
    tag_list = [{"Key": "scratch"}, {"Key": "name", "Value": "lower"}]
    assert json.loads(tags_json(tag_list)) == {"scratch": "", "name": "lower"}
    assert name_tag(tag_list) is None  # tag keys are case-sensitive: only "Name" names a resource


@pytest.mark.parametrize(
    ("values", "flat"),
    [
        (["sg-0b", "sg-0a", "sg-0c"], "sg-0a,sg-0b,sg-0c"),
        ((zone for zone in ["us-east-1b", None, "", "us-east-1a"]), "us-east-1a,us-east-1b"),
        ([443, 80], "443,80"),
        ([], None),
        (None, None),
        ([None, ""], None),
    ],
    ids=["sorted", "empties-dropped", "numbers-sorted-as-text", "empty", "none", "only-empties"],
)
def test_joined_sorts_values_as_text_and_is_null_when_nothing_is_left(values, flat: str | None) -> None:
    assert joined(values) == flat


def test_string_columns_are_named_text_columns_in_order() -> None:
    assert string_columns("vpc_id", "cidr") == [("vpc_id", pa.string()), ("cidr", pa.string())]
    assert string_columns() == []
