"""conversations__bytes_conserved run by Dagster on conversations built from literal records."""

import dagster as dg
import pyarrow as pa

from flowpipe.defs.transform.conversations_checks import conversations__bytes_conserved
from flowpipe.lib.flow_fields import raw_schema
from flowpipe.lib.lake import Lake
from flowpipe.lib.resources import LakeResource
from flowpipe.lib.sql_config import SqlModelConfig
from flowpipe.lib.sql_engine import SqlEngine
from flowpipe.lib.sql_models import SQL_ROOT, discover_models
from flowpipe.partitions import window_partitions
from flowpipe_tests.dbt_like_sql.conftest import START, endpoint, record, write_window
from flowpipe_tests.defs.transform.conftest import DAY, DAY_KEY, NIGHT, NIGHT_KEY, NIGHT_START, range_tags

WEB = endpoint("10.0.1.10", "ec2:instance", "web", "i-web", "eni-web", "a")
EFS = endpoint("10.0.2.4", "efs:mount-target", "shared-fs", "fs-1", "eni-efs", "b")


def _nfs_exchange(start: int) -> list[dict]:
    """One NFS connection logged at both ENIs: 102,000 bytes and 100 packets logged, 51,000 bytes sent."""
    return [
        record(eni, src, dst, sport, dport, nbytes, packets=packets, start=start, end=start + 60)
        for eni in ("eni-web", "eni-efs")
        for src, dst, sport, dport, nbytes, packets in (
            (WEB["ip"], EFS["ip"], 40000, 2049, 1_000, 10),
            (EFS["ip"], WEB["ip"], 2049, 40000, 50_000, 40),
        )
    ]


def _build_conversations(lake: Lake, partition: dict[str, str], records: list[dict]) -> None:
    write_window(lake, partition, records, [WEB, EFS])
    engine = SqlEngine(lake, SQL_ROOT)
    engine.build(discover_models(SQL_ROOT), "conversations", partition, SqlModelConfig().model_dump())


def _evaluate(lake: Lake, first: str, last: str) -> dg.AssetCheckEvaluation:
    """Runs the check alone over the windows `first` to `last`, as a single run."""
    definitions = dg.Definitions(
        assets=[dg.AssetSpec("conversations", partitions_def=window_partitions)],
        asset_checks=[conversations__bytes_conserved],
        jobs=[dg.define_asset_job("check_job", dg.AssetSelection.checks(conversations__bytes_conserved))],
        resources={"lake": LakeResource(root=lake.root)},
    )
    job = definitions.resolve_job_def("check_job")
    result = job.execute_in_process(tags=range_tags(first, last), raise_on_error=False)
    [evaluation] = result.get_asset_check_evaluations()
    return evaluation


def _values(evaluation: dg.AssetCheckEvaluation) -> dict[str, int]:
    return {name: value.value for name, value in evaluation.metadata.items()}


def test_a_window_whose_logged_bytes_all_reach_conversations_passes(lake):
    _build_conversations(lake, DAY, _nfs_exchange(START))
    evaluation = _evaluate(lake, DAY_KEY, DAY_KEY)
    assert evaluation.passed
    assert _values(evaluation) == {
        "raw_bytes": 102_000,
        "logged_bytes": 102_000,
        "raw_packets": 100,
        "logged_packets": 100,
        "counted_bytes": 51_000,
        "duplicate_bytes_removed": 51_000,
        "windows_not_conserved": 0,
    }


def test_a_window_whose_conversations_lost_a_record_fails_the_check_over_the_range(lake):
    _build_conversations(lake, DAY, _nfs_exchange(START))
    _build_conversations(lake, NIGHT, _nfs_exchange(NIGHT_START))
    lost = record("eni-web", WEB["ip"], EFS["ip"], 40001, 2049, 7_000, packets=3, start=NIGHT_START)
    raw = lake.read_partition("raw_flow_logs", NIGHT).to_pylist() + [lost]
    lake.write_table("raw_flow_logs", NIGHT, pa.Table.from_pylist(raw, schema=raw_schema()))

    evaluation = _evaluate(lake, DAY_KEY, NIGHT_KEY)

    assert not evaluation.passed
    values = _values(evaluation)
    assert (values["raw_bytes"], values["logged_bytes"]) == (211_000, 204_000)
    assert (values["raw_packets"], values["logged_packets"]) == (203, 200)
    assert values["windows_not_conserved"] == 1
