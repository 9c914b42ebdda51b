"""Binds flowpipe's resources to the settings in the environment, for the UI, schedules and the CLI alike."""

import dagster as dg

from flowpipe.lib.resources import (
    AwsInventoryResource,
    FlowLogSourceResource,
    LakeResource,
    SqlEngineResource,
)
from flowpipe.lib.settings import Settings


@dg.definitions
def resources() -> dg.Definitions:
    settings = Settings.from_environment()
    return dg.Definitions(
        resources={
            "flow_log_source": FlowLogSourceResource(
                location=settings.flow_logs, log_format=settings.log_format
            ),
            "lake": LakeResource(root=settings.lake),
            "aws": AwsInventoryResource(
                regions=settings.regions,
                role_arns=settings.role_arns,
                external_id=settings.external_id,
                ip_ranges=settings.ip_ranges,
            ),
            "sql": SqlEngineResource(),
        }
    )
