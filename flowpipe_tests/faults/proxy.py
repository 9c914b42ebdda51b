"""A fault-injecting reverse proxy in front of the moto server: the same boto3 code, a less reliable AWS.

Tests point AWS_ENDPOINT_URL at `FaultProxy.endpoint_url`. Every request goes on to moto unless a rule
matches it; a matching rule answers instead, with an AWS error in the service's own protocol (throttling,
500, 503 SlowDown, AccessDenied, ExpiredToken), or with moto's answer cut short: a TCP reset after some
bytes of the body, or a body shortened with a Content-Length that agrees. Every request is recorded
(service, operation, S3 key, parameters, the answer) so a test can count attempts and read what was sent.
"""

import contextlib
import http.client
import json
import re
import socket
import struct
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import botocore.session

# Hop-by-hop headers are the proxy's own business, never forwarded.
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "expect",
    }
)
_CREDENTIAL = re.compile(r"Credential=([^/]+)/[^/]+/([^/]+)/([^/]+)/")
_ACCESS_KEY_IN_RESPONSE = re.compile(rb"<AccessKeyId>([^<]+)</AccessKeyId>")
_SECRET_IN_RESPONSE = re.compile(rb"<(SecretAccessKey|SessionToken)>([^<]+)</")
_PAUSE_BEFORE_RESET = 0.05  # lets the client read the bytes sent before the reset arrives


@dataclass(frozen=True)
class AwsError:
    """An error answer; its body is shaped by the protocol of the service the request was for."""

    status: int
    code: str
    message: str = "injected by the fault proxy"


@dataclass(frozen=True)
class ResetAfter:
    """moto's answer with its full Content-Length, but only `body_bytes` of the body, then a TCP reset."""

    body_bytes: int


@dataclass(frozen=True)
class Truncated:
    """moto's answer with its body cut to `body_bytes` and a Content-Length that agrees: a short object."""

    body_bytes: int


Fault = AwsError | ResetAfter | Truncated

SLOW_DOWN = AwsError(503, "SlowDown", "Please reduce your request rate.")
INTERNAL_ERROR = AwsError(500, "InternalError", "We encountered an internal error. Please try again.")
THROTTLING = AwsError(400, "ThrottlingException", "Rate exceeded")
SERVICE_UNAVAILABLE = AwsError(503, "ServiceUnavailableException", "The service is unavailable.")
EXPIRED_TOKEN = AwsError(400, "ExpiredToken", "The provided token has expired.")
ACCESS_DENIED = AwsError(403, "AccessDenied", "User is not authorized to perform this operation")


