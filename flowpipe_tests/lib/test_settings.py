"""flowpipe's settings from the FLOWPIPE_* variables: each read, its default when unset or empty, and a
ValueError naming the variable when its value cannot be used."""

import os
import tempfile
from pathlib import Path

import pytest

from flowpipe.lib.settings import DEFAULT_SPARK_MASTER, Settings, parse_spark_conf
from flowpipe.lib.simulated.moto_server import patched_environment

VARIABLES = (
    "FLOWPIPE_FLOW_LOGS",
    "FLOWPIPE_LOG_FORMAT",
    "FLOWPIPE_LAKE",
    "FLOWPIPE_REGIONS",
    "FLOWPIPE_ROLE_ARNS",
    "FLOWPIPE_EXTERNAL_ID",
    "FLOWPIPE_IP_RANGES",
    "FLOWPIPE_ENGINE",
    "FLOWPIPE_SPARK_MASTER",
    "FLOWPIPE_SPARK_CONF",
    "FLOWPIPE_SPARK_S3_SCHEME",
)
PACKAGES = "org.apache.hadoop:hadoop-aws:3.3.4,com.amazonaws:aws-java-sdk-bundle:1.12.262"


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No FLOWPIPE_* variable and no AWS region from the machine running the tests."""
    for name in [name for name in os.environ if name.startswith("FLOWPIPE_")]:
        monkeypatch.delenv(name)
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    return monkeypatch


def _settings(**environment: str) -> Settings:
    with patched_environment(environment):
        return Settings.from_environment()


def test_every_variable_is_read() -> None:
    settings = _settings(
        FLOWPIPE_FLOW_LOGS="s3://flow-logs-bucket/AWSLogs/",
        FLOWPIPE_LOG_FORMAT="${version} ${srcaddr} ${dstaddr}",
        FLOWPIPE_LAKE="s3://flowpipe-lake/prod",
        FLOWPIPE_REGIONS=" eu-west-1, us-east-1 ,,",
        FLOWPIPE_ROLE_ARNS="arn:aws:iam::111111111111:role/reader,arn:aws:iam::222222222222:role/reader",
        FLOWPIPE_EXTERNAL_ID="ext-42",
        FLOWPIPE_IP_RANGES="/srv/ip-ranges.json",
        FLOWPIPE_ENGINE=" Spark ",
        FLOWPIPE_SPARK_MASTER="yarn",
        FLOWPIPE_SPARK_CONF="spark.executor.memory=4g",
        FLOWPIPE_SPARK_S3_SCHEME="s3",
    )
    assert settings == Settings(
        flow_logs="s3://flow-logs-bucket/AWSLogs/",
        log_format="${version} ${srcaddr} ${dstaddr}",
        lake="s3://flowpipe-lake/prod",
        regions=["eu-west-1", "us-east-1"],
        role_arns=["arn:aws:iam::111111111111:role/reader", "arn:aws:iam::222222222222:role/reader"],
        external_id="ext-42",
        ip_ranges="/srv/ip-ranges.json",
        engine="spark",
        spark_master="yarn",
        spark_conf={"spark.executor.memory": "4g"},
        spark_s3_scheme="s3",
    )


@pytest.mark.parametrize("empty", [False, True], ids=["unset", "empty"])
def test_unset_or_empty_variables_take_the_defaults_and_the_aws_region(
    environment: pytest.MonkeyPatch, empty: bool
) -> None:
    environment.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    settings = _settings(**dict.fromkeys(VARIABLES if empty else (), ""))
    assert settings == Settings(
        flow_logs="",
        log_format=None,
        lake="./lake",
        regions=["eu-central-1"],
        role_arns=[],
        external_id=None,
        ip_ranges="https://ip-ranges.amazonaws.com/ip-ranges.json",
        engine="duckdb",
        spark_master="local[*]",
        spark_conf={},
        spark_s3_scheme="s3a",
    )


def test_without_any_region_configured_the_region_is_us_east_1() -> None:
    assert _settings().regions == ["us-east-1"]


def test_spark_conf_entries_are_split_on_semicolons_and_lines_keeping_commas_and_equals_in_values() -> None:
    conf = parse_spark_conf(
        f" spark.jars.packages = {PACKAGES} ;"
        "\n\nspark.driver.extraJavaOptions=-Dlog4j.configuration=file:log4j.properties;;\n"
        "spark.sql.shuffle.partitions=8\n"
    )
    assert conf == {
        "spark.jars.packages": PACKAGES,
        "spark.driver.extraJavaOptions": "-Dlog4j.configuration=file:log4j.properties",
        "spark.sql.shuffle.partitions": "8",
    }


def test_a_spark_conf_entry_without_a_key_is_refused_naming_the_entry() -> None:
    with pytest.raises(ValueError, match=r"FLOWPIPE_SPARK_CONF entry '=4g' is not key=value"):
        _settings(FLOWPIPE_SPARK_CONF="spark.executor.cores=2; =4g")


def test_a_local_master_gets_local_defaults_under_the_spark_conf() -> None:
    config = _settings(
        FLOWPIPE_SPARK_MASTER="local[2]", FLOWPIPE_SPARK_CONF="spark.driver.memory=6g"
    ).spark_config
    assert config["spark.master"] == "local[2]"
    assert config["spark.driver.memory"] == "6g"  # FLOWPIPE_SPARK_CONF wins over the local default
    assert (config["spark.driver.host"], config["spark.ui.enabled"]) == ("127.0.0.1", "false")
    assert config["spark.local.dir"] == str(Path(tempfile.gettempdir()) / "flowpipe-spark")
    assert config["spark.sql.session.timeZone"] == "UTC"


def test_a_cluster_master_gets_no_local_defaults():
    config = _settings(FLOWPIPE_SPARK_MASTER="yarn", FLOWPIPE_SPARK_CONF="").spark_config
    assert config["spark.master"] == "yarn" and "spark.driver.host" not in config
    assert config["spark.sql.session.timeZone"] == "UTC"
    assert _settings(FLOWPIPE_SPARK_MASTER="").spark_master == DEFAULT_SPARK_MASTER


def test_an_unknown_engine_or_a_malformed_spark_conf_is_refused():
    with pytest.raises(ValueError, match="FLOWPIPE_ENGINE"):
        _settings(FLOWPIPE_ENGINE="trino")
    with pytest.raises(ValueError, match="key=value"):
        parse_spark_conf("spark.executor.memory")
