"""new_talkers: the date's named pairs that the earlier dates in the lake did not have."""

from flowpipe.defs.transform.sql_models import _earlier_windows
from flowpipe.lib.lake import Lake
from flowpipe.lib.sql_config import SqlModelConfig
from flowpipe.lib.sql_engine import SqlEngine
from flowpipe.lib.sql_models import SQL_ROOT, discover_models
from flowpipe_tests.dbt_like_sql.conftest import endpoint, record, write_window

WEB = endpoint("10.0.1.10", "ec2:instance", "web", "i-web", "eni-web", "a")
DB = endpoint("10.0.1.20", "rds:db", "orders-db", "orders-db", "eni-db", "a")
CACHE = endpoint("10.0.1.30", "elasticache:cluster", "sessions", "sessions", "eni-cache", "a")
ENDPOINTS = [WEB, DB, CACHE]
DAY_SECONDS = 86_400


def _exchange(server: dict, port: int, start: int) -> list[dict]:
    return [
        record("eni-web", WEB["ip"], server["ip"], 40000, port, 100, start=start),
        record("eni-web", server["ip"], WEB["ip"], port, 40000, 900, start=start),
    ]


def _build(tmp_path, windows_by_date: dict[str, list[dict]], date: str):
    lake = Lake(str(tmp_path / "lake"))
    models = discover_models(SQL_ROOT)
    engine = SqlEngine(lake, SQL_ROOT)
    settings = SqlModelConfig().model_dump()
    for day, records in windows_by_date.items():
        for window in ("day", "night"):
            partition = {"date": day, "window": window}
            write_window(lake, partition, records if window == "day" else [], ENDPOINTS)
            engine.build(models, "conversations", partition, settings)
    inputs = [{"date": date, "window": w} for w in ("day", "night")] + _earlier_windows(
        lake, models, "new_talkers", date
    )
    engine.build(models, "new_talkers", {"date": date}, {**settings, "partition_date": date}, inputs=inputs)
    return lake.read_partition("new_talkers", {"date": date}).to_pandas()


def test_a_pair_absent_from_the_earlier_dates_is_new_and_a_known_one_is_not(tmp_path):
    start = 1773482400  # 2026-03-14 10:00 UTC
    found = _build(
        tmp_path,
        {
            "2026-03-13": _exchange(DB, 5432, start - DAY_SECONDS),
            "2026-03-14": _exchange(DB, 5432, start) + _exchange(CACHE, 6379, start),
        },
        "2026-03-14",
    )
    assert list(zip(found.client_name, found.server_name, found.server_port, strict=True)) == [
        ("web", "sessions", 6379)
    ]
    assert found.dates_compared.tolist() == [1]
    assert found.bytes.tolist() == [1000]


def test_with_no_earlier_date_in_the_lake_no_pair_is_new(tmp_path):
    found = _build(tmp_path, {"2026-03-14": _exchange(DB, 5432, 1773482400)}, "2026-03-14")
    assert found.empty