@dataclass
class Call:
    """One request as the proxy saw it, and what it answered."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    service: str  # the signing name in the Authorization header: "s3", "logs", "sts", ...
    operation: str  # best effort: "GetObject", "FilterLogEvents", "AssumeRole", ...
    access_key: str
    params: dict[str, str]  # query-protocol form fields or top-level JSON fields
    bucket: str | None = None
    key: str | None = None
    status: int | None = None
    response: bytes = b""
    fault: Fault | None = None


@dataclass
class Rule:
    """A fault for the requests it matches: every one, or only the first `times` of them."""

    fault: Fault
    service: str | None = None
    operation: str | None = None
    key: str | None = None
    where: Callable[[Call], bool] | None = None
    times: int | None = None
    hits: int = 0

    def claims(self, call: Call) -> bool:
        if self.service is not None and call.service != self.service:
            return False
        if self.operation is not None and call.operation != self.operation:
            return False
        if self.key is not None and call.key != self.key:
            return False
        if self.where is not None and not self.where(call):
            return False
        if self.times is not None and self.hits >= self.times:
            return False
        self.hits += 1
        return True


@dataclass
class _State:
    upstream: tuple[str, int]
    rules: list[Rule] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    # Re-entrant: a rule's `where` may read the recorded calls while the rules are being matched.
    lock: threading.RLock = field(default_factory=threading.RLock)
    resets: set[socket.socket] = field(default_factory=set)  # connections to abort, not close


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: _State

    def shutdown_request(self, request: socket.socket) -> None:
        """A connection marked for reset is closed at once (SO_LINGER 0: RST), without the usual FIN."""
        with self.state.lock:
            reset = request in self.state.resets
            self.state.resets.discard(request)
        if reset:
            self.close_request(request)
        else:
            super().shutdown_request(request)


class FaultProxy:
    """A threaded HTTP reverse proxy on a free 127.0.0.1 port; use as a context manager."""

    def __init__(self, upstream_url: str) -> None:
        parsed = urllib.parse.urlsplit(upstream_url)
        self._state = _State(upstream=(parsed.hostname or "127.0.0.1", parsed.port or 80))
        self._server = _Server(("127.0.0.1", 0), _handler_for(self._state))
        self._server.state = self._state
        self._thread = threading.Thread(target=self._server.serve_forever, name="fault-proxy", daemon=True)
        self.endpoint_url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> "FaultProxy":
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def inject(
        self,
        fault: Fault,
        *,
        service: str | None = None,
        operation: str | None = None,
        key: str | None = None,
        where: Callable[[Call], bool] | None = None,
        times: int | None = None,
    ) -> Rule:
        """Answers matching requests with `fault` (the first `times` of them, or all); returns the rule."""
        rule = Rule(fault, service, operation, key, where, times)
        with self._state.lock:
            self._state.rules.append(rule)
        return rule

    def reset(self) -> None:
        """No rules and no recorded calls: a clean proxy for the next test."""
        with self._state.lock:
            self._state.rules.clear()
            self._state.calls.clear()

    def calls(
        self, service: str | None = None, operation: str | None = None, key: str | None = None
    ) -> list[Call]:
        with self._state.lock:
            return [
                call
                for call in self._state.calls
                if (service is None or call.service == service)
                and (operation is None or call.operation == operation)
                and (key is None or call.key == key)
            ]

    def access_keys_issued_for(self, role_arn: str) -> set[str]:
        """The access key ids moto handed out for AssumeRole of `role_arn` so far."""
        return {
            match.decode()
            for call in self.calls("sts", "AssumeRole")
            if call.params.get("RoleArn") == role_arn and call.fault is None
            for match in _ACCESS_KEY_IN_RESPONSE.findall(call.response)
        }

    def secrets_issued(self) -> set[str]:
        """Every secret key and session token moto handed out through the proxy (assumed roles)."""
        return {
            match[1].decode()
            for call in self.calls("sts")
            for match in _SECRET_IN_RESPONSE.findall(call.response)
        }


def deny_role_credentials(proxy: FaultProxy, role_arn: str, fault: Fault = ACCESS_DENIED) -> Rule:
    """Every call made with credentials issued for `role_arn` fails: the role's policy allows nothing."""
    return proxy.inject(fault, where=lambda call: call.access_key in proxy.access_keys_issued_for(role_arn))


def _handler_for(state: _State) -> type[BaseHTTPRequestHandler]:
    class Handler(_ProxyHandler):
        _state = state

    return Handler


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as botocore's connection pool expects
    _state: _State

    def setup(self) -> None:
        super().setup()
        # Headers and body go out as separate writes: without this, Nagle and delayed ACKs add 40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - BaseHTTPRequestHandler's name
        """Quiet: the calls are recorded instead."""

    def do_GET(self) -> None:
        self._proxy()

    do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def _proxy(self) -> None:
        call = self._call(self._read_body())
        fault = self._fault_for(call)
        call.fault = fault
        if isinstance(fault, AwsError):
            status, headers, body = _error_answer(call, fault)
        else:
            try:
                status, headers, body = self._forward(call)
            except OSError as error:
                status, headers, body = 502, [("Content-Type", "text/plain")], str(error).encode()
        call.status, call.response = status, body
        with self._state.lock:
            self._state.calls.append(call)
        if isinstance(fault, Truncated):
            body = body[: fault.body_bytes]
            headers = [(name, value) for name, value in headers if name.lower() != "content-length"]
            headers.append(("Content-Length", str(len(body))))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command == "HEAD":
            return
        if isinstance(fault, ResetAfter):
            self._reset_after(body[: fault.body_bytes])
            return
        self.wfile.write(body)

    def _fault_for(self, call: Call) -> Fault | None:
        with self._state.lock:
            for rule in self._state.rules:
                if rule.claims(call):
                    return rule.fault
        return None

    def _reset_after(self, partial: bytes) -> None:
        self.wfile.write(partial)
        self.wfile.flush()
        time.sleep(_PAUSE_BEFORE_RESET)
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with self._state.lock:
            self._state.resets.add(self.connection)
        self.close_connection = True

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _read_chunked(self) -> bytes:
        parts = []
        while True:
            size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(parts)
            parts.append(self.rfile.read(size))
            self.rfile.readline()

    def _forward(self, call: Call) -> tuple[int, list[tuple[str, str]], bytes]:
        headers = {name: value for name, value in self.headers.items() if name.lower() not in _HOP_BY_HOP}
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            headers["Content-Length"] = str(len(call.body))
        connection = http.client.HTTPConnection(*self._state.upstream, timeout=60)
        try:
            connection.request(self.command, self.path, body=call.body or None, headers=headers)
            response = connection.getresponse()
            body = response.read()
            answer = [(n, v) for n, v in response.getheaders() if n.lower() not in _HOP_BY_HOP]
        finally:
            connection.close()
        if self.command != "HEAD":
            answer = [(n, v) for n, v in answer if n.lower() != "content-length"]
            answer.append(("Content-Length", str(len(body))))
        return response.status, answer, body

    def _call(self, body: bytes) -> Call:
        split = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(split.query, keep_blank_values=True))
        headers = {name.lower(): value for name, value in self.headers.items()}
        match = _CREDENTIAL.search(headers.get("authorization", ""))
        access_key, service = (match.group(1), match.group(3)) if match else ("", "")
        call = Call(self.command, split.path, query, headers, body, service, "", access_key, {})
        _describe(call)
        return call


