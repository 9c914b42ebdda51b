"""Batch jobs run outside Dagster, on a Spark cluster (spark-submit) or a single machine."""
