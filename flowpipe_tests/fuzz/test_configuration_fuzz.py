"""Any value in flowpipe's settings and in the AWS retry settings, any partition key: read, or refused with
a ValueError that names what was wrong, never another exception."""

import json
import os
import random
import string
import subprocess
import sys

import boto3
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from flowpipe.lib import aws_session
from flowpipe.lib.inventory import take_inventory
from flowpipe.lib.lake import Lake
from flowpipe.lib.settings import Settings
from flowpipe.partitions import date_partitions, dates_in, window_partitions, windows_in
from flowpipe_tests.lib.test_settings import VARIABLES

FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
# An environment variable holds any text but NUL.
_VALUES = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40
)


@FUZZ
@given(values=st.fixed_dictionaries({}, optional={name: _VALUES for name in VARIABLES}))
@example(values={"FLOWPIPE_SPARK_CONF": "no-equals-sign", "FLOWPIPE_ENGINE": "trino"})
def test_any_settings_are_read_or_refused_naming_the_variable(values: dict[str, str]) -> None:
    saved = {name: os.environ.pop(name, None) for name in VARIABLES}
    os.environ.update(values)
    try:
        settings_read = Settings.from_environment()
    except ValueError as error:
        assert any(name in str(error) for name in values)
        return
    finally:
        for name, value in saved.items():
            os.environ.pop(name, None)
            if value is not None:
                os.environ[name] = value
    assert settings_read.regions and all(
        region == region.strip() and region for region in settings_read.regions
    )
    assert all(arn == arn.strip() and arn for arn in settings_read.role_arns)


@FUZZ
@given(region=_VALUES.filter(bool))
@example(region="us-east-1")
@example(region="../../etc")
def test_any_region_makes_a_client_or_is_a_value_error(region: str) -> None:
    try:
        client = aws_session.client(boto3.Session(), "ec2", region)
    except ValueError as error:  # botocore's InvalidRegionError is one
        assert region in str(error)
        return
    assert client.meta.region_name


@FUZZ
@given(mode=st.one_of(_VALUES, st.sampled_from(["standard", "adaptive", "legacy"])), attempts=_VALUES)
@example(mode="adaptive", attempts="3")
@example(mode="", attempts="")
@example(mode="standard", attempts="²")
def test_any_retry_setting_is_used_or_refused_naming_it(mode: str, attempts: str) -> None:
    saved = {name: os.environ.pop(name, None) for name in ("AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS")}
    os.environ.update({"AWS_RETRY_MODE": mode, "AWS_MAX_ATTEMPTS": attempts})
    try:
        retries = aws_session.client(boto3.Session(region_name="us-east-1"), "s3").meta.config.retries
    except ValueError as error:
        assert "AWS_RETRY_MODE" in str(error) or "AWS_MAX_ATTEMPTS" in str(error)
        return
    finally:
        for name, value in saved.items():
            os.environ.pop(name, None)
            if value is not None:
                os.environ[name] = value
    assert retries["mode"] == (mode or "standard")
    assert retries["total_max_attempts"] == (int(attempts) if attempts else aws_session.DEFAULT_RETRIES + 1)


def test_the_default_retry_policy_is_standard_with_ten_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_RETRY_MODE", raising=False)
    monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    client = aws_session.client(boto3.Session(region_name="us-east-1"), "logs")
    assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": 11}


@pytest.mark.parametrize("entry", ["not-an-arn", "arn:aws:iam::role", "123456789012"])
def test_a_role_arns_entry_that_is_not_an_arn_is_a_clear_error_or_a_row(aws, entry: str) -> None:
    good = "arn:aws:iam::111111111111:role/flowpipe-reader"
    try:
        inventory = take_inventory(["us-east-1"], [entry, good])
    except ValueError as error:
        assert "FLOWPIPE_ROLE_ARNS" in str(error) or entry in str(error)
        return
    assert entry in str(inventory.errors.to_pylist())
    assert "111111111111" in set(inventory.tables["inventory_vpcs"]["account_id"].to_pylist()) | {
        row["account_id"] for row in inventory.errors.to_pylist() if row["api"] != "sts:AssumeRole"
    }


_KEYS = st.one_of(
    _VALUES,
    st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%d-%H:%M")),
    st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%d-06:00")),
    st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%d")),
).filter(lambda key: not key.startswith("9999-12-31"))  # Dagster overflows computing that window's end


@FUZZ
@given(key=_KEYS)
@example(key="2026-03-14-18:00")
@example(key="../../2026-03-14-06:00")
def test_any_partition_key_is_one_window_of_the_lake_or_not_a_key(key: str, tmp_path_factory) -> None:
    lake = Lake(str(tmp_path_factory.mktemp("lake", numbered=True)))
    if window_partitions.has_partition_key(key):
        (window,) = windows_in(window_partitions.time_window_for_partition_key(key))
        assert window.start.strftime("%Y-%m-%d-%H:%M") == key
        assert lake.partition_path("raw_flow_logs", window.partition).startswith(
            lake.table_path("raw_flow_logs")
        )
    if date_partitions.has_partition_key(key):
        assert dates_in(date_partitions.time_window_for_partition_key(key)) == [key]


_SETTING_VALUES = [
    "",
    " ",
    "Europe/Berlin",
    "Mars/Olympus",
    "../../etc/passwd",
    "/etc/localtime",
    "a" * 300,
    "2024-02-29",
    "2026-13-01",
    "0001-01-01",
    "yesterday",
    " 2025-01-01",
]


def test_a_bad_timezone_or_start_date_is_a_value_error_naming_the_variable() -> None:
    """partitions.py reads both when Dagster loads the definitions: each value in a fresh import."""
    rng = random.Random(9)
    noise = [
        "".join(rng.choice(string.printable.strip()) for _ in range(rng.randint(1, 30))) for _ in range(20)
    ]
    values = _SETTING_VALUES + noise
    outcomes = json.loads(
        subprocess.run(
            [sys.executable, "-c", _PROBE, json.dumps(values)], capture_output=True, text=True, check=True
        ).stdout
    )
    wrong = [
        outcome
        for outcome in outcomes
        if outcome["error"] not in (None, "ValueError") or not outcome["named"]
    ]
    assert wrong == []


# Imports flowpipe.partitions once per value of each variable (reload), and tells how each one went.
_PROBE = """
import importlib, json, os, sys
import flowpipe.partitions as partitions
outcomes = []
for variable in ("FLOWPIPE_TIMEZONE", "FLOWPIPE_START_DATE"):
    for value in json.loads(sys.argv[1]):
        os.environ[variable] = value
        try:
            importlib.reload(partitions)
            outcomes.append({"variable": variable, "value": value, "error": None, "named": True})
        except Exception as error:
            outcomes.append({"variable": variable, "value": value, "error": type(error).__name__,
                             "named": variable in str(error)})
        del os.environ[variable]
print(json.dumps(outcomes))
"""
