"""`flowpipe athena-ddl` through its command line: the DDL a user prints, and the tables --register puts
in the Glue Data Catalog (moto's), checked against the lake's Parquet files."""

import re
from pathlib import Path

import boto3
import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flowpipe.cli import main
from flowpipe.lib.lake import Lake
from flowpipe_tests.representative_lake import DATES, write_representative_lake

LOCATION = "s3://flowpipe-lake/prod"
# Arrow type of a Parquet column -> the Athena type that reads it (Athena's CREATE TABLE data types).
ATHENA_TYPES = [
    (pa.string(), "string"),
    (pa.dictionary(pa.int32(), pa.string()), "string"),
    (pa.int32(), "int"),
    (pa.int64(), "bigint"),
    (pa.float64(), "double"),
    (pa.bool_(), "boolean"),
    (pa.timestamp("us", tz="UTC"), "timestamp"),
    (pa.date32(), "date"),
    (pa.decimal128(38, 0), "decimal(38,0)"),
    (pa.list_(pa.string()), "array<string>"),
    (pa.map_(pa.string(), pa.string()), "map<string,string>"),
    (pa.struct([("port", pa.int32()), ("name", pa.string())]), "struct<port:int,name:string>"),
]
README = Path(__file__).resolve().parents[1] / "README.md"


def _readme_athena_queries() -> list[str]:
    """The ```sql examples of the README's Athena section, as a user would paste them."""
    text = README.read_text()
    section = text[text.index("## Querying the lake in Athena") : text.index("## How addresses are named")]
    return [query.strip() for query in re.findall(r"```sql\n(.*?)```", section, re.DOTALL)]


@pytest.fixture(scope="module")
def lake_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("athena_cli") / "lake"
    write_representative_lake(str(root))
    return root


