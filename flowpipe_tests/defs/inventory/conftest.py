"""The simulated account, and the inventory assets materialized on it into a lake in tmp_path."""

from collections.abc import Callable

import dagster as dg
import pytest

from flowpipe.defs.inventory.inventory_snapshot import inventory_snapshot
from flowpipe.lib.resources import AwsInventoryResource, LakeResource
from flowpipe.lib.simulated.account import build_account
from flowpipe.lib.simulated.account_model import AccountModel

WINDOW_KEY = "2026-03-14-06:00"


@pytest.fixture
def account(aws) -> AccountModel:
    return build_account("us-east-1")


@pytest.fixture
def materialize_inventory(tmp_path) -> Callable[..., dg.ExecuteInProcessResult]:
    """Materializes inventory_snapshot and `assets` into tmp_path/lake, AWS's ranges read from `ip_ranges`
    (`partition_key=None` and range tags for a backfill)."""

    def materialize(
        *assets: dg.AssetsDefinition, ip_ranges: str, partition_key: str | None = WINDOW_KEY, **kwargs
    ) -> dg.ExecuteInProcessResult:
        return dg.materialize(
            [inventory_snapshot, *assets],
            partition_key=partition_key,
            resources={
                "aws": AwsInventoryResource(regions=["us-east-1"], ip_ranges=ip_ranges),
                "lake": LakeResource(root=str(tmp_path / "lake")),
            },
            **kwargs,
        )

    return materialize
