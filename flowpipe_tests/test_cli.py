"""`flowpipe run` through its command line, on the simulated account: what a user types and sees."""

from pathlib import Path

import pandas as pd
import pytest

from flowpipe.cli import main, print_top_talkers
from flowpipe.lib.lake import Lake
from flowpipe.lib.report_format import named
from flowpipe.lib.simulated.moto_server import patched_environment
from flowpipe_tests.simulated_run import DATE, reset_account, simulate_date, simulated_environment


@pytest.fixture(scope="module")
def ran(moto_server, tmp_path_factory) -> tuple[Lake, pd.DataFrame, str]:
    """One `flowpipe run --date` over a simulated date, in its own lake and Dagster home."""
    reset_account(moto_server)
    root = tmp_path_factory.mktemp("cli")
    environment = {
        **simulated_environment(moto_server, root / "lake"),
        "DAGSTER_HOME": str(root / "dagster"),
    }
    with patched_environment(environment):
        simulation = simulate_date(scale=0.1)
        exit_code = main(["run", "--date", DATE.isoformat()])
    assert exit_code == 0
    return Lake(str(root / "lake")), simulation.ground_truth, str(root / "dagster")


def test_run_materializes_both_windows_and_the_report(ran):
    lake, truth, _ = ran
    for window in ("day", "night"):
        conversations = lake.read_partition("conversations", {"date": DATE.isoformat(), "window": window})
        frame = conversations.to_pandas()
        frame = frame[frame.traffic_class != "nat-gateway-transit"]
        expected = truth[truth.window == window]
        assert frame.bytes.sum() == expected.bytes_up.sum() + expected.bytes_down.sum()
    report = Path(lake.partition_path("reports", {"date": DATE.isoformat()})) / "report.md"
    text = report.read_text()
    assert text.startswith(f"# flowpipe report for {DATE.isoformat()}")
    assert "myapp1-efs-general-purpose" in text
    assert "## Names missing" not in text  # the simulated account answers every inventory call


def test_runs_are_kept_in_the_dagster_home_the_ui_reads(ran):
    import dagster as dg

    _, _, home = ran
    with patched_environment({"DAGSTER_HOME": home}):
        instance = dg.DagsterInstance.get()
        runs = instance.get_runs()
    assert sorted(run.tags.get("dagster/partition") for run in runs) == [
        DATE.isoformat(),
        f"{DATE.isoformat()}-06:00",
        f"{DATE.isoformat()}-18:00",
    ]


def test_the_printed_table_names_pairs_with_counts_and_grouped_bytes(ran, capsys):
    lake, truth, _ = ran
    print_top_talkers(lake, DATE.isoformat(), limit=3)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["CLIENT", "SERVER", "PORT", "BYTES"]
    accepted = truth[truth.action == "ACCEPT"]
    pairs = accepted.groupby(["client_name", "server_name", "server_port"])[["bytes_up", "bytes_down"]].sum()
    top = pairs.sum(axis=1).sort_values(ascending=False)
    (client, server, port), top_bytes = top.index[0], top.iloc[0]
    first = lines[1]
    assert first.startswith(client) and server in first and f"{port}/" in first
    assert first.endswith(f"{top_bytes:,}".replace(",", " "))


def test_a_malformed_date_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--date", "2026-13-45"])
    assert exit_info.value.code == 2
    assert "is not a date (YYYY-MM-DD)" in capsys.readouterr().err


@pytest.mark.parametrize(
    "arguments, message",
    [
        (
            ["--date", "1999-01-01"],
            "no window partition 1999-01-01-06:00, 1999-01-01-18:00: a window starts at 06:00 or 18:00",
        ),
        (
            ["--date", "2999-01-01", "--window", "night"],
            "no window partition 2999-01-01-18:00: a window starts",
        ),
        (
            ["--from", "2024-12-30", "--to", "2025-01-02"],
            "no window partition 2024-12-30-06:00, 2024-12-30-18",
        ),
        (["--from", "2026-03-14", "--to", "2026-03-01"], "--to 2026-03-01 is before --from 2026-03-14"),
    ],
)
def test_dates_outside_the_partitions_are_a_usage_error_before_anything_runs(
    arguments, message, capsys, tmp_path, monkeypatch
):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    with pytest.raises(SystemExit) as exited:
        main(["run", *arguments])
    assert exited.value.code == 2
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # no run was started


def test_without_a_flow_log_location_the_run_fails(tmp_path, monkeypatch):
    monkeypatch.delenv("FLOWPIPE_FLOW_LOGS", raising=False)
    monkeypatch.setenv("FLOWPIPE_LAKE", str(tmp_path / "lake"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    assert main(["run", "--date", DATE.isoformat(), "--window", "day"]) == 1


@pytest.mark.parametrize(
    ("name", "count", "kind", "shown"),
    [
        ("web", 3, "ec2:instance", "web (3 instances)"),
        ("web", 1, "ec2:instance", "web"),
        ("S3 us-east-1", 4, "aws:service", "S3 us-east-1"),
        ("orders", 2, "rds:db", "orders (2 resources)"),
    ],
)
def test_shared_names_show_a_count_of_resources(name, count, kind, shown):
    assert named(name, count, kind) == shown


def test_flowpipe_run_reads_settings_from_a_dotenv_file_in_the_working_directory(tmp_path, monkeypatch):
    """Like `dagster dev`, the terminal reads `.env`: here it names a flow log folder that is empty."""
    monkeypatch.delenv("FLOWPIPE_FLOW_LOGS", raising=False)
    monkeypatch.delenv("FLOWPIPE_LAKE", raising=False)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("FLOWPIPE_IP_RANGES", str(tmp_path / "no-ranges.json"))
    (tmp_path / "logs").mkdir()
    (tmp_path / ".env").write_text(
        f"FLOWPIPE_FLOW_LOGS={tmp_path / 'logs'}\nFLOWPIPE_LAKE={tmp_path / 'lake'}\n"
    )
    monkeypatch.chdir(tmp_path)
    try:
        main(["run", "--date", DATE.isoformat(), "--window", "day"])
        raw = Lake(str(tmp_path / "lake")).read_partition(
            "raw_flow_logs", {"date": DATE.isoformat(), "window": "day"}
        )
    finally:
        for key in ("FLOWPIPE_FLOW_LOGS", "FLOWPIPE_LAKE"):
            monkeypatch.delenv(key, raising=False)
    assert raw.num_rows == 0
