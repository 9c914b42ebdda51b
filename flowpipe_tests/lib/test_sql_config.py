"""The SQL assets' run configuration: its defaults, the var() names the models read, and Dagster's check
of a run's values."""

import re

import dagster as dg
import pytest

from flowpipe.lib.sql_config import SqlModelConfig
from flowpipe.lib.sql_models import SQL_ROOT

# set per date by the date assets, never by run configuration
PER_PARTITION_VARS = {"partition_date"}
_VAR = re.compile(r"""var\(\s*['"](\w+)['"]\s*(,)?""")


@dg.asset
def configured(config: SqlModelConfig) -> dict:
    return config.model_dump()


def _materialized_config(values: dict) -> dict:
    result = dg.materialize([configured], run_config={"ops": {"configured": {"config": values}}})
    return result.output_for_node("configured")


def test_the_defaults_are_aws_list_prices_and_a_hundred_ranked_rows() -> None:
    assert SqlModelConfig().model_dump() == {
        "top_n": 100,
        "cross_az_usd_per_gb": 0.01,
        "nat_gateway_usd_per_gb": 0.045,
        "internet_egress_usd_per_gb": 0.09,
        "vpc_endpoint_usd_per_gb": 0.01,
    }


def test_every_var_a_model_reads_is_set_here_without_a_default_in_the_sql() -> None:
    calls = [match for path in SQL_ROOT.rglob("*.sql") for match in _VAR.findall(path.read_text())]
    assert calls, "the models read no var(): the pattern no longer finds them"
    assert {name for name, _ in calls} - PER_PARTITION_VARS == set(SqlModelConfig.model_fields)
    assert [name for name, default in calls if default] == []


def test_every_setting_is_described_for_the_ui() -> None:
    assert [name for name, field in SqlModelConfig.model_fields.items() if not field.description] == []


def test_a_runs_values_replace_the_defaults_they_name_only() -> None:
    assert _materialized_config({"top_n": 5, "nat_gateway_usd_per_gb": 0.048}) == {
        "top_n": 5,
        "cross_az_usd_per_gb": 0.01,
        "nat_gateway_usd_per_gb": 0.048,
        "internet_egress_usd_per_gb": 0.09,
        "vpc_endpoint_usd_per_gb": 0.01,
    }


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"top_n": "many"}, 'config:top_n. Value "many"'),
        ({"top_n": 2.5}, 'config:top_n. Value "2.5"'),
        ({"egress_usd_per_gb": 0.09}, 'unexpected config entry "egress_usd_per_gb"'),
    ],
    ids=["not-a-number", "not-an-integer", "unknown-setting"],
)
def test_a_run_with_a_wrong_value_or_an_unknown_setting_is_refused_before_it_starts(
    values: dict, problem: str
) -> None:
    with pytest.raises(dg.DagsterInvalidConfigError, match=re.escape(problem)):
        _materialized_config(values)