def _describe(call: Call) -> None:
    """Fills in operation, params, bucket and key from what the request's protocol carries."""
    target = call.headers.get("x-amz-target")
    if target:
        call.operation = target.rsplit(".", 1)[-1]
        with contextlib.suppress(ValueError):
            loaded = json.loads(call.body or b"{}")
            call.params = {k: str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}
        return
    form = call.headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
    if form or "Action" in call.query:
        fields = dict(urllib.parse.parse_qsl(call.body.decode(errors="replace"))) if form else {}
        call.params = {**call.query, **fields}
        call.operation = call.params.get("Action", "")
        return
    if call.service == "s3":
        _describe_s3(call)
    else:
        call.operation = f"{call.method} {call.path}"


def _describe_s3(call: Call) -> None:
    bucket, _, key = call.path.lstrip("/").partition("/")
    call.bucket = urllib.parse.unquote(bucket) or None
    call.key = urllib.parse.unquote(key) if key else None
    call.params = dict(call.query)
    if call.key is None:
        listing = "ListObjectsV2" if call.query.get("list-type") == "2" else "ListObjects"
        bucket_operations = {"GET": listing, "PUT": "CreateBucket", "HEAD": "HeadBucket"}
        call.operation = bucket_operations.get(call.method, f"{call.method} bucket")
        return
    object_operations = {
        "GET": "GetObject",
        "HEAD": "HeadObject",
        "PUT": "PutObject",
        "DELETE": "DeleteObject",
    }
    call.operation = object_operations.get(call.method, f"{call.method} object")


def _protocol(service: str) -> str:
    if service not in _PROTOCOLS:
        _PROTOCOLS[service] = _load_protocol(service)
    return _PROTOCOLS[service]


_PROTOCOLS: dict[str, str] = {}


def _load_protocol(service: str) -> str:
    """The protocol of the service whose signing name this is (mostly its own name: a fast path)."""
    session = botocore.session.get_session()
    names = session.get_available_services()
    for name in sorted(names, key=lambda candidate: candidate != service):
        model = session.get_service_model(name)
        if model.signing_name == service:
            return model.protocol
    return "rest-xml"


def _error_answer(call: Call, error: AwsError) -> tuple[int, list[tuple[str, str]], bytes]:
    """AWS's error shape for the request's protocol, so botocore reads the code as from AWS itself."""
    protocol = _protocol(call.service)
    if protocol in ("json", "rest-json"):
        body = json.dumps({"__type": error.code, "message": error.message}).encode()
        content_type = "application/x-amz-json-1.1"
        extra = [("x-amzn-ErrorType", error.code)]
    elif protocol == "ec2":
        body = (
            f"<?xml version='1.0' encoding='UTF-8'?><Response><Errors><Error><Code>{error.code}</Code>"
            f"<Message>{error.message}</Message></Error></Errors><RequestID>fault-proxy</RequestID></Response>"
        ).encode()
        content_type, extra = "text/xml", []
    elif protocol == "query":
        body = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{error.code}</Code><Message>{error.message}"
            "</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>"
        ).encode()
        content_type, extra = "text/xml", []
    else:
        body = (
            f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{error.code}</Code>"
            f"<Message>{error.message}</Message><RequestId>fault-proxy</RequestId></Error>"
        ).encode()
        content_type, extra = "application/xml", []
    if call.method == "HEAD":
        body = b""
    headers = [("Content-Type", content_type), ("Content-Length", str(len(body))), *extra]
    return error.status, headers, body
