"""The simulated account's CloudTrail endpoint: LookupEvents over CloudTrail's JSON protocol (awsJson1.1),
answered from the account's trail (trail.py), so flowpipe's boto3 code reads it as it reads AWS; only the
endpoint differs (AWS_ENDPOINT_URL_CLOUDTRAIL). moto 5.2.5 answers LookupEvents with HTTP 500.

As AWS answers: at most one lookup attribute, StartTime and EndTime both included, newest first, MaxResults
1 to 50 (default 50), a NextToken valid only with the parameters it was issued for, the signing region's
events only, errors as {"__type", "message"} with HTTP 400 (UnknownOperationException for other targets).
Not modelled: the 90 days (simulated dates may be older), the rate limit of 2 requests a second, Insights
events, and accounts (the region's records of every account in the trail are served).
"""

import base64
import binascii
import hashlib
import json
import logging
import re
import threading
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from botocore.client import BaseClient
from botocore.exceptions import BotoCoreError, ClientError

from flowpipe.lib.simulated.cloudtrail import PAGE_SIZE, lookup_item_of
from flowpipe.lib.simulated.trail import trail_records

log = logging.getLogger(__name__)

TARGET_PREFIX = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101"
LOOKUP_EVENTS = f"{TARGET_PREFIX}.LookupEvents"
ATTRIBUTE_KEYS = frozenset(
    {
        "EventId",
        "EventName",
        "ReadOnly",
        "Username",
        "ResourceType",
        "ResourceName",
        "EventSource",
        "AccessKeyId",
    }
)
_RESOURCE_KEYS = {"ResourceType", "ResourceName"}
_TOKEN_PARAMETERS = ("LookupAttributes", "StartTime", "EndTime", "EventCategory")
_CONTENT_TYPE = "application/x-amz-json-1.1"
_SIGNING_REGION = re.compile(r"Credential=[^/,]+/\d{8}/([^/]+)/cloudtrail/")


class LookupFailure(Exception):
    """An error answer: AWS's error code (the JSON `__type`), message and HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.status = code, message, status


def _matches(item: dict, attribute: dict) -> bool:
    key, value = attribute.get("AttributeKey"), attribute.get("AttributeValue")
    if key in _RESOURCE_KEYS:
        return any(resource.get(key) == value for resource in item["Resources"])
    return item.get(key) == value


def _digest(request: dict) -> str:
    """What a NextToken is bound to: the lookup's parameters other than the page size."""
    parameters = json.dumps({name: request.get(name) for name in _TOKEN_PARAMETERS}, sort_keys=True)
    return hashlib.sha256(parameters.encode()).hexdigest()[:16]


def _token(offset: int, digest: str) -> str:
    return base64.urlsafe_b64encode(f"{offset}:{digest}".encode()).decode()


def _offset(token: str | None, digest: str) -> int:
    if token is None:
        return 0
    try:
        offset, issued_for = base64.urlsafe_b64decode(token.encode()).decode().split(":")
        if issued_for == digest and int(offset) >= 0:
            return int(offset)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise LookupFailure("InvalidNextTokenException", "Invalid NextToken or the parameters changed.")


def _seconds(value: object, name: str) -> float:
    if isinstance(value, int | float):
        return float(value)
    raise LookupFailure("SerializationException", f"{name} must be a timestamp in epoch seconds.")


def lookup_events(records: list[dict], request: dict, now: datetime) -> dict:
    """LookupEvents' answer to `request` (its JSON body) from the trail's records, or a LookupFailure."""
    attributes = request.get("LookupAttributes") or []
    if len(attributes) > 1:
        raise LookupFailure("InvalidLookupAttributesException", "Only one lookup attribute is allowed.")
    if any(attribute.get("AttributeKey") not in ATTRIBUTE_KEYS for attribute in attributes):
        raise LookupFailure("InvalidLookupAttributesException", "The lookup attribute key is not valid.")
    category = request.get("EventCategory")
    if category not in (None, "insight"):
        raise LookupFailure("InvalidEventCategoryException", f"{category} is not a valid event category.")
    start = _seconds(request.get("StartTime", 0), "StartTime")
    end = _seconds(request.get("EndTime", now.timestamp()), "EndTime")
    if start > end:
        raise LookupFailure("InvalidTimeRangeException", "The start time must not be after the end time.")
    size = request.get("MaxResults", PAGE_SIZE)
    if not isinstance(size, int) or not 1 <= size <= PAGE_SIZE:
        raise LookupFailure("InvalidMaxResultsException", f"MaxResults must be from 1 to {PAGE_SIZE}.")
    digest = _digest(request)
    offset = _offset(request.get("NextToken"), digest)
    items = [] if category == "insight" else [lookup_item_of(record) for record in records]
    found = sorted(
        (
            item
            for item in items
            if start <= item["EventTime"].timestamp() <= end
            and all(_matches(item, attribute) for attribute in attributes)
        ),
        key=lambda item: (item["EventTime"], item["EventId"]),
        reverse=True,
    )
    answer: dict = {"Events": found[offset : offset + size]}
    if offset + size < len(found):
        answer["NextToken"] = _token(offset + size, digest)
    return answer


def _wire(value: object) -> float:
    """awsJson1.1 sends timestamps as epoch seconds."""
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


class _Handler(BaseHTTPRequestHandler):
    server: "_HttpServer"

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            self._send(200, self._answer(body))
        except LookupFailure as failure:
            self._send(failure.status, {"__type": failure.code, "message": failure.message})

    def _answer(self, body: bytes) -> dict:
        target = self.headers.get("X-Amz-Target", "")
        if target != LOOKUP_EVENTS:
            raise LookupFailure(
                "UnknownOperationException", f"{target or 'No target'} is not supported here."
            )
        region = _SIGNING_REGION.search(self.headers.get("Authorization", ""))
        if region is None:
            raise LookupFailure("MissingAuthenticationTokenException", "Missing Authentication Token", 403)
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            request = None
        if not isinstance(request, dict):
            raise LookupFailure("SerializationException", "The request body is not a JSON object.")
        try:
            records = trail_records(self.server.trail_s3, region.group(1))
        except (BotoCoreError, ClientError) as error:
            raise LookupFailure("InternalFailure", f"the trail could not be read: {error}", 500) from error
        return lookup_events(records, request, datetime.now(UTC))

    def _send(self, status: int, answer: dict) -> None:
        content = json.dumps(answer, default=_wire).encode()
        self.send_response(status)
        self.send_header("Content-Type", _CONTENT_TYPE)
        self.send_header("Content-Length", str(len(content)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.end_headers()
        self.wfile.write(content)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (http.server's name)
        log.debug(format, *args)


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, trail_s3: BaseClient) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.trail_s3 = trail_s3


class CloudTrailServer:
    """LookupEvents on a free 127.0.0.1 port, in a thread; `trail_s3` is an S3 client of the simulated account
    (where the trail is). Use as a context manager, or start() and stop()."""

    def __init__(self, trail_s3: BaseClient) -> None:
        self.trail_s3 = trail_s3
        self._http: _HttpServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def endpoint_url(self) -> str:
        if self._http is None:
            raise RuntimeError("the CloudTrail endpoint is not started")
        host, port = self._http.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "CloudTrailServer":
        self._http = _HttpServer(self.trail_s3)
        self._thread = threading.Thread(target=self._http.serve_forever, name="cloudtrail", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> "CloudTrailServer":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
