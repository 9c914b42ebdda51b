"""A date's traffic: deterministic per seed, logged at every ENI it crosses, and summed once in the truth."""

import calendar
import datetime

import pandas as pd

from flowpipe.lib.simulated.account_model import AccountModel
from flowpipe.lib.simulated.traffic import Traffic, generate_traffic

VPC_TYPES = {
    "ec2:instance",
    "efs:mount-target",
    "elb:application",
    "rds:db",
    "lambda:function",
    "vpc-endpoint",
}


def _bounds(date: datetime.date) -> tuple[int, int]:
    """The date's first second and the next date's: 06:00 UTC to 06:00 UTC."""
    start = calendar.timegm(date.timetuple()) + 6 * 3600
    return start, start + 24 * 3600


def _ok_in_date(records: pd.DataFrame, date: datetime.date) -> pd.DataFrame:
    day_start, day_end = _bounds(date)
    return records[
        (records["log-status"] == "OK") & (records["start"] >= day_start) & (records["start"] < day_end)
    ]


def test_traffic_is_deterministic_per_seed(
    account: AccountModel, traffic: Traffic, traffic_date: datetime.date
) -> None:
    again = generate_traffic(account, traffic_date, seed=7, scale=0.05)
    other = generate_traffic(account, traffic_date, seed=8, scale=0.05)
    pd.testing.assert_frame_equal(traffic.records, again.records)
    pd.testing.assert_frame_equal(traffic.ground_truth, again.ground_truth)
    assert not traffic.records.equals(other.records)


def test_records_sum_to_the_truth_times_the_enis_that_log_each_exchange(
    traffic: Traffic, traffic_date: datetime.date
) -> None:
    truth = traffic.ground_truth
    logged_by = (
        truth["client_type"].isin(VPC_TYPES).astype(int) + truth["server_type"].isin(VPC_TYPES)
    ).where(truth["via"].isna(), 3)
    expected = ((truth["bytes_up"] + truth["bytes_down"]) * logged_by).sum()
    assert _ok_in_date(traffic.records, traffic_date)["bytes"].sum() == expected


def test_truth_totals_are_the_request_and_response_bytes_of_the_connections(traffic: Traffic) -> None:
    dated = traffic.exchanges[traffic.exchanges["date"].notna()]
    truth = traffic.ground_truth
    assert truth["bytes_up"].sum() == dated["bytes_up"].sum()
    assert truth["bytes_down"].sum() == dated["bytes_down"].sum()
    assert truth["packets"].sum() == (dated["packets_up"] + dated["packets_down"]).sum()
    assert set(truth["window"]) == {"day", "night"} and set(truth["date"]) == {"2026-03-14"}


def test_records_outside_the_date_exist_but_are_not_in_the_truth(
    traffic: Traffic, traffic_date: datetime.date
) -> None:
    day_start, day_end = _bounds(traffic_date)
    starts = traffic.records["start"]
    assert (starts < day_start).any() and (starts >= day_end).any()
    outside = traffic.exchanges[traffic.exchanges["date"].isna()]
    assert len(outside) > 0 and ((outside["start"] < day_start) | (outside["start"] >= day_end)).all()
    dated = traffic.exchanges[traffic.exchanges["date"].notna()]
    assert traffic.ground_truth["flows"].sum() >= dated["connection_id"].nunique()
    assert traffic.ground_truth["bytes_up"].sum() == dated["bytes_up"].sum()
