"""A moto server on 127.0.0.1 in its own process: the simulated AWS account's endpoint.

A separate process (rather than moto's in-process thread) keeps the pipeline's CPU work and the
server apart, and lets `flowpipe dev` hand the same endpoint to Dagster's child processes.
CloudTrail's LookupEvents, which moto lacks, is served beside it (cloudtrail_server.py) from the
account's trail, and started and stopped with it.
"""

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import boto3
from botocore.client import BaseClient

from flowpipe.lib.simulated.cloudtrail_server import CloudTrailServer

STARTUP_TIMEOUT_SECONDS = 30.0
# moto accepts any credentials; these make boto3 sign requests without touching ~/.aws.
SIMULATED_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
SIMULATED_REGION = "us-east-1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_ready(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto server exited with code {process.returncode} before it was ready")
        with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/moto-api/", timeout=1):
            return
        time.sleep(0.1)
    raise TimeoutError(f"moto server at {url} was not ready within {STARTUP_TIMEOUT_SECONDS} s")


class MotoServer:
    """Starts `moto_server` on a free loopback port; use as a context manager."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.endpoint_url = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen | None = None
        self.cloudtrail = CloudTrailServer(self._account_s3())

    def start(self) -> "MotoServer":
        self._process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_until_ready(self.endpoint_url, self._process)
        self.cloudtrail.start()
        return self

    def stop(self) -> None:
        self.cloudtrail.stop()
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
            self._process = None

    def environment(self) -> dict[str, str]:
        """The standard AWS settings that point boto3 (and child processes) at this server."""
        return {
            **SIMULATED_CREDENTIALS,
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ENDPOINT_URL_CLOUDTRAIL": self.cloudtrail.endpoint_url,
            "AWS_REGION": SIMULATED_REGION,
            "AWS_DEFAULT_REGION": SIMULATED_REGION,
        }

    def _account_s3(self) -> BaseClient:
        """An S3 client of the simulated account, whatever the environment says: the trail is read with it."""
        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=SIMULATED_REGION,
            **{key.lower(): value for key, value in SIMULATED_CREDENTIALS.items()},
        )

    def __enter__(self) -> "MotoServer":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@contextlib.contextmanager
def patched_environment(values: dict[str, str]) -> Iterator[None]:
    """Sets environment variables for the duration of the block, then restores the previous ones."""
    previous = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
