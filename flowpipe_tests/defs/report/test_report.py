"""report through dg.materialize: a date's report.md and its charts in the lake, shown in the metadata."""

import base64
from pathlib import Path

import dagster as dg
import pyarrow as pa

from flowpipe.defs.report.report import report
from flowpipe.lib.lake import Lake
from flowpipe.lib.report_charts import CROSS_AZ_FILE, GRAPH_FILE, HOURLY_FILE, TOP_PAIRS_FILE
from flowpipe.lib.resources import LakeResource
from flowpipe_tests.representative_lake import TOP_TALKERS_SCHEMA

DATE = "2026-03-14"
CHARTS = {TOP_PAIRS_FILE, HOURLY_FILE, CROSS_AZ_FILE, GRAPH_FILE}


def _top_talkers(lake: Lake, date: str, client: str, server: str, nbytes: int) -> None:
    """A date's daily_top_talkers of one pair, client -> server:443."""
    row = dict.fromkeys(TOP_TALKERS_SCHEMA.names)
    row.update(rank=1, client_name=client, client_type="ec2:instance", client_count=1)
    row.update(server_name=server, server_type="rds:db", server_count=1, server_port=443, protocol="tcp")
    row.update(service="https", bytes=nbytes, bytes_up=nbytes // 4, bytes_down=nbytes - nbytes // 4)
    row.update(packets=10, flows=2, cross_az=False)
    lake.write_table(
        "daily_top_talkers", {"date": date}, pa.Table.from_pylist([row], schema=TOP_TALKERS_SCHEMA)
    )


def _materialize(lake: Lake, **kwargs) -> dg.ExecuteInProcessResult:
    return dg.materialize([report], resources={"lake": LakeResource(root=lake.root)}, **kwargs)


def test_the_dates_report_and_its_charts_are_written_and_shown_in_the_metadata(tmp_path):
    lake = Lake(str(tmp_path / "lake"))
    _top_talkers(lake, DATE, "web", "orders-db", 5_000_000)
    result = _materialize(lake, partition_key=DATE)
    folder = tmp_path / "lake" / "reports" / f"date={DATE}"
    assert {path.name for path in folder.iterdir()} == {"report.md", *CHARTS}
    text = (folder / "report.md").read_text()
    assert text.startswith(f"# flowpipe report for {DATE}\n")
    assert "web" in text and "orders-db" in text
    for chart in CHARTS:
        assert f"]({chart})" in text
        assert (folder / chart).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    metadata = result.asset_materializations_for_node("report")[0].metadata
    assert metadata["path"].value == str(folder / "report.md")
    assert metadata["report"].value == text
    image = base64.b64encode((folder / TOP_PAIRS_FILE).read_bytes()).decode()
    assert (
        metadata["top_pairs"].value
        == f"![Top 10 pairs on {DATE} (accepted bytes)](data:image/png;base64,{image})"
    )


def test_a_backfill_of_two_dates_writes_each_dates_own_report(tmp_path):
    lake = Lake(str(tmp_path / "lake"))
    _top_talkers(lake, "2026-03-14", "web", "orders-db", 5_000_000)
    _top_talkers(lake, "2026-03-15", "batch", "archive-bucket", 7_000_000)
    tags = {
        "dagster/asset_partition_range_start": "2026-03-14",
        "dagster/asset_partition_range_end": "2026-03-15",
    }
    result = _materialize(lake, tags=tags)
    reports = tmp_path / "lake" / "reports"
    first, second = (
        (reports / f"date={date}" / "report.md").read_text() for date in ("2026-03-14", "2026-03-15")
    )
    assert first.startswith("# flowpipe report for 2026-03-14\n") and "orders-db" in first
    assert "archive-bucket" not in first
    assert second.startswith("# flowpipe report for 2026-03-15\n") and "archive-bucket" in second
    assert "orders-db" not in second
    # one run for the range; its metadata shows the last date's report
    metadata = result.asset_materializations_for_node("report")[0].metadata
    assert metadata["report"].value == second
    assert Path(metadata["path"].value).parent.name == "date=2026-03-15"
