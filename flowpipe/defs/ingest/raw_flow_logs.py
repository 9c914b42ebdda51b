"""raw_flow_logs and raw_flow_log_rejects: every record of a window, typed, and every line that was not."""

import dagster as dg
from pydantic import Field

from flowpipe.lib.raw_landing import land_window
from flowpipe.lib.resources import FlowLogSourceResource, LakeResource
from flowpipe.partitions import single_run, window_partitions, windows_in

DEFAULT_MAX_REJECT_RATE = 0.01


class RawFlowLogsConfig(dg.Config):
    """How much of the window to read; a sample is recorded in the materialization metadata."""

    sample_minutes: int | None = Field(default=None, description="read only this many minutes of the window")
    sample_offset_minutes: int = Field(
        default=0, description="where the sample starts, from the window start"
    )
    sample_every_nth_object: int | None = Field(
        default=None, description="read one delivery object in N, in key order (S3 and local folders)"
    )
    max_reject_rate: float = Field(
        default=DEFAULT_MAX_REJECT_RATE, description="the rejects check fails above this share of lines"
    )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            "raw_flow_logs",
            group_name="ingest",
            kinds={"s3", "parquet"},
            description="One row per flow log record whose start falls in the window, every field typed.",
        ),
        dg.AssetSpec(
            "raw_flow_log_rejects",
            group_name="ingest",
            kinds={"parquet"},
            description="One row per line (or object) that could not be read, with its source and reason.",
        ),
    ],
    check_specs=[dg.AssetCheckSpec("raw_flow_logs__rejects_below_threshold", asset="raw_flow_logs")],
    partitions_def=window_partitions,
    backfill_policy=single_run,
)
def raw_flow_logs(
    context: dg.AssetExecutionContext,
    config: RawFlowLogsConfig,
    flow_log_source: FlowLogSourceResource,
    lake: LakeResource,
):
    the_lake = lake.get()
    source = flow_log_source.open()
    landed = {
        window: land_window(
            source,
            the_lake,
            window,
            log=context.log.info,
            sample_minutes=config.sample_minutes,
            sample_offset_minutes=config.sample_offset_minutes,
            sample_every_nth_object=config.sample_every_nth_object,
        )
        for window in windows_in(context.partition_time_window)
    }
    records = sum(item.records for item in landed.values())
    rejected = sum(item.rejects for item in landed.values())
    reject_rate = rejected / (records + rejected) if records + rejected else 0.0
    last_window, last = list(landed.items())[-1]
    yield dg.MaterializeResult(
        asset_key="raw_flow_logs",
        metadata={
            "row_count": records,
            "windows": len(landed),
            "path": the_lake.uri(the_lake.partition_path("raw_flow_logs", last_window.partition)),
            **last.stats.as_metadata(),
        },
    )
    yield dg.MaterializeResult(asset_key="raw_flow_log_rejects", metadata={"row_count": rejected})
    yield dg.AssetCheckResult(
        check_name="raw_flow_logs__rejects_below_threshold",
        asset_key="raw_flow_logs",
        passed=reject_rate <= config.max_reject_rate,
        metadata={
            "reject_rate": reject_rate,
            "rejected": rejected,
            "max_reject_rate": config.max_reject_rate,
            "top_reasons": dg.MetadataValue.md(
                "\n\n".join(
                    f"{w.date} {w.name}:\n{item.stats.top_reasons_markdown()}" for w, item in landed.items()
                )
            ),
        },
    )
