"""A simulated account with one date of flow logs, and the chain run on it: shared by end-to-end tests."""

import datetime
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pandas as pd

from flowpipe.cli import SIMULATED_IP_RANGES
from flowpipe.lib.lake import Lake
from flowpipe.lib.simulated.moto_server import MotoServer
from flowpipe.lib.simulated.simulation import Simulation, simulate

DATE = datetime.date(2026, 3, 14)
WINDOW_KEYS = {"day": "2026-03-14-06:00", "night": "2026-03-14-18:00"}
BUCKET = "flowpipe-test-flow-logs"


@dataclass
class SimulatedRun:
    simulation: Simulation
    lake: Lake
    environment: dict[str, str]

    def table(self, name: str, window: str) -> pd.DataFrame:
        return self.lake.read_partition(name, {"date": DATE.isoformat(), "window": window}).to_pandas()

    def truth(self, window: str) -> pd.DataFrame:
        truth = self.simulation.ground_truth
        return truth[truth.window == window]


def reset_account(server: MotoServer) -> None:
    request = urllib.request.Request(f"{server.endpoint_url}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=10).close()


def simulated_environment(server: MotoServer, lake_root: Path, prefix: str = "") -> dict[str, str]:
    location = f"s3://{BUCKET}/{prefix}".rstrip("/")
    return {
        **server.environment(),
        "FLOWPIPE_FLOW_LOGS": location,
        "FLOWPIPE_LAKE": str(lake_root),
        "FLOWPIPE_IP_RANGES": str(SIMULATED_IP_RANGES),
    }


def simulate_date(scale: float = 0.2, prefix: str = "", fields: tuple[str, ...] | None = None) -> Simulation:
    kwargs = {"fields": fields} if fields else {}
    return simulate(DATE, bucket=BUCKET, prefix=prefix, scale=scale, **kwargs)


def materialize_date() -> dg.ExecuteInProcessResult:
    """Runs date_job (the daily rollups and the report) for the simulated date."""
    from flowpipe.definitions import defs

    job = defs().resolve_job_def("date_job")
    return job.execute_in_process(partition_key=DATE.isoformat(), raise_on_error=False)


def materialize_window(window: str) -> dg.ExecuteInProcessResult:
    """Runs window_job for one window with the Definitions the UI loads (resources from the environment)."""
    from flowpipe.definitions import defs

    job = defs().resolve_job_def("window_job")
    return job.execute_in_process(partition_key=WINDOW_KEYS[window], raise_on_error=False)
