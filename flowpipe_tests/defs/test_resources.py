"""resources(): the FLOWPIPE_* settings bound to flowpipe's resources, Spark's session when asked for, the
external id by name only, and a clear error for a value that cannot be used."""

import os
from pathlib import Path

import dagster as dg
import pytest
from dagster_pyspark import LazyPySparkResource

from flowpipe.defs.resources import resources
from flowpipe.lib.lake import Lake
from flowpipe.lib.simulated.moto_server import patched_environment
from flowpipe.lib.sql_engine import SqlEngine


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No FLOWPIPE_* variable and no AWS region from the machine running the tests."""
    for name in [name for name in os.environ if name.startswith("FLOWPIPE_")]:
        monkeypatch.delenv(name)
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))


def test_the_settings_are_bound_to_the_flow_log_source_the_lake_and_aws(tmp_path):
    environment = {
        "FLOWPIPE_FLOW_LOGS": str(tmp_path / "logs"),
        "FLOWPIPE_LOG_FORMAT": "${version} ${srcaddr} ${dstaddr}",
        "FLOWPIPE_LAKE": str(tmp_path / "lake"),
        "FLOWPIPE_REGIONS": "eu-west-1, us-east-1",
        "FLOWPIPE_ROLE_ARNS": "arn:aws:iam::111111111111:role/reader",
        "FLOWPIPE_IP_RANGES": str(tmp_path / "ip-ranges.json"),
    }
    with patched_environment(environment):
        bound = resources().resources
    assert sorted(bound) == ["aws", "flow_log_source", "lake", "sql"]
    source = bound["flow_log_source"]
    assert (source.location, source.log_format) == (
        str(tmp_path / "logs"),
        "${version} ${srcaddr} ${dstaddr}",
    )
    assert bound["lake"].get().root == str(tmp_path / "lake")
    aws = bound["aws"]
    assert aws.regions == ["eu-west-1", "us-east-1"]
    assert aws.role_arns == ["arn:aws:iam::111111111111:role/reader"]
    assert aws.ip_ranges == str(tmp_path / "ip-ranges.json")
    assert aws.external_id is None


def test_the_external_id_is_bound_by_its_variables_name_and_read_when_the_resource_starts(tmp_path):
    with patched_environment({"FLOWPIPE_LAKE": str(tmp_path), "FLOWPIPE_EXTERNAL_ID": "ext-7f3a91"}):
        aws = resources().resources["aws"]
        started = aws.process_config_and_initialize()
    assert isinstance(aws.external_id, dg.EnvVar) and aws.external_id == "FLOWPIPE_EXTERNAL_ID"
    assert "ext-7f3a91" not in repr(aws)
    assert started.external_id == "ext-7f3a91"


def test_flowpipe_engine_spark_binds_a_lazy_pyspark_session_from_the_settings(tmp_path):
    environment = {
        "FLOWPIPE_ENGINE": "spark",
        "FLOWPIPE_SPARK_MASTER": "local[3]",
        "FLOWPIPE_SPARK_CONF": "spark.executor.memory=3g; spark.jars.packages=a:b:1,c:d:2\n"
        "spark.sql.shuffle.partitions=7",
        "FLOWPIPE_SPARK_S3_SCHEME": "s3",
        "FLOWPIPE_LAKE": str(tmp_path),
    }
    with patched_environment(environment):
        sql = resources().resources["sql"]
    assert sql.engine_name == "spark"
    assert isinstance(sql.spark, LazyPySparkResource)
    config = sql.spark.spark_config
    assert config["spark.master"] == "local[3]"
    assert config["spark.jars.packages"] == "a:b:1,c:d:2" and config["spark.executor.memory"] == "3g"
    assert config["spark.sql.shuffle.partitions"] == "7"  # FLOWPIPE_SPARK_CONF wins over the defaults
    assert sql.spark_s3_scheme == "s3"
    assert config["spark.ui.enabled"] == "false" and config["spark.sql.session.timeZone"] == "UTC"


def test_duckdb_stays_the_default_engine(tmp_path):
    with patched_environment({"FLOWPIPE_LAKE": str(tmp_path), "FLOWPIPE_ENGINE": ""}):
        sql = resources().resources["sql"]
    assert sql.engine_name == "duckdb"
    assert isinstance(sql.engine(Lake(str(tmp_path))), SqlEngine)


def test_an_engine_flowpipe_does_not_have_stops_the_definitions_naming_the_variable_and_value(tmp_path):
    refused = pytest.raises(ValueError, match=r"FLOWPIPE_ENGINE='trino': expected one of duckdb, spark")
    with patched_environment({"FLOWPIPE_LAKE": str(tmp_path), "FLOWPIPE_ENGINE": "trino"}), refused:
        resources()
