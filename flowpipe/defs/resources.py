"""Binds flowpipe's resources to the settings in the environment, for the UI, schedules and the CLI alike."""

import dagster as dg

from flowpipe.lib.resources import (
    AwsInventoryResource,
    FlowLogSourceResource,
    LakeResource,
    SqlEngineResource,
)
from flowpipe.lib.settings import Settings


def _sql_engine(settings: Settings) -> SqlEngineResource:
    """DuckDB by default; FLOWPIPE_ENGINE=spark runs the same models on Spark SQL (the `spark` extra)."""
    if settings.engine != "spark":
        return SqlEngineResource()
    from dagster_pyspark import LazyPySparkResource

    return SqlEngineResource(
        engine_name="spark",
        spark=LazyPySparkResource(spark_config=settings.spark_config),
        spark_s3_scheme=settings.spark_s3_scheme,
    )


@dg.definitions
def resources() -> dg.Definitions:
    settings = Settings.from_environment()
    return dg.Definitions(
        resources={
            "flow_log_source": FlowLogSourceResource(
                location=settings.flow_logs, log_format=settings.log_format
            ),
            "lake": LakeResource(root=settings.lake),
            "aws": AwsInventoryResource(
                regions=settings.regions,
                role_arns=settings.role_arns,
                # bound by name, so the value never lands in Dagster's run storage or the UI
                external_id=dg.EnvVar("FLOWPIPE_EXTERNAL_ID") if settings.external_id else None,
                ip_ranges=settings.ip_ranges,
            ),
            "sql": _sql_engine(settings),
        }
    )
