"""The simulated account's endpoint: a moto server of its own on a free 127.0.0.1 port, reached by plain boto3
through the standard AWS settings, with its CloudTrail endpoint beside it; both ports close on stop."""

import os
import socket

import boto3
import pytest

from flowpipe.lib.simulated.moto_server import MotoServer, patched_environment


def _refused(url: str) -> bool:
    host, port = url.removeprefix("http://").split(":")
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


def test_the_endpoint_starts_and_stops_with_the_moto_server() -> None:
    server = MotoServer().start()
    try:
        url = server.environment()["AWS_ENDPOINT_URL_CLOUDTRAIL"]
        assert url == server.cloudtrail.endpoint_url != server.endpoint_url
        with patched_environment(server.environment()):
            assert boto3.client("cloudtrail").lookup_events()["Events"] == []
    finally:
        server.stop()
    host, port = url.removeprefix("http://").split(":")
    with pytest.raises(ConnectionRefusedError), socket.create_connection((host, int(port)), timeout=2):
        pass


def test_a_server_answers_boto3_on_its_own_loopback_port_and_closes_it_on_exit(moto_server) -> None:
    with MotoServer() as server:
        assert server.endpoint_url == f"http://127.0.0.1:{server.port}"
        assert server.port != moto_server.port
        with patched_environment(server.environment()):
            boto3.client("s3").create_bucket(Bucket="only-in-this-server")
            listed = [bucket["Name"] for bucket in boto3.client("s3").list_buckets()["Buckets"]]
            account = boto3.client("sts").get_caller_identity()["Account"]
        assert not _refused(server.endpoint_url)
    assert (listed, account) == (["only-in-this-server"], "123456789012")
    with patched_environment(moto_server.environment()):
        others = {bucket["Name"] for bucket in boto3.client("s3").list_buckets()["Buckets"]}
    assert "only-in-this-server" not in others
    assert _refused(server.endpoint_url)


def test_the_environment_names_the_server_the_region_and_the_simulated_credentials(moto_server) -> None:
    environment = moto_server.environment()
    assert environment["AWS_ENDPOINT_URL"] == f"http://127.0.0.1:{moto_server.port}"
    assert environment["AWS_ENDPOINT_URL_CLOUDTRAIL"].startswith("http://127.0.0.1:")
    assert (environment["AWS_REGION"], environment["AWS_DEFAULT_REGION"]) == ("us-east-1", "us-east-1")
    assert {
        environment[key] for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
    } == {"testing"}


def test_patched_environment_restores_changed_and_removes_added_variables(monkeypatch) -> None:
    monkeypatch.setenv("FLOWPIPE_TEST_KEPT", "before")
    monkeypatch.delenv("FLOWPIPE_TEST_ADDED", raising=False)
    with (
        pytest.raises(KeyError),
        patched_environment({"FLOWPIPE_TEST_KEPT": "during", "FLOWPIPE_TEST_ADDED": "during"}),
    ):
        assert (os.environ["FLOWPIPE_TEST_KEPT"], os.environ["FLOWPIPE_TEST_ADDED"]) == ("during", "during")
        raise KeyError("the block fails")
    assert os.environ["FLOWPIPE_TEST_KEPT"] == "before"
    assert "FLOWPIPE_TEST_ADDED" not in os.environ
