"""flowpipe's settings, read from the environment (a `.env` file works too: Dagster loads it).

AWS itself (credentials, profile, region, endpoint) is reached through the standard AWS settings only.
"""

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import boto3

AWS_IP_RANGES_URL = "https://ip-ranges.amazonaws.com/ip-ranges.json"
DEFAULT_LAKE = "./lake"
ENGINES = ("duckdb", "spark")
DEFAULT_ENGINE = "duckdb"
DEFAULT_SPARK_MASTER = "local[*]"
DEFAULT_SPARK_S3_SCHEME = "s3a"  # Hadoop's S3 connector; EMR's EMRFS is "s3"


def local_spark_defaults() -> dict[str, str]:
    """Spark on one machine: no web UI, few shuffle partitions (Spark's 200 are 200 tasks per shuffle
    for a few million rows), loopback networking, the driver's heap as large as DuckDB's memory limit
    and spill files in the system's temp folder."""
    return {
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.shuffle.partitions": str(2 * (os.cpu_count() or 1)),
        "spark.driver.memory": "2g",
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.local.dir": str(Path(tempfile.gettempdir()) / "flowpipe-spark"),
        "spark.log.level": "WARN",
    }


def _list(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def parse_spark_conf(value: str | None) -> dict[str, str]:
    """FLOWPIPE_SPARK_CONF: `key=value` entries separated by `;` or new lines (values may hold commas,
    as spark.jars.packages does)."""
    conf = {}
    for entry in (value or "").replace("\n", ";").split(";"):
        if not entry.strip():
            continue
        key, sign, setting = entry.partition("=")
        if not sign or not key.strip():
            raise ValueError(f"FLOWPIPE_SPARK_CONF entry {entry.strip()!r} is not key=value")
        conf[key.strip()] = setting.strip()
    return conf


@dataclass(frozen=True)
class Settings:
    flow_logs: str
    log_format: str | None
    lake: str
    regions: list[str]
    role_arns: list[str]
    external_id: str | None
    ip_ranges: str
    engine: str = DEFAULT_ENGINE
    spark_master: str = DEFAULT_SPARK_MASTER
    spark_conf: dict[str, str] = field(default_factory=dict)
    spark_s3_scheme: str = DEFAULT_SPARK_S3_SCHEME

    @property
    def spark_config(self) -> dict[str, str]:
        """The SparkSession's configuration: local defaults on a local master, then FLOWPIPE_SPARK_CONF.
        Every engine reads time in UTC: the lake holds Unix seconds, never local times."""
        local = local_spark_defaults() if self.spark_master.startswith("local") else {}
        return {
            **local,
            "spark.master": self.spark_master,
            "spark.sql.session.timeZone": "UTC",
            **self.spark_conf,
        }

    @classmethod
    def from_environment(cls) -> "Settings":
        regions = _list(os.environ.get("FLOWPIPE_REGIONS")) or [
            boto3.session.Session().region_name or "us-east-1"
        ]
        engine = (os.environ.get("FLOWPIPE_ENGINE") or DEFAULT_ENGINE).strip().lower()
        if engine not in ENGINES:
            raise ValueError(f"FLOWPIPE_ENGINE={engine!r}: expected one of {', '.join(ENGINES)}")
        return cls(
            flow_logs=os.environ.get("FLOWPIPE_FLOW_LOGS", ""),
            log_format=os.environ.get("FLOWPIPE_LOG_FORMAT") or None,
            lake=os.environ.get("FLOWPIPE_LAKE") or DEFAULT_LAKE,
            regions=regions,
            role_arns=_list(os.environ.get("FLOWPIPE_ROLE_ARNS")),
            external_id=os.environ.get("FLOWPIPE_EXTERNAL_ID") or None,
            ip_ranges=os.environ.get("FLOWPIPE_IP_RANGES") or AWS_IP_RANGES_URL,
            engine=engine,
            spark_master=os.environ.get("FLOWPIPE_SPARK_MASTER") or DEFAULT_SPARK_MASTER,
            spark_conf=parse_spark_conf(os.environ.get("FLOWPIPE_SPARK_CONF")),
            spark_s3_scheme=os.environ.get("FLOWPIPE_SPARK_S3_SCHEME") or DEFAULT_SPARK_S3_SCHEME,
        )
