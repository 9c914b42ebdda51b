"""The values SQL models read with var(): ranking and the data-transfer price table (USD per GB).

This is the one place they are set; a model's var() has no default of its own, so a price is never
hard-coded in SQL. Every SQL asset takes them as run configuration.
"""

import dagster as dg
from pydantic import Field


class SqlModelConfig(dg.Config):
    """Run configuration of every SQL asset."""

    top_n: int = Field(default=100, description="rows kept in ranked rollups such as top_talkers")
    cross_az_usd_per_gb: float = Field(
        default=0.01, description="cross-AZ data transfer, charged in each direction (AWS list price)"
    )
    nat_gateway_usd_per_gb: float = Field(default=0.045, description="NAT gateway data processing")
    internet_egress_usd_per_gb: float = Field(default=0.09, description="data transfer out to the internet")
    vpc_endpoint_usd_per_gb: float = Field(default=0.01, description="interface VPC endpoint data processing")
