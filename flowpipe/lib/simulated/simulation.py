"""One call that gives the demo and the end-to-end tests a simulated account with a date of flow logs."""

import datetime
import logging
from dataclasses import dataclass

import boto3
import pandas as pd

from flowpipe.lib.flow_fields import DEFAULT_FORMAT
from flowpipe.lib.simulated.account import DEFAULT_BUCKET, build_account, ensure_bucket
from flowpipe.lib.simulated.account_model import AccountModel
from flowpipe.lib.simulated.cloudwatch_delivery import deliver_to_cloudwatch
from flowpipe.lib.simulated.delivery import deliver_to_s3
from flowpipe.lib.simulated.traffic import Traffic, generate_traffic
from flowpipe.lib.simulated.trail import deliver_trail

log = logging.getLogger(__name__)

# The account is built the day before the simulated date, at midnight UTC: its ENIs' CloudTrail events come
# before the date's flows and before the date's CloudTrail lookups (from an hour before each window) in any
# time zone, as the ENIs of an account existed before the traffic.
BUILT_DAYS_BEFORE = 1


@dataclass(frozen=True)
class Simulation:
    model: AccountModel
    traffic: Traffic
    bucket: str
    prefix: str
    keys: list[str]

    @property
    def ground_truth(self) -> pd.DataFrame:
        return self.traffic.ground_truth


def simulate(
    date: datetime.date,
    bucket: str = DEFAULT_BUCKET,
    prefix: str = "",
    seed: int = 7,
    scale: float = 1.0,
    fields: tuple[str, ...] = DEFAULT_FORMAT,
    *,
    region: str = "us-east-1",
    model: AccountModel | None = None,
    log_group: str | None = None,
) -> Simulation:
    """Builds the account (unless `model` is one built before) and delivers one date's flow logs to S3.

    The flow log's destination is the bare bucket ARN because moto rejects an ARN with a prefix
    (moto refuses a prefixed ARN); the files are still written under `prefix`, as AWS would with one.
    With `log_group`, the same records also go to a CloudWatch Logs group, through a second flow log.
    A new account's ENI creations go to its CloudTrail trail, dated when the simulated timeline built it.
    """
    ensure_bucket(bucket, region)
    if model is None:
        built_at = datetime.datetime.combine(
            date - datetime.timedelta(days=BUILT_DAYS_BEFORE), datetime.time(), datetime.UTC
        )
        model = build_account(region, flow_log_bucket=bucket, flow_log_fields=fields, built_at=built_at)
        deliver_trail(model.interface_events, model.account_id, model.region)
    traffic = generate_traffic(model, date, seed=seed, scale=scale)
    keys = deliver_to_s3(
        traffic.records,
        boto3.client("s3", region_name=region),
        bucket,
        prefix,
        account_id=model.account_id,
        region=model.region,
        flow_log_id=model.flow_log_id,
        fields=fields,
    )
    if log_group:
        _flow_log_to_cloudwatch(model, log_group, fields)
        deliver_to_cloudwatch(traffic.records, boto3.client("logs", region_name=region), log_group, fields)
    log.info("simulated %s: %d records in %d objects", date, len(traffic.records), len(keys))
    return Simulation(model=model, traffic=traffic, bucket=bucket, prefix=prefix, keys=keys)


def _flow_log_to_cloudwatch(model: AccountModel, group: str, fields: tuple[str, ...]) -> None:
    """A VPC flow log to the group, so describe_flow_logs tells readers the group's record format."""
    boto3.client("ec2", region_name=model.region).create_flow_logs(
        ResourceIds=[model.vpc_id],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="cloud-watch-logs",
        LogGroupName=group,
        DeliverLogsPermissionArn=f"arn:aws:iam::{model.account_id}:role/flow-logs-delivery",
        LogFormat=" ".join(f"${{{name}}}" for name in fields),
    )
