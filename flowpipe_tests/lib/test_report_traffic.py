"""The report's traffic sections, each on its rollup: rows as people read them, new talkers against earlier
dates, and "none" for a rollup the date does not have."""

import pyarrow as pa
import pytest

from flowpipe.lib.lake import Lake
from flowpipe.lib.report_traffic import (
    cross_az_section,
    day_vs_night_section,
    efs_section,
    egress_section,
    new_talkers_section,
    rejected_section,
    top_talkers_section,
)

DATE = "2026-03-14"


def _text(section: list[str]) -> str:
    return "\n".join(section)


def _talker(rank, client, server, port, nbytes, client_count=1):
    return {
        "rank": rank,
        "client_name": client,
        "client_type": "ec2:instance",
        "client_count": client_count,
        "server_name": server,
        "server_type": "ec2:instance",
        "server_count": 1,
        "server_port": port,
        "protocol": "tcp",
        "service": None,
        "bytes": nbytes,
    }


def _write(lake: Lake, table: str, date: str, rows: list[dict]) -> None:
    lake.write_table(table, {"date": date}, pa.Table.from_pylist(rows))


@pytest.fixture
def lake(tmp_path) -> Lake:
    """Top talkers on DATE and two earlier dates: the day before (in the week) and 9 days before (not)."""
    lake = Lake(str(tmp_path / "lake"))
    _write(
        lake,
        "daily_top_talkers",
        DATE,
        [
            _talker(1, "web", "db", 5432, 900, client_count=3),
            _talker(2, "batch", "archive", 22, 500),
            _talker(3, "web", "db", 6432, 100, client_count=3),
            _talker(4, "app", "cache", 6379, 50),
        ],
    )
    _write(lake, "daily_top_talkers", "2026-03-13", [_talker(1, "web", "db", 5432, 800, client_count=2)])
    _write(lake, "daily_top_talkers", "2026-03-05", [_talker(1, "app", "cache", 6379, 40)])
    return lake


def test_new_talkers_section_lists_the_new_pairs_and_how_many_dates_were_compared(lake):
    new = _talker(1, "batch", "archive", 22, 500)
    _write(lake, "new_talkers", DATE, [{**new, "flows": 3, "first_seen": 0, "dates_compared": 1}])
    section = _text(new_talkers_section(lake, DATE))
    assert "on none of the 1 earlier date(s) compared" in section and "| batch" in section


def test_without_new_talkers_the_section_says_so(lake):
    assert "No new named pair" in _text(new_talkers_section(lake, "2026-03-13"))


@pytest.fixture
def full_lake(lake) -> Lake:
    """Every rollup the report reads, one or two rows each."""
    _write(
        lake,
        "daily_efs_clients",
        DATE,
        [
            {
                "file_system_name": "shared-fs",
                "client_name": "web",
                "client_az": "us-east-1a",
                "mount_target_az": "us-east-1b",
                "bytes": 4_000,
            }
        ],
    )
    _write(
        lake,
        "day_vs_night",
        DATE,
        [
            {
                "rank": 1,
                "client_name": "management",
                "server_name": "shared-fs",
                "server_port": 2049,
                "protocol": "tcp",
                "service": "nfs",
                "day_bytes": 1_000,
                "night_bytes": 99_000,
                "night_growth_bytes": 98_000,
                "night_share": 0.99,
                "night_to_day_ratio": 99.0,
            }
        ],
    )
    cross = {
        "client_name": "batch",
        "client_az": "us-east-1b",
        "server_name": "shared-fs",
        "server_az": "us-east-1a",
        "server_port": 2049,
        "protocol": "tcp",
        "service": "nfs",
        "bytes": 3 * 2**30,
        "billed": True,
        "est_cost_usd": 0.06,
    }
    _write(lake, "daily_cross_az_traffic", DATE, [cross])
    egress = {
        "client_name": "web",
        "client_type": "ec2:instance",
        "client_count": 3,
        "path": "nat-gateway",
        "destination": "internet",
        "bytes_up": 2**30,
        "bytes_down": 5,
        "bytes": 2**30 + 5,
        "est_cost_usd": 0.135,
    }
    _write(lake, "daily_egress", DATE, [egress])
    exposure = {
        "dst_name": "bastion",
        "dst_port": 22,
        "service": "ssh",
        "source_count": 40,
        "internet_source_count": 39,
        "rejected_flows": 120,
        "accepted_internet_flows": 2,
    }
    _write(lake, "daily_ssh_rdp_exposure", DATE, [exposure])
    rejected = {
        "rank": 1,
        "src_addr": "198.51.100.7",
        "src_name": "198.51.100.7",
        "dst_name": "bastion",
        "dst_port": 3389,
        "protocol": "tcp",
        "service": "rdp",
        "flows": 17,
        "packets": 30,
    }
    _write(lake, "daily_rejected_traffic", DATE, [rejected])
    new_pairs = [_talker(2, "batch", "archive", 22, 500), _talker(3, "web", "db", 6432, 100)]
    _write(
        lake,
        "new_talkers",
        DATE,
        [{**row, "flows": 1, "first_seen": 0, "dates_compared": 1} for row in new_pairs],
    )
    return lake


def test_each_section_prints_its_rollups_rows(full_lake):
    top = _text(top_talkers_section(full_lake, DATE))
    assert top.startswith("## Top talkers (accepted traffic, client -> server)\n")
    assert "| web (3 instances) | db       | 5432/tcp | 900     |" in top
    assert "| shared-fs" in _text(efs_section(full_lake, DATE))
    day_vs_night = _text(day_vs_night_section(full_lake, DATE))
    assert "| management | shared-fs | 2049/nfs | 1 000" in day_vs_night and "99.0%" in day_vs_night
    cross = _text(cross_az_section(full_lake, DATE))
    assert "3 221 225 472 bytes crossed AZs, estimated 0.06 USD" in cross
    assert "| batch (us-east-1b) | shared-fs (us-east-1a) | 2049/nfs" in cross
    egress = _text(egress_section(full_lake, DATE))
    assert "Estimated 0.14 USD" in egress and "| web (3 instances) | nat-gateway | internet" in egress
    probes = _text(rejected_section(full_lake, DATE))
    assert "| bastion       | 22/ssh | 40        | 39" in probes
    assert "| 198.51.100.7 | bastion       | 3389/rdp | 17" in probes
    new = _text(new_talkers_section(full_lake, DATE))
    assert "on none of the 1 earlier date(s) compared" in new
    assert "| batch" in new and "6432/tcp" in new
    assert "5432/tcp" not in new


def test_a_date_without_rollups_says_none_in_each_section(tmp_path):
    lake = Lake(str(tmp_path))
    for section in (top_talkers_section, efs_section, day_vs_night_section, cross_az_section, egress_section):
        assert section(lake, DATE)[-1] == "none", section.__name__
