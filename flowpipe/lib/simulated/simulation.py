"""One call that gives the demo and the end-to-end tests a simulated account with a date of flow logs."""

import datetime
import logging
from dataclasses import dataclass

import boto3
import pandas as pd

from flowpipe.lib.flow_fields import DEFAULT_FORMAT
from flowpipe.lib.simulated.account import DEFAULT_BUCKET, AccountModel, build_account, ensure_bucket
from flowpipe.lib.simulated.delivery import deliver_to_s3
from flowpipe.lib.simulated.traffic import Traffic, generate_traffic

log = logging.getLogger(__name__)


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
) -> Simulation:
    """Builds the account (unless `model` is one built before) and delivers one date's flow logs to S3.

    The flow log's destination is the bare bucket ARN because moto rejects an ARN with a prefix
    (FACTS.md §2); the files are still written under `prefix`, as AWS would with a prefixed ARN.
    """
    ensure_bucket(bucket, region)
    if model is None:
        model = build_account(region, flow_log_bucket=bucket, flow_log_fields=fields)
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
    log.info("simulated %s: %d records in %d objects", date, len(traffic.records), len(keys))
    return Simulation(model=model, traffic=traffic, bucket=bucket, prefix=prefix, keys=keys)
