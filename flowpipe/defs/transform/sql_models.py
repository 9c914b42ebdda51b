"""One Dagster asset per SQL model in dbt_like_sql/: views are checked, tables are built into the lake.

Adding a `.sql` file adds an asset; no Python changes. Lineage follows `ref()` and `source()`.
"""

import dagster as dg
from pydantic import Field

from flowpipe.lib.resources import SQL_ROOT, LakeResource, SqlEngineResource
from flowpipe.lib.sql_models import SqlModel, discover_models
from flowpipe.partitions import single_run, window_partitions, windows_in

PREVIEW_ROWS = 10


class SqlModelConfig(dg.Config):
    """Values the models read with var(): ranking and the data-transfer price table (USD per GB)."""

    top_n: int = Field(default=100, description="rows kept in ranked rollups such as top_talkers")
    cross_az_usd_per_gb: float = Field(
        default=0.01, description="cross-AZ data transfer, charged in each direction (AWS list price)"
    )
    nat_gateway_usd_per_gb: float = Field(default=0.045, description="NAT gateway data processing")
    internet_egress_usd_per_gb: float = Field(default=0.09, description="data transfer out to the internet")


def _deps(model: SqlModel, models: dict[str, SqlModel]) -> list[str]:
    return [ref for ref in model.refs if ref in models] + list(model.sources)


def _description(model: SqlModel) -> str:
    """The model's grain line, then how it is materialized and from which file."""
    return f"{model.description}\n\n({model.materialized}: {model.path.relative_to(SQL_ROOT.parent)})"


def _model_asset(model: SqlModel, models: dict[str, SqlModel]) -> dg.AssetsDefinition:
    @dg.asset(
        name=model.name,
        group_name="transform",
        kinds={"duckdb", "parquet"} if model.is_table else {"duckdb"},
        partitions_def=window_partitions,
        deps=_deps(model, models),
        description=_description(model),
        backfill_policy=single_run,
    )
    def _asset(
        context: dg.AssetExecutionContext, config: SqlModelConfig, lake: LakeResource, sql: SqlEngineResource
    ) -> dg.MaterializeResult:
        windows = windows_in(context.partition_time_window)
        the_lake = lake.get()
        engine = sql.engine(the_lake)
        variables = config.model_dump()
        if not model.is_table:
            columns = engine.describe(models, model.name, windows[-1].partition, variables)
            return dg.MaterializeResult(metadata={"columns": dg.MetadataValue.json(dict(columns))})
        rows = sum(engine.build(models, model.name, window.partition, variables) for window in windows)
        window = windows[-1]
        preview = the_lake.read_partition(model.name, window.partition).slice(0, PREVIEW_ROWS).to_pandas()
        return dg.MaterializeResult(
            metadata={
                "row_count": rows,
                "path": the_lake.uri(the_lake.partition_path(model.name, window.partition)),
                "preview": dg.MetadataValue.md(preview.to_markdown(index=False)),
            }
        )

    return _asset


@dg.definitions
def sql_model_assets() -> dg.Definitions:
    models = discover_models(SQL_ROOT)
    return dg.Definitions(assets=[_model_asset(model, models) for model in models.values()])
