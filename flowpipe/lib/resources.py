"""Dagster resources of flowpipe: where flow logs come from, where the lake is, how AWS and SQL are reached.

The classes only hold configuration and hand out the plain objects that `flowpipe.lib` works with;
`flowpipe/defs/resources.py` binds them to the environment.
"""

from typing import Literal

import dagster as dg
from pydantic import Field

from flowpipe.lib.cloudwatch_source import CloudWatchFlowLogSource
from flowpipe.lib.flow_sources import FlowLogSource, open_flow_log_source
from flowpipe.lib.lake import Lake
from flowpipe.lib.settings import AWS_IP_RANGES_URL, DEFAULT_SPARK_S3_SCHEME
from flowpipe.lib.sql_engine import DEFAULT_MEMORY_LIMIT, DuckDBSettings, ModelEngine, SqlEngine
from flowpipe.lib.sql_models import SQL_ROOT


class FlowLogSourceResource(dg.ConfigurableResource):
    """The flow log delivery: s3://bucket/prefix above AWSLogs/, a local folder in the same layout, or a
    CloudWatch Logs group (logs:GROUP), whose records have no header: their format is the flow log's
    LogFormat, else `log_format`, else AWS's default."""

    location: str = Field(description="s3://bucket/prefix (above AWSLogs/), a local folder, or logs:GROUP")
    log_format: str | None = Field(
        default=None, description="for logs:GROUP when describe_flow_logs can't say"
    )

    def open(self) -> FlowLogSource | CloudWatchFlowLogSource:
        if not self.location.strip():
            raise ValueError(
                "FLOWPIPE_FLOW_LOGS is not set: give s3://bucket/prefix (above AWSLogs/), a local folder"
                " or logs:LOG_GROUP"
            )
        return open_flow_log_source(self.location, log_format=self.log_format)


class LakeResource(dg.ConfigurableResource):
    """The lake's root: a local folder (default ./lake) or s3://bucket/prefix."""

    root: str = "./lake"

    def get(self) -> Lake:
        return Lake(self.root)


class AwsInventoryResource(dg.ConfigurableResource):
    """Which accounts and regions the inventory reads, and where AWS's published ranges come from."""

    regions: list[str] = Field(default_factory=list, description="empty: the current AWS region")
    role_arns: list[str] = Field(default_factory=list, description="empty: the current credentials")
    external_id: str | None = None
    ip_ranges: str = AWS_IP_RANGES_URL


class SqlEngineResource(dg.ConfigurableResource):
    """The engine of the SQL models. DuckDB (default) over the lake's Parquet: memory is capped and
    spills to disk beyond the cap. Spark SQL (FLOWPIPE_ENGINE=spark) on the session of the nested `spark`
    resource, dagster-pyspark's LazyPySparkResource: Spark starts when a model first needs it, not for
    every step of a run. Both read and write the same lake, with the same Parquet schemas."""

    engine_name: Literal["duckdb", "spark"] = Field(default="duckdb", description="duckdb or spark")
    memory_limit: str = Field(default=DEFAULT_MEMORY_LIMIT, description="DuckDB only")
    threads: int | None = Field(default=None, description="DuckDB only")
    temp_directory: str | None = Field(default=None, description="DuckDB only: where it spills")
    spark: dg.ConfigurableResource | None = Field(
        default=None,
        description="Spark only: a dagster-pyspark resource (PySparkResource or LazyPySparkResource)",
    )
    spark_s3_scheme: str = Field(
        default=DEFAULT_SPARK_S3_SCHEME, description="Spark only: how Spark names the lake's s3:// paths"
    )

    def engine(self, lake: Lake) -> ModelEngine:
        if self.engine_name == "spark":
            return self._spark_engine(lake)
        settings = DuckDBSettings(self.memory_limit, self.threads, self.temp_directory)
        return SqlEngine(lake, SQL_ROOT, settings)

    def _spark_engine(self, lake: Lake) -> ModelEngine:
        # pyspark is the optional `spark` extra: imported only when Spark is the engine
        from flowpipe.lib.spark_engine import SparkEngine, use_this_python_for_local_workers

        if self.spark is None:
            raise ValueError("engine_name is spark but no `spark` resource (dagster-pyspark) is configured")
        if str(getattr(self.spark, "spark_config", {}).get("spark.master", "")).startswith("local"):
            use_this_python_for_local_workers()
        return SparkEngine(lake, SQL_ROOT, self.spark.spark_session, self.spark_s3_scheme)
