"""The model runner's structure: discovery, ref() resolution, layers, cycles and dialect rendering."""

import graphlib
from pathlib import Path

import pytest

from flowpipe.lib.sql_models import (
    SQL_ROOT,
    discover_models,
    execution_order,
    lake_inputs,
    render,
    upstream_views,
)


def _write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_every_project_model_resolves_its_refs_in_a_valid_order():
    models = discover_models(SQL_ROOT)
    order = execution_order(models)
    for name, model in models.items():
        assert model.description.startswith("grain:"), f"{name} must state its grain on its first line"
        for ref in model.refs:
            if ref in models:
                assert order.index(ref) < order.index(name)
    assert {m.layer for m in models.values()} == {"staging", "intermediate", "marts"}


def test_only_staging_models_read_lake_sources():
    for model in discover_models(SQL_ROOT).values():
        assert bool(model.sources) == (model.layer == "staging"), model.name


def test_a_ref_to_an_unknown_model_is_refused(tmp_path):
    _write(tmp_path, "marts/report.sql", "select * from {{ ref('missing') }}")
    with pytest.raises(ValueError, match="unknown model"):
        discover_models(tmp_path)


def test_a_cycle_is_refused(tmp_path):
    _write(tmp_path, "intermediate/int_a.sql", "select * from {{ ref('int_b') }}")
    _write(tmp_path, "intermediate/int_b.sql", "select * from {{ ref('int_a') }}")
    with pytest.raises(graphlib.CycleError):
        discover_models(tmp_path)


def test_a_model_named_against_its_layer_is_refused(tmp_path):
    _write(tmp_path, "staging/raw.sql", "select 1")
    with pytest.raises(ValueError, match="stg_"):
        discover_models(tmp_path)


def test_views_are_inlined_and_tables_read_from_the_lake():
    models = discover_models(SQL_ROOT)
    assert upstream_views(models, "top_talkers") == ["int_conversations_accepted"]
    sources, tables = lake_inputs(models, "conversations")
    assert sources == {"raw_flow_logs", "endpoints", "address_book"}
    assert tables == set()
    assert lake_inputs(models, "top_talkers") == (set(), {"conversations"})


@pytest.mark.parametrize(
    ("dialect", "quoted", "masked"),
    [
        ("duckdb", '"end"', "(records.tcp_flags & 18)"),
        ("spark", "`end`", "(records.tcp_flags & 18)"),
        ("trino", '"end"', "bitwise_and(records.tcp_flags, 18)"),
    ],
)
def test_engine_differences_come_from_the_dialect_macros(dialect, quoted, masked):
    models = discover_models(SQL_ROOT)
    assert f"{quoted} as end_time" in render(models["stg_lake__raw_flow_logs"], dialect=dialect)
    assert masked in render(models["int_flows_deduplicated"], dialect=dialect)


def test_var_without_value_or_default_is_an_error(tmp_path):
    _write(tmp_path, "marts/ranked.sql", "select {{ var('top_n') }} as n")
    model = discover_models(tmp_path)["ranked"]
    assert render(model, {"top_n": 5}).strip() == "select 5 as n"
    with pytest.raises(KeyError, match="top_n"):
        render(model)
