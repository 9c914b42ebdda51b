"""No credential flowpipe holds shows up anywhere it writes: logs, Dagster's records, the lake.

A whole `flowpipe run --date` of the simulated account runs with distinctive fake credentials, an
external id and a role to assume, through the fault proxy (which records what went over the wire and
the temporary credentials AWS handed out); then every byte the run printed or wrote is searched.
"""

import contextlib
import gzip
import os
import sqlite3
import subprocess
import sys
import zlib
from pathlib import Path

import boto3
import dagster as dg
import pyarrow.parquet as pq
import pytest

from flowpipe.lib import aws_session
from flowpipe.lib.extraction import extract_window
from flowpipe.lib.flow_sources import open_flow_log_source
from flowpipe.lib.inventory import take_inventory
from flowpipe.lib.simulated.moto_server import MotoServer, patched_environment
from flowpipe_tests.faults.deliveries import END, START, key, records, text_object
from flowpipe_tests.faults.proxy import FaultProxy
from flowpipe_tests.simulated_run import BUCKET, DATE, reset_account, simulate_date, simulated_environment

CANARY = {
    "AWS_ACCESS_KEY_ID": "AKIAFLOWPIPECANARY7Q",
    "AWS_SECRET_ACCESS_KEY": "canarySecret/Zq8vN2xKp4Lr7Tw1Yb5Hd3Fg6Jm9",
    "AWS_SESSION_TOKEN": "canarySessionToken+FwoGZXIvYXdzEJr//////////wEaDM9canary",
    "FLOWPIPE_EXTERNAL_ID": "canary-external-id-4d1f0b7e",
}
ROLE = "arn:aws:iam::123456789012:role/flowpipe-reader"


def _secrets(proxy: FaultProxy) -> dict[str, str]:
    """The canaries, and every secret key, session token and access key id AWS issued to flowpipe."""
    issued = {f"issued secret {n}": secret for n, secret in enumerate(sorted(proxy.secrets_issued()))}
    keys = {f"issued key {n}": key for n, key in enumerate(sorted(proxy.access_keys_issued_for(ROLE)))}
    return {**CANARY, **issued, **keys}


def _found_in(data: bytes, secrets: dict[str, str]) -> list[str]:
    return [name for name, secret in secrets.items() if secret.encode() in data]


def _contents(path: Path) -> bytes:
    """A file's bytes, and what compression hides in it: Parquet's (zstd) values, SQLite's rows (Dagster
    keeps its job snapshots zlib-compressed there), gzip's text."""
    data = path.read_bytes()
    parts = [data]
    if data.startswith(b"PAR1"):
        parts.append(repr(pq.read_table(path).to_pydict()).encode())
    elif data.startswith(b"SQLite format 3\x00"):
        with contextlib.closing(sqlite3.connect(path)) as database:
            tables = [
                name for (name,) in database.execute("SELECT name FROM sqlite_master WHERE type='table'")
            ]
            for table in tables:
                for row in database.execute(f'SELECT * FROM "{table}"'):
                    parts.extend(_inflated(value) for value in row if isinstance(value, bytes | str))
    elif data.startswith(b"\x1f\x8b"):
        parts.append(gzip.decompress(data))
    return b"\n".join(parts)


def _inflated(value: bytes | str) -> bytes:
    if isinstance(value, str):
        return value.encode()
    try:
        return zlib.decompress(value)
    except zlib.error:
        return value


