"""The SQL model assets: one per dbt_like_sql/ file (and a daily twin per rollup), wired and run on a lake."""

import re

import dagster as dg
import pyarrow as pa
import pytest

from flowpipe.definitions import defs
from flowpipe.defs.transform.sql_models import _earlier_windows, sql_model_assets
from flowpipe.lib.lake import Lake
from flowpipe.lib.resources import LakeResource, SqlEngineResource
from flowpipe.lib.sql_models import SQL_ROOT, discover_models
from flowpipe.partitions import date_partitions, window_partitions
from flowpipe_tests.dbt_like_sql.conftest import START, endpoint, record, write_window
from flowpipe_tests.defs.transform.conftest import DAY, DAY_KEY, NIGHT, NIGHT_KEY, NIGHT_START, range_tags

WEB = endpoint("10.0.1.10", "ec2:instance", "web", "i-web", "eni-web", "a")
DB = endpoint("10.0.1.20", "rds:db", "orders-db", "orders-db", "eni-db", "a")
DATE_GRAIN = re.compile(r"config\(.*grain\s*=\s*'date'")


def _sql_files() -> dict[str, str]:
    """stem -> layer folder of every model file."""
    return {
        path.stem: layer
        for layer in ("staging", "intermediate", "marts")
        for path in (SQL_ROOT / layer).glob("*.sql")
    }


@pytest.fixture(scope="module")
def assets() -> dict[str, dg.AssetsDefinition]:
    return {asset.key.to_user_string(): asset for asset in sql_model_assets().assets}


def test_each_sql_file_is_one_asset_partitioned_by_its_grain(assets):
    files = _sql_files()
    date_only = {
        stem for stem in files if DATE_GRAIN.search((SQL_ROOT / files[stem] / f"{stem}.sql").read_text())
    }
    daily_twins = {name.removeprefix("daily_") for name in assets if name.startswith("daily_")}
    assert set(assets) == set(files) | {f"daily_{stem}" for stem in daily_twins}
    assert daily_twins <= {stem for stem, layer in files.items() if layer == "marts"} - date_only
    assert "top_talkers" in daily_twins and "conversations" not in daily_twins  # it reads sources
    for name, asset in assets.items():
        by_date = name in date_only or name.startswith("daily_")
        assert asset.partitions_def == (date_partitions if by_date else window_partitions), name
        assert asset.group_names_by_key[asset.key] == ("daily" if by_date else "transform"), name


def test_views_and_tables_have_their_kinds_and_daily_twins_read_whole_dates(assets):
    files = _sql_files()
    for name, asset in assets.items():
        is_table = files.get(name.removeprefix("daily_")) == "marts"
        assert asset.specs_by_key[asset.key].kinds == ({"duckdb", "parquet"} if is_table else {"duckdb"}), (
            name
        )
    [dep] = assets["daily_top_talkers"].specs_by_key[dg.AssetKey("daily_top_talkers")].deps
    assert dep.asset_key == dg.AssetKey("int_conversations_accepted")
    assert isinstance(dep.partition_mapping, dg.TimeWindowPartitionMapping)


@pytest.mark.parametrize("engine", ["duckdb", "spark"])
def test_sql_assets_show_the_engine_that_runs_them_as_their_kind(engine, monkeypatch):
    monkeypatch.setenv("FLOWPIPE_ENGINE", engine)
    graph = defs().resolve_asset_graph()
    for name in ("conversations", "daily_top_talkers", "int_flows_oriented"):
        assert engine in graph.get(dg.AssetKey(name)).kinds
    assert graph.get(dg.AssetKey("conversations")).kinds == {engine, "parquet"}


def test_lineage_follows_the_sql_refs():
    graph = defs().resolve_asset_graph()
    parents = {key.to_user_string() for key in graph.get(dg.AssetKey("conversations")).parent_keys}
    assert parents == {"int_flows_oriented", "stg_lake__endpoints"}
    assert {k.to_user_string() for k in graph.get(dg.AssetKey("stg_lake__raw_flow_logs")).parent_keys} == {
        "raw_flow_logs"
    }


def test_a_window_run_builds_tables_per_window_and_the_daily_twin_sums_both_windows(assets, lake):
    for partition, start, sent in ((DAY, START, 1_000), (NIGHT, NIGHT_START, 300)):
        records = [
            record("eni-web", WEB["ip"], DB["ip"], 40000, 5432, sent, start=start, end=start + 60),
            record("eni-web", DB["ip"], WEB["ip"], 5432, 40000, 9 * sent, start=start, end=start + 60),
        ]
        write_window(lake, partition, records, [WEB, DB])
    resources = {"lake": LakeResource(root=lake.root), "sql": SqlEngineResource()}

    windows = dg.materialize(
        [assets[name] for name in ("stg_lake__raw_flow_logs", "conversations", "top_talkers")],
        resources=resources,
        tags=range_tags(DAY_KEY, NIGHT_KEY),
    )
    daily = dg.materialize([assets["daily_top_talkers"]], resources=resources, partition_key="2026-03-14")

    view = windows.asset_materializations_for_node("stg_lake__raw_flow_logs")[0].metadata
    assert view["columns"].value["bytes"] == "BIGINT"
    assert not lake.partition_files("stg_lake__raw_flow_logs", NIGHT)
    rows = windows.asset_materializations_for_node("top_talkers")[0].metadata["row_count"].value
    assert rows == 2  # one pair in each window
    for partition, total in ((DAY, 10_000), (NIGHT, 3_000)):
        assert lake.read_partition("top_talkers", partition).column("bytes").to_pylist() == [total]
    assert daily.asset_materializations_for_node("daily_top_talkers")[0].metadata["row_count"].value == 1
    top = lake.read_partition("daily_top_talkers", {"date": "2026-03-14"}).to_pylist()
    assert [(row["client_name"], row["server_name"], row["bytes"]) for row in top] == [
        ("web", "orders-db", 13_000)
    ]


def test_earlier_windows_are_only_those_the_lake_holds_within_the_lookback(tmp_path):
    lake = Lake(str(tmp_path / "lake"))
    models = discover_models(SQL_ROOT)
    for day in ("2026-03-13", "2026-03-07", "2026-03-06"):
        for window in ("day", "night"):
            lake.write_table("conversations", {"date": day, "window": window}, pa.table({"bytes": [1]}))
    windows = _earlier_windows(lake, models, "new_talkers", "2026-03-14")
    assert sorted({w["date"] for w in windows}) == ["2026-03-07", "2026-03-13"]  # 03-06 is 8 days back