@pytest.fixture
def flowpipe(lake_root, tmp_path, monkeypatch, capsys):
    """Runs `flowpipe ...` on the lake (FLOWPIPE_LAKE), in an empty folder; returns (exit, out, err)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FLOWPIPE_LAKE", str(lake_root))
    for name in ("FLOWPIPE_FLOW_LOGS", "FLOWPIPE_LOG_FORMAT"):
        monkeypatch.delenv(name, raising=False)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def _lake_tables(lake_root: Path) -> dict[str, list[Path]]:
    """Every table folder's Parquet files, found without flowpipe's code."""
    tables = {folder.name: sorted(folder.rglob("*.parquet")) for folder in sorted(lake_root.iterdir())}
    return {name: files for name, files in tables.items() if files}


def _athena_type(arrow_type: pa.DataType) -> str:
    return next(athena for arrow, athena in ATHENA_TYPES if arrow == arrow_type)


def _statements(ddl: str) -> list[str]:
    text = "\n".join(line for line in ddl.splitlines() if not line.startswith("--"))
    return [statement.strip() for statement in text.split(";") if statement.strip()]


def test_every_lake_table_gets_one_statement_and_the_rest_are_named(flowpipe, lake_root):
    code, out, err = flowpipe("athena-ddl", "--location", LOCATION)
    assert code == 0
    statements = _statements(out)
    assert statements[0] == "CREATE DATABASE IF NOT EXISTS `flowpipe`"
    created = [
        re.match(r"CREATE EXTERNAL TABLE IF NOT EXISTS `flowpipe`\.`(\w+)` \(", s) for s in statements[1:]
    ]
    assert all(created)
    assert [match.group(1) for match in created] == sorted(_lake_tables(lake_root))
    for statement in statements[1:]:
        assert statement.count("(") == statement.count(")")
    assert "no DDL for reports: no Parquet files in" in err
    assert "\n-- no DDL for reports: no Parquet files in" in "\n" + out
    assert "no DDL for unfinished:" in err


def test_a_lake_on_s3_is_its_own_location(aws, flowpipe, monkeypatch):
    boto3.client("s3").create_bucket(Bucket="flowpipe-lake")
    Lake("s3://flowpipe-lake/prod").write_table("egress", {"date": "2026-03-14"}, pa.table({"bytes": [1]}))
    monkeypatch.setenv("FLOWPIPE_LAKE", "s3://flowpipe-lake/prod")
    code, out, err = flowpipe("athena-ddl")
    assert code == 0 and "local" not in out + err
    assert "LOCATION 's3://flowpipe-lake/prod/egress/'" in out
    assert "-- egress: columns from s3://flowpipe-lake/prod/egress/date=2026-03-14/" in out


def test_a_local_lake_needs_the_s3_location_it_will_be_copied_to(flowpipe, lake_root):
    code, out, err = flowpipe("athena-ddl")
    assert code == 1 and out == ""
    assert f"the lake {lake_root} is a local folder and Athena reads S3" in err
    assert f"aws s3 sync {lake_root} s3://BUCKET/PREFIX" in err
    code, out, err = flowpipe("athena-ddl", "--location", LOCATION)
    copy = f"copy the lake there first (aws s3 sync {lake_root} {LOCATION})"
    assert (
        copy in err and f"-- columns read from the local lake {lake_root}; the tables read {LOCATION}" in out
    )


def test_registering_puts_every_table_in_glue_typed_as_its_parquet_files(aws, flowpipe, lake_root):
    code, _, err = flowpipe("athena-ddl", "--location", LOCATION, "--register")
    assert code == 0
    glue = boto3.client("glue")
    pages = glue.get_paginator("get_tables").paginate(DatabaseName="flowpipe")
    stored = {table["Name"]: table for page in pages for table in page["TableList"]}
    lake_tables = _lake_tables(lake_root)
    assert sorted(stored) == sorted(lake_tables)
    for name, files in lake_tables.items():
        table = stored[name]
        columns = [(column["Name"], column["Type"]) for column in table["StorageDescriptor"]["Columns"]]
        for path in files:
            schema = pq.read_schema(path)
            assert columns == [(item.name, _athena_type(item.type)) for item in schema], path
        window_table = files[0].parent.name.startswith("window=")
        keys = [key["Name"] for key in table["PartitionKeys"]]
        assert keys == (["date", "window"] if window_table else ["date"])
        parameters = table["Parameters"]
        assert parameters["projection.enabled"] == "true"
        assert parameters["projection.date.range"] == f"{DATES[0]},NOW+1DAYS"
        assert parameters["projection.date.format"] == "yyyy-MM-dd"
        assert ("projection.window.values" in parameters) == window_table
        template = f"{LOCATION}/{name}/date=${{date}}/" + ("window=${window}/" if window_table else "")
        assert parameters["storage.location.template"] == template
        assert table["StorageDescriptor"]["Location"] == f"{LOCATION}/{name}/"
        serde = table["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"]
        assert serde == "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
    assert "created flowpipe.raw_flow_logs in the Glue Data Catalog" in err
    code, _, err = flowpipe("athena-ddl", "--location", LOCATION, "--register", "--database", "flowpipe")
    assert code == 0 and "updated flowpipe.raw_flow_logs in the Glue Data Catalog" in err
    assert len(glue.get_tables(DatabaseName="flowpipe")["TableList"]) == len(lake_tables)


def test_the_printed_ddl_is_well_formed_hive_ddl(flowpipe, lake_root):
    sqlglot = pytest.importorskip("sqlglot")
    _, out, _ = flowpipe("athena-ddl", "--location", LOCATION, "--database", "network")
    database, *tables = sqlglot.parse(out, read="athena")
    assert isinstance(database, sqlglot.exp.Create) and database.kind == "DATABASE"
    parsed = {table.this.this.name: table for table in tables}
    assert all(table.kind == "TABLE" and table.this.this.db == "network" for table in tables)
    for name, files in _lake_tables(lake_root).items():
        columns = [column.name for column in parsed[name].this.expressions]
        assert columns == pq.read_schema(files[-1]).names


def test_first_date_and_a_table_filter_narrow_the_ddl(flowpipe):
    code, out, _ = flowpipe(
        "athena-ddl", "--location", LOCATION, "--table", "daily_top_talkers", "--first-date", "2025-01-01"
    )
    assert code == 0
    assert len(_statements(out)) == 2
    assert "'projection.date.range'='2025-01-01,NOW+1DAYS'" in out


def test_a_named_table_not_written_yet_is_an_error_not_a_guess(flowpipe):
    code, out, err = flowpipe(
        "athena-ddl", "--location", LOCATION, "--table", "top_talkers", "--table", "egress"
    )
    assert code == 1
    assert "CREATE EXTERNAL TABLE" not in out
    assert "no DDL for top_talkers: no date= partitions under" in err
    assert "no DDL for egress:" in err


def test_without_a_lake_it_says_so_and_creates_nothing(flowpipe, tmp_path, monkeypatch):
    monkeypatch.setenv("FLOWPIPE_LAKE", str(tmp_path / "nowhere"))
    code, out, err = flowpipe("athena-ddl", "--location", LOCATION)
    assert code == 1 and out == ""
    assert f"no lake at {tmp_path / 'nowhere'} (FLOWPIPE_LAKE): run `flowpipe run --date ...` first" in err
    assert not (tmp_path / "nowhere").exists()


def test_options_of_aws_logs_are_refused_without_it(flowpipe):
    with pytest.raises(SystemExit) as exit_info:
        flowpipe("athena-ddl", "--location", LOCATION, "--hourly")
    assert exit_info.value.code == 2


def test_aws_logs_ddl_follows_the_configured_destination_and_format(flowpipe, monkeypatch):
    monkeypatch.setenv("FLOWPIPE_FLOW_LOGS", "s3://org-flow-logs/vpc")
    monkeypatch.setenv("FLOWPIPE_LOG_FORMAT", "${srcaddr} ${dstaddr} ${dstport} ${action} ${flow-direction}")
    code, out, _ = flowpipe("athena-ddl", "--aws-logs", "text")
    assert code == 0
    assert "CREATE EXTERNAL TABLE IF NOT EXISTS `flowpipe`.`vpc_flow_logs` (" in out
    assert "  `dstport` int,\n  `action` string,\n  `flow_direction` string\n)" in out
    assert "LOCATION 's3://org-flow-logs/vpc/AWSLogs/'" in out
    assert "'skip.header.line.count'='1'" in out


def test_aws_logs_outside_s3_are_refused(flowpipe, tmp_path, monkeypatch):
    monkeypatch.setenv("FLOWPIPE_FLOW_LOGS", str(tmp_path))
    code, out, err = flowpipe("athena-ddl", "--aws-logs", "text")
    assert code == 1 and out == ""
    assert "Athena reads AWS's flow logs from S3: pass --location s3://BUCKET/PREFIX" in err


def test_aws_parquet_logs_are_registered_with_their_projection(aws, flowpipe):
    code, out, err = flowpipe(
        "athena-ddl",
        "--aws-logs",
        "parquet",
        "--hive-prefixes",
        "--location",
        "s3://org-flow-logs",
        "--accounts",
        "123456789012",
        "--regions",
        "us-east-1,eu-west-1",
        "--register",
    )
    assert code == 0 and "created flowpipe.vpc_flow_logs_parquet" in err
    table = boto3.client("glue").get_table(DatabaseName="flowpipe", Name="vpc_flow_logs_parquet")["Table"]
    assert table["Parameters"]["projection.aws_region.values"] == "us-east-1,eu-west-1"
    assert [key["Name"] for key in table["PartitionKeys"]] == [
        "aws_account_id",
        "aws_region",
        "year",
        "month",
        "day",
    ]
    assert [column["Name"] for column in table["StorageDescriptor"]["Columns"]][:3] == [
        "version",
        "account_id",
        "interface_id",
    ]


def test_the_readme_example_queries_run_over_the_tables(flowpipe, lake_root):
    """DuckDB stands in for Athena: the examples' SQL and columns over the same files and keys."""
    _, aws_logs, _ = flowpipe("athena-ddl", "--aws-logs", "text", "--location", "s3://org-flow-logs")
    connection = duckdb.connect()
    connection.execute("create schema flowpipe")
    for name, files in _lake_tables(lake_root).items():
        # Athena's partition keys are strings: so are they here
        keys = ", ".join(f"'{key}': 'VARCHAR'" for key in ("date", "window") if f"/{key}=" in str(files[0]))
        connection.execute(
            f"create view flowpipe.{name} as select * from read_parquet("
            f"{[str(path) for path in files]}, hive_partitioning = true, hive_types = {{{keys}}})"
        )
    columns = re.search(r"`vpc_flow_logs` \((.*?)\n\)", aws_logs, re.DOTALL).group(1)
    keys = re.search(r"PARTITIONED BY \((.*?)\)", aws_logs).group(1)
    connection.execute(f"create table flowpipe.vpc_flow_logs ({columns}, {keys})".replace("`", '"'))
    top_talkers, raw_records, aws_logs_query = _readme_athena_queries()
    assert connection.sql(top_talkers).fetchall() == []
    assert connection.sql(raw_records).fetchall() == [("10.0.1.5", "10.0.2.4", 2049, 840)]
    assert connection.sql(aws_logs_query).fetchall() == []