@pytest.fixture(scope="module")
def canary_run(moto_server: MotoServer, proxy: FaultProxy, tmp_path_factory) -> dict:
    """`flowpipe run --date` in a child process, as a user runs it, through the proxy."""
    proxy.reset()
    root = tmp_path_factory.mktemp("canary")
    reset_account(moto_server)
    with patched_environment(simulated_environment(moto_server, root / "lake")):
        simulate_date(scale=0.05)
    environment = {
        **{name: value for name, value in os.environ.items() if not name.startswith(("AWS_", "FLOWPIPE_"))},
        **simulated_environment(moto_server, root / "lake"),
        **CANARY,
        "AWS_ENDPOINT_URL": proxy.endpoint_url,
        "FLOWPIPE_ROLE_ARNS": ROLE,
        "DAGSTER_HOME": str(root / "dagster"),
    }
    finished = subprocess.run(
        [sys.executable, "-m", "flowpipe.cli", "run", "--date", DATE.isoformat()],
        cwd=root,
        env=environment,
        capture_output=True,
        timeout=600,
        check=False,
    )
    # The proxy is shared and reset by other tests: what it saw of this run is kept here.
    return {
        "root": root,
        "finished": finished,
        "secrets": _secrets(proxy),
        "calls": proxy.calls(),
        "role_keys": proxy.access_keys_issued_for(ROLE),
    }


def test_the_canary_run_succeeds_with_the_canary_credentials_and_the_role(canary_run) -> None:
    assert canary_run["finished"].returncode == 0, canary_run["finished"].stderr[-3000:]
    calls = canary_run["calls"]
    assert {call.access_key for call in calls if call.service == "s3"} == {CANARY["AWS_ACCESS_KEY_ID"]}
    assert any(call.access_key in canary_run["role_keys"] for call in calls if call.service == "ec2")


def test_the_role_is_assumed_with_the_external_id(canary_run) -> None:
    calls = [call for call in canary_run["calls"] if call.operation == "AssumeRole"]
    assert calls and {(c.params["RoleArn"], c.params.get("ExternalId")) for c in calls} == {
        (ROLE, CANARY["FLOWPIPE_EXTERNAL_ID"])
    }


def test_no_secret_is_printed_by_the_run(canary_run) -> None:
    finished = canary_run["finished"]
    assert _found_in(finished.stdout + finished.stderr, canary_run["secrets"]) == []


@pytest.mark.parametrize("folder", ["lake", "dagster"])
def test_no_secret_is_in_any_file_the_run_wrote(canary_run, folder: str) -> None:
    files = [path for path in (canary_run["root"] / folder).rglob("*") if path.is_file()]
    assert files
    leaks = {str(path): _found_in(_contents(path), canary_run["secrets"]) for path in files}
    assert {path: names for path, names in leaks.items() if names} == {}


def test_no_secret_is_in_the_materializations_dagster_recorded(canary_run) -> None:
    with patched_environment({"DAGSTER_HOME": str(canary_run["root"] / "dagster")}):
        instance = dg.DagsterInstance.get()
        keys = instance.get_asset_keys()
        texts = [
            repr(record.asset_materialization.metadata)
            for key in keys
            for record in instance.fetch_materializations(dg.AssetRecordsFilter(asset_key=key), 10).records
        ]
    assert dg.AssetKey("raw_flow_logs") in keys and texts
    assert _found_in("\n".join(texts).encode(), canary_run["secrets"]) == []


def test_no_secret_is_logged_by_extraction_or_the_inventory_even_at_debug(
    faulty_aws: FaultProxy, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """flowpipe's own loggers at DEBUG, everything else at INFO (botocore's DEBUG prints request headers)."""
    for name, value in CANARY.items():
        monkeypatch.setenv(name, value)
    caplog.set_level("INFO")
    caplog.set_level("DEBUG", logger="flowpipe")
    s3 = boto3.client("s3", endpoint_url=faulty_aws.endpoint_url)
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key=key("20260314T1000Z"), Body=text_object(records(1000, 3)))

    landed = sum(
        batch.records.num_rows for batch in extract_window(open_flow_log_source(f"s3://{BUCKET}"), START, END)
    )
    take_inventory(["us-east-1"], [ROLE], external_id=CANARY["FLOWPIPE_EXTERNAL_ID"])
    session = aws_session.assumed_role_session(ROLE, CANARY["FLOWPIPE_EXTERNAL_ID"])

    assert landed == 3 and caplog.records
    credentials = session.get_credentials()
    secrets = {**CANARY, "assumed key": credentials.access_key, "assumed secret": credentials.secret_key}
    assert _found_in(caplog.text.encode(), secrets) == []
