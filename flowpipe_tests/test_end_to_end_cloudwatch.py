"""The whole chain over a CloudWatch Logs group (logs:GROUP), compared with the traffic the account sent;
and the same group read through Logs Insights (logs-insights:GROUP).

CloudWatch refuses events older than 14 days, so this simulates the day before yesterday.
"""

import datetime

import pyarrow as pa
import pytest

from flowpipe.lib.extraction import extract_window
from flowpipe.lib.flow_sources import open_flow_log_source
from flowpipe.lib.lake import Lake
from flowpipe.lib.simulated.moto_server import patched_environment
from flowpipe.lib.simulated.simulation import simulate
from flowpipe_tests.simulated_run import BUCKET, reset_account, simulated_environment

GROUP = "/vpc/flow-logs"
KEY = ["client_ip", "server_ip", "server_port", "protocol", "action"]
ORDER = [
    (column, "ascending") for column in ("source_uri", "start", "srcaddr", "srcport", "dstaddr", "dstport")
]


@pytest.fixture(scope="module")
def run(moto_server, tmp_path_factory):
    from flowpipe.definitions import defs

    reset_account(moto_server)
    date = datetime.datetime.now(datetime.UTC).date() - datetime.timedelta(days=2)
    lake_root = tmp_path_factory.mktemp("lake")
    environment = {**simulated_environment(moto_server, lake_root), "FLOWPIPE_FLOW_LOGS": f"logs:{GROUP}"}
    with patched_environment(environment):
        simulation = simulate(date, bucket=BUCKET, scale=0.05, log_group=GROUP)
        job = defs().resolve_job_def("window_job")
        results = [
            job.execute_in_process(partition_key=f"{date.isoformat()}-{hour}") for hour in ("06:00", "18:00")
        ]
    assert all(result.success for result in results)
    return date, simulation, Lake(str(lake_root))


@pytest.mark.parametrize("window", ["day", "night"])
def test_conversations_from_cloudwatch_equal_the_traffic_sent(run, window):
    date, simulation, lake = run
    truth = simulation.ground_truth[simulation.ground_truth.window == window].set_index(KEY).sort_index()
    found = lake.read_partition("conversations", {"date": date.isoformat(), "window": window}).to_pandas()
    found = found[found.traffic_class != "nat-gateway-transit"].set_index(KEY).sort_index()
    assert found.index.equals(truth.index)
    assert found.bytes_up.tolist() == truth.bytes_up.tolist()
    assert found.bytes_down.tolist() == truth.bytes_down.tolist()


def test_records_name_their_log_stream(run):
    date, _, lake = run
    raw = lake.read_partition("raw_flow_logs", {"date": date.isoformat(), "window": "day"}).to_pandas()
    assert raw.source_uri.str.match(rf"^logs:{GROUP}/eni-[0-9a-f]+-all$").all()


def test_logs_insights_reads_the_same_records_as_filter_log_events(run, moto_server, tmp_path):
    date, _, _ = run
    start = datetime.datetime.combine(date, datetime.time(6), datetime.UTC)
    window = (start, start + datetime.timedelta(hours=12))
    with patched_environment(simulated_environment(moto_server, tmp_path)):
        extractions = {
            prefix: extract_window(open_flow_log_source(f"{prefix}{GROUP}"), *window)
            for prefix in ("logs:", "logs-insights:")
        }
        by_source = {
            prefix: pa.concat_tables(batch.records for batch in extraction)
            for prefix, extraction in extractions.items()
        }
    queries = {
        prefix: extraction.stats.as_metadata()["insights_queries"]
        for prefix, extraction in extractions.items()
    }
    assert queries["logs:"] == 0 and queries["logs-insights:"] >= 1
    filtered, queried = (
        table.set_column(
            table.schema.get_field_index("source_uri"), "source_uri", table["source_uri"].cast(pa.string())
        )
        .sort_by(ORDER)
        .to_pylist()
        for table in by_source.values()
    )
    assert len(filtered) > 1000
    assert queried == filtered
