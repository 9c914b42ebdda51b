"""One Dagster asset per SQL model in dbt_like_sql/: views are checked, tables are built into the lake.

Adding a `.sql` file adds an asset; no Python changes. Lineage follows `ref()` and `source()`. A rollup
of conversations also gets a daily asset (`daily_<model>`, group `daily`): the same SQL over the date's
two windows; a model with `config(grain='date')` is only daily.
"""

import datetime

import dagster as dg

from flowpipe.lib.lake import Lake
from flowpipe.lib.resources import LakeResource, SqlEngineResource
from flowpipe.lib.settings import Settings
from flowpipe.lib.sql_config import SqlModelConfig
from flowpipe.lib.sql_engine import SqlEngine
from flowpipe.lib.sql_models import (
    DATE_GRAIN,
    SQL_ROOT,
    SqlModel,
    daily_table,
    discover_models,
    has_daily_twin,
    lake_inputs,
)
from flowpipe.lib.windows import DAY, NIGHT
from flowpipe.partitions import date_partitions, dates_in, single_run, window_partitions, windows_in

PREVIEW_ROWS = 10


def _description(model: SqlModel) -> str:
    """The model's grain line, then how it is materialized and from which file."""
    return f"{model.description}\n\n({model.materialized}: {model.path.relative_to(SQL_ROOT.parent)})"


def _result(lake: Lake, table: str, partition: dict[str, str], rows: int) -> dg.MaterializeResult:
    preview = lake.read_partition(table, partition).slice(0, PREVIEW_ROWS).to_pandas()
    return dg.MaterializeResult(
        metadata={
            "row_count": rows,
            "path": lake.uri(lake.partition_path(table, partition)),
            "preview": dg.MetadataValue.md(preview.to_markdown(index=False)),
        }
    )


def _window_asset(model: SqlModel, models: dict[str, SqlModel], engine: str) -> dg.AssetsDefinition:
    @dg.asset(
        name=model.name,
        group_name="transform",
        kinds={engine, "parquet"} if model.is_table else {engine},
        partitions_def=window_partitions,
        deps=[ref for ref in model.refs if ref in models] + list(model.sources),
        description=_description(model),
        backfill_policy=single_run,
    )
    def _asset(
        context: dg.AssetExecutionContext, config: SqlModelConfig, lake: LakeResource, sql: SqlEngineResource
    ) -> dg.MaterializeResult:
        windows = windows_in(context.partition_time_window)
        the_lake = lake.get()
        engine: SqlEngine = sql.engine(the_lake)
        variables = config.model_dump()
        if not model.is_table:
            columns = engine.describe(models, model.name, windows[-1].partition, variables)
            return dg.MaterializeResult(metadata={"columns": dg.MetadataValue.json(dict(columns))})
        rows = sum(engine.build(models, model.name, window.partition, variables) for window in windows)
        return _result(the_lake, model.name, windows[-1].partition, rows)

    return _asset


def _windows_of(date: str) -> list[dict[str, str]]:
    return [{"date": date, "window": window} for window in (DAY, NIGHT)]


def _earlier_windows(lake: Lake, models: dict[str, SqlModel], name: str, date: str) -> list[dict[str, str]]:
    """The windows of up to lookback_days earlier dates whose inputs the lake holds, newest first."""
    _, tables = lake_inputs(models, name)
    day = datetime.date.fromisoformat(date)
    earlier = [
        (day - datetime.timedelta(days=back)).isoformat() for back in range(1, models[name].lookback_days + 1)
    ]
    return [
        window
        for earlier_date in earlier
        for window in _windows_of(earlier_date)
        if all(lake.partition_files(table, window) for table in tables)
    ]


def _date_asset(model: SqlModel, models: dict[str, SqlModel], table: str, engine: str) -> dg.AssetsDefinition:
    window_inputs = [ref for ref in model.refs if ref in models]

    @dg.asset(
        name=table,
        group_name="daily",
        kinds={engine, "parquet"},
        partitions_def=date_partitions,
        deps=[dg.AssetDep(ref, partition_mapping=dg.TimeWindowPartitionMapping()) for ref in window_inputs],
        description=f"{_description(model)}\n\nPer date: its day and night windows together.",
        backfill_policy=single_run,
    )
    def _asset(
        context: dg.AssetExecutionContext, config: SqlModelConfig, lake: LakeResource, sql: SqlEngineResource
    ) -> dg.MaterializeResult:
        the_lake = lake.get()
        engine = sql.engine(the_lake)
        rows, partition = 0, {}
        for date in dates_in(context.partition_time_window):
            partition = {"date": date}
            inputs = _windows_of(date) + _earlier_windows(the_lake, models, model.name, date)
            variables = {**config.model_dump(), "partition_date": date}
            rows += engine.build(models, model.name, partition, variables, inputs=inputs, table=table)
        return _result(the_lake, table, partition, rows)

    return _asset


@dg.definitions
def sql_model_assets() -> dg.Definitions:
    models = discover_models(SQL_ROOT)
    engine = Settings.from_environment().engine  # the UI shows the engine that runs the SQL as the kind
    assets = []
    for model in models.values():
        if model.grain == DATE_GRAIN:
            assets.append(_date_asset(model, models, model.name, engine))
            continue
        assets.append(_window_asset(model, models, engine))
        if has_daily_twin(models, model.name):
            assets.append(_date_asset(model, models, daily_table(model.name), engine))
    return dg.Definitions(assets=assets)
