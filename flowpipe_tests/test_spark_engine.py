"""FLOWPIPE_ENGINE=spark: the same models on Spark SQL write the same lake tables as DuckDB, row for row.

The simulated date runs through the Definitions the UI loads, each engine into its own lake: DuckDB
both windows and the date; Spark (a local session, started once for the module) the day window and the
date, its night window's conversations copied from DuckDB's lake (Spark's own are the day's, compared
below). Every mart of the day window, every daily twin and date model must hold the same rows, columns
and Parquet types in both lakes.
"""

from collections.abc import Iterator

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dagster_pyspark import LazyPySparkResource
from pyspark.sql import SparkSession

from flowpipe.lib.lake import Lake
from flowpipe.lib.resources import SqlEngineResource
from flowpipe.lib.settings import Settings
from flowpipe.lib.simulated.moto_server import MotoServer, patched_environment
from flowpipe.lib.spark_engine import SparkEngine, spark_session
from flowpipe.lib.sql_config import SqlModelConfig
from flowpipe.lib.sql_models import DATE_GRAIN, SQL_ROOT, daily_table, discover_models, has_daily_twin, render
from flowpipe_tests.simulated_run import (
    DATE,
    materialize_date,
    materialize_window,
    reset_account,
    simulate_date,
    simulated_environment,
)

WINDOWS = ("day", "night")
MODELS = discover_models(SQL_ROOT)
WINDOW_MARTS = sorted(name for name, model in MODELS.items() if model.is_table and model.grain != DATE_GRAIN)
DATE_TABLES = sorted(
    [daily_table(name) for name in MODELS if has_daily_twin(MODELS, name)]
    + [name for name, model in MODELS.items() if model.grain == DATE_GRAIN]
)
# a few thousand rows: one shuffle partition keeps Spark's per-task overhead out of the module's minutes
TEST_SPARK_CONF = {"spark.master": "local[2]", "spark.sql.shuffle.partitions": "1"}


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    session = spark_session({**Settings.from_environment().spark_config, **TEST_SPARK_CONF})
    yield session
    session.stop()


@pytest.fixture(scope="module")
def lakes(spark, moto_server: MotoServer, tmp_path_factory) -> dict[str, Lake]:
    reset_account(moto_server)
    roots = {engine: tmp_path_factory.mktemp(f"lake-{engine}") for engine in ("duckdb", "spark")}
    with patched_environment(simulated_environment(moto_server, roots["duckdb"])):
        simulate_date()
        results = [materialize_window(window) for window in WINDOWS] + [materialize_date()]
    duckdb_lake, spark_lake = Lake(str(roots["duckdb"])), Lake(str(roots["spark"]))
    environment = {**simulated_environment(moto_server, roots["spark"]), "FLOWPIPE_ENGINE": "spark"}
    with patched_environment(environment):
        results.append(materialize_window("day"))
        night = {"date": DATE.isoformat(), "window": "night"}
        spark_lake.write_table("conversations", night, duckdb_lake.read_partition("conversations", night))
        results.append(materialize_date())
    assert all(result.success for result in results)
    return {"duckdb": duckdb_lake, "spark": spark_lake}


def _assert_same_partition(lakes: dict[str, Lake], table: str, partition: dict[str, str]) -> None:
    files = {engine: lake.partition_files(table, partition) for engine, lake in lakes.items()}
    schemas = {engine: pq.read_schema(found[0]) for engine, found in files.items()}
    assert schemas["spark"].equals(schemas["duckdb"]), (schemas["duckdb"], schemas["spark"])
    rows = {engine: _sorted_rows(lake.read_partition(table, partition)) for engine, lake in lakes.items()}
    assert rows["spark"] == rows["duckdb"]


def _sorted_rows(table: pa.Table) -> list[dict]:
    return table.sort_by([(name, "ascending") for name in table.column_names]).to_pylist()


@pytest.mark.parametrize("table", WINDOW_MARTS)
def test_every_window_mart_is_the_same_on_spark_as_on_duckdb(lakes, table):
    _assert_same_partition(lakes, table, {"date": DATE.isoformat(), "window": "day"})


@pytest.mark.parametrize("table", DATE_TABLES)
def test_every_daily_twin_and_date_model_is_the_same_on_spark_as_on_duckdb(lakes, table):
    _assert_same_partition(lakes, table, {"date": DATE.isoformat()})


def test_the_comparison_covers_every_rollup_with_rows(lakes):
    """Equal empty tables would prove nothing: the simulated date fills the rollups that matter."""
    partition = {"date": DATE.isoformat(), "window": "day"}
    rows = {table: lakes["spark"].read_partition(table, partition).num_rows for table in WINDOW_MARTS}
    filled = {"conversations", "top_talkers", "top_ports", "efs_clients", "egress", "rejected_traffic"}
    assert all(rows[table] > 0 for table in filled), rows
    assert {"conversations", "top_talkers", "cross_az_traffic", "egress"} <= set(WINDOW_MARTS)


@pytest.mark.parametrize(
    ("dialect", "text"), [("duckdb", "varchar"), ("spark", "string"), ("trino", "varchar")]
)
def test_a_cast_to_text_is_written_in_the_dialects_own_type(dialect, text):
    sql = render(MODELS["conversations"], SqlModelConfig().model_dump(), dialect=dialect)
    assert f"cast(aggregated.protocol as {text})" in sql


def test_views_are_described_by_spark_in_its_own_type_names(lakes, spark):
    engine = SparkEngine(lakes["spark"], SQL_ROOT, spark)
    partition = {"date": DATE.isoformat(), "window": "day"}
    columns = dict(engine.describe(MODELS, "int_conversations_accepted", partition, {}))
    assert columns["bytes"] == "bigint" and columns["date"] == "date" and columns["window"] == "string"


def test_the_spark_resource_hands_out_a_spark_engine_on_its_session(spark, tmp_path):
    resource = SqlEngineResource(engine_name="spark", spark=LazyPySparkResource(spark_config=TEST_SPARK_CONF))
    engine = resource.engine(Lake(str(tmp_path)))
    assert isinstance(engine, SparkEngine) and engine.dialect == "spark"
    assert engine.spark.sparkContext is spark.sparkContext


def test_lake_paths_on_s3_are_named_with_the_connectors_scheme(spark, aws, tmp_path):
    on_s3 = Lake("s3://flowpipe-lake/prefix")
    table = on_s3.table_path("conversations")
    assert SparkEngine(on_s3, SQL_ROOT, spark).spark_path(table) == "s3a://flowpipe-lake/prefix/conversations"
    assert SparkEngine(on_s3, SQL_ROOT, spark, s3_scheme="s3").spark_path(table).startswith("s3://")
    local = Lake(str(tmp_path))
    assert SparkEngine(local, SQL_ROOT, spark).spark_path(local.table_path("t")) == f"{tmp_path}/t"
