"""simulate() leaves a bucket of flow logs whose lines are exactly the traffic model's records."""

import datetime
import gzip

import boto3

from flowpipe.lib.simulated.simulation import simulate

DATE = datetime.date(2026, 3, 14)


def test_simulate_delivers_every_record_under_the_prefix_with_a_header(aws) -> None:
    simulation = simulate(DATE, bucket="sim-logs", prefix="vpc/", scale=0.02)
    s3 = boto3.client("s3")
    listed = [
        entry["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket="sim-logs")
        for entry in page.get("Contents", [])
    ]
    assert sorted(listed) == sorted(simulation.keys)
    assert all(key.startswith("vpc/AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/03/") for key in listed)
    lines = []
    for key in listed:
        text = gzip.decompress(s3.get_object(Bucket="sim-logs", Key=key)["Body"].read()).decode().splitlines()
        assert text[0].startswith("version account-id interface-id srcaddr")
        lines += text[1:]
    assert len(lines) == len(simulation.traffic.records)
    assert simulation.ground_truth is simulation.traffic.ground_truth
    assert len(simulation.ground_truth) > 0


def test_simulate_reuses_a_model_for_a_second_date(aws) -> None:
    first = simulate(DATE, bucket="sim-logs", scale=0.02)
    second = simulate(DATE + datetime.timedelta(days=1), bucket="sim-logs", scale=0.02, model=first.model)
    assert second.model is first.model
    assert set(second.ground_truth["date"]) == {"2026-03-15"}
    assert (
        len(boto3.client("ec2").describe_vpcs(Filters=[{"Name": "cidr", "Values": ["10.0.0.0/16"]}])["Vpcs"])
        == 1
    )
