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
NON_INTERNET_KINDS = frozenset({"vpc", "peered-vpc", "rfc1918", "private-other"})
# Prefix lists name addresses but are not networks: they never decide an address's network kind.
LABEL_KINDS = frozenset({"prefix-list"})
CIDR_BOOK_SCHEMA = pa.schema(
    [
        ("cidr", pa.string()),
        ("kind", pa.string()),
        ("service", pa.string()),
        ("region", pa.string()),
        ("network_border_group", pa.string()),
        ("vpc_id", pa.string()),
        ("prefix_length", pa.int32()),
        ("account_id", pa.string()),
        ("name", pa.string()),
        ("resource_id", pa.string()),
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


def _peered_rows(peerings: pa.Table, own_vpcs: set[str]) -> list[dict]:
    """The CIDRs of the far side of each active peering: the side whose VPC the inventory did not list."""
    rows = []
    for peering in peerings.to_pylist():
        if peering.get("status") != "active":
            continue
        for side in ("requester", "accepter"):
            vpc_id = peering.get(f"{side}_vpc_id")
            if vpc_id in own_vpcs:
                continue
            name = peering.get("name") or vpc_id
            rows += [
                _row(
                    cidr,
                    "peered-vpc",
                    vpc_id=vpc_id,
                    account_id=peering.get(f"{side}_owner_id"),
                    region=peering.get(f"{side}_region"),
                    name=name,
                    resource_id=peering["vpc_peering_connection_id"],
                )
                for cidr in (peering.get(f"{side}_cidr_blocks") or "").split(",")
                if cidr
            ]
    return rows


def _prefix_list_rows(entries: pa.Table) -> list[dict]:
    return [
        _row(
            entry["cidr"],
            "prefix-list",
            region=entry.get("region"),
            account_id=entry.get("owner_id"),
            name=entry.get("name") or entry.get("prefix_list_name") or entry.get("prefix_list_id"),
            resource_id=entry.get("prefix_list_id"),
        )
        for entry in entries.to_pylist()
        if entry.get("cidr")
    ]


def build_cidr_book(
    ip_ranges: dict,
    vpcs: pa.Table,
    peerings: pa.Table | None = None,
    prefix_lists: pa.Table | None = None,
) -> pa.Table:
    """cidr -> kind (vpc, peered-vpc, aws-service, prefix-list, rfc1918, private-other), with service,
    region, VPC, account and name where known.

    peerings: inventory_vpc_peering_connections; prefix_lists: inventory_managed_prefix_lists (one row per
    entry). A peered VPC the inventory also listed stays a "vpc" row.
    """
    rows = _vpc_rows(vpcs)
    own_vpcs = {row["vpc_id"] for row in rows}
    if peerings is not None:
        rows += _peered_rows(peerings, own_vpcs)
    rows += _aws_rows(ip_ranges)
    if prefix_lists is not None:
        rows += _prefix_list_rows(prefix_lists)
    rows += [_row(cidr, "rfc1918") for cidr in RFC1918]
    rows += [_row(cidr, "private-other") for cidr in PRIVATE_OTHER]
    return pa.Table.from_pylist(rows, schema=CIDR_BOOK_SCHEMA)
