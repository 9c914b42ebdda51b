"""AWS's published ip-ranges.json and the cidr book: every network an address can fall into.

The cidr book holds the VPC CIDRs from the inventory, AWS service prefixes and the special-purpose ranges
(RFC 1918 and other non-internet space); an address takes the kind of its longest matching prefix.
"""

import ipaddress
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyarrow as pa

logger = logging.getLogger(__name__)

DEFAULT_IP_RANGES_URL = "https://ip-ranges.amazonaws.com/ip-ranges.json"
FETCH_TIMEOUT_SECONDS = 30
# AMAZON covers every AWS prefix and EC2 most compute ones; any other service names the address better.
SERVICE_RANK = {"AMAZON": 0, "EC2": 1}
SPECIFIC_SERVICE_RANK = 2
RFC1918 = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
PRIVATE_OTHER = (
    "0.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "192.0.0.0/24", "198.18.0.0/15",
    "224.0.0.0/4", "240.0.0.0/4", "::1/128", "fc00::/7", "fe80::/10", "ff00::/8",
)  # fmt: skip
_NON_INTERNET_NETWORKS = tuple(ipaddress.ip_network(cidr) for cidr in RFC1918 + PRIVATE_OTHER)
NON_INTERNET_KINDS = frozenset({"vpc", "rfc1918", "private-other"})
CIDR_BOOK_SCHEMA = pa.schema(
    [
        ("cidr", pa.string()),
        ("kind", pa.string()),
        ("service", pa.string()),
        ("region", pa.string()),
        ("network_border_group", pa.string()),
        ("vpc_id", pa.string()),
        ("prefix_length", pa.int32()),
    ]
)


class IpRangesError(RuntimeError):
    """ip-ranges.json could not be read or is not in AWS's format."""


def is_private_address(address: str) -> bool:
    """In RFC 1918 or other non-internet space (documentation ranges count as internet, as tests use them)."""
    ip = ipaddress.ip_address(address)
    return any(ip in network for network in _NON_INTERNET_NETWORKS)


def service_rank(service: str | None) -> int:
    """Higher is more specific: a specific service over EC2 over AMAZON."""
    return SERVICE_RANK.get(service or "AMAZON", SPECIFIC_SERVICE_RANK)


def _read(location: str) -> bytes:
    parsed = urllib.parse.urlparse(location)
    if parsed.scheme in ("http", "https"):
        try:
            with urllib.request.urlopen(location, timeout=FETCH_TIMEOUT_SECONDS) as response:
                return response.read()
        except (urllib.error.URLError, TimeoutError) as error:
            raise IpRangesError(f"could not fetch AWS ip ranges from {location}: {error}") from error
    path = Path(urllib.request.url2pathname(parsed.path)) if parsed.scheme == "file" else Path(location)
    try:
        return path.read_bytes()
    except OSError as error:
        raise IpRangesError(f"could not read AWS ip ranges from {path}: {error}") from error


def load_ip_ranges(location: str) -> dict:
    """ip-ranges.json from an http(s) URL, a file:// URL or a local path."""
    try:
        ip_ranges = json.loads(_read(location))
    except json.JSONDecodeError as error:
        raise IpRangesError(f"{location} is not JSON: {error}") from error
    if not isinstance(ip_ranges, dict) or "prefixes" not in ip_ranges:
        raise IpRangesError(f"{location} is not in AWS's ip-ranges.json format (no 'prefixes')")
    logger.info(
        "AWS ip ranges %s (createDate %s): %d IPv4 and %d IPv6 prefixes",
        ip_ranges.get("syncToken"),
        ip_ranges.get("createDate"),
        len(ip_ranges["prefixes"]),
        len(ip_ranges.get("ipv6_prefixes", [])),
    )
    return ip_ranges


def _row(cidr: str, kind: str, **values: str | None) -> dict:
    network = ipaddress.ip_network(cidr, strict=False)
    return {"cidr": network.compressed, "kind": kind, "prefix_length": network.prefixlen, **values}


def _aws_rows(ip_ranges: dict) -> list[dict]:
    """One row per AWS prefix: the most specific service that publishes it."""
    best: dict[str, dict] = {}
    entries = [(entry["ip_prefix"], entry) for entry in ip_ranges.get("prefixes", [])]
    entries += [(entry["ipv6_prefix"], entry) for entry in ip_ranges.get("ipv6_prefixes", [])]
    for cidr, entry in entries:
        row = _row(
            cidr,
            "aws-service",
            service=entry.get("service"),
            region=entry.get("region"),
            network_border_group=entry.get("network_border_group"),
        )
        current = best.get(row["cidr"])
        key = (service_rank(row["service"]), row["service"] or "")
        if current is None or key > (service_rank(current["service"]), current["service"] or ""):
            best[row["cidr"]] = row
    return list(best.values())


def _vpc_rows(vpcs: pa.Table) -> list[dict]:
    rows = []
    for vpc in vpcs.to_pylist():
        cidrs = f"{vpc.get('cidr_blocks') or vpc.get('cidr_block') or ''},{vpc.get('ipv6_cidr_blocks') or ''}"
        rows += [
            _row(cidr, "vpc", vpc_id=vpc["vpc_id"], region=vpc.get("region"))
            for cidr in cidrs.split(",")
            if cidr
        ]
    return rows


def build_cidr_book(ip_ranges: dict, vpcs: pa.Table) -> pa.Table:
    """cidr -> kind (vpc, aws-service, rfc1918, private-other), with service, region and VPC where known."""
    rows = _vpc_rows(vpcs) + _aws_rows(ip_ranges)
    rows += [_row(cidr, "rfc1918") for cidr in RFC1918]
    rows += [_row(cidr, "private-other") for cidr in PRIVATE_OTHER]
    return pa.Table.from_pylist(rows, schema=CIDR_BOOK_SCHEMA)
