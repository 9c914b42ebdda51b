"""flowpipe's settings, read from the environment (a `.env` file works too: Dagster loads it).

AWS itself (credentials, profile, region, endpoint) is reached through the standard AWS settings only.
"""

import os
from dataclasses import dataclass

import boto3

from flowpipe.lib.resources import AWS_IP_RANGES_URL

DEFAULT_LAKE = "./lake"


def _list(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


@dataclass(frozen=True)
class Settings:
    flow_logs: str
    log_format: str | None
    lake: str
    regions: list[str]
    role_arns: list[str]
    external_id: str | None
    ip_ranges: str

    @classmethod
    def from_environment(cls) -> "Settings":
        regions = _list(os.environ.get("FLOWPIPE_REGIONS")) or [
            boto3.session.Session().region_name or "us-east-1"
        ]
        return cls(
            flow_logs=os.environ.get("FLOWPIPE_FLOW_LOGS", ""),
            log_format=os.environ.get("FLOWPIPE_LOG_FORMAT") or None,
            lake=os.environ.get("FLOWPIPE_LAKE") or DEFAULT_LAKE,
            regions=regions,
            role_arns=_list(os.environ.get("FLOWPIPE_ROLE_ARNS")),
            external_id=os.environ.get("FLOWPIPE_EXTERNAL_ID") or None,
            ip_ranges=os.environ.get("FLOWPIPE_IP_RANGES") or AWS_IP_RANGES_URL,
        )
