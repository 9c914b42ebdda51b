"""Names every address seen in the flows: the address book first, then AWS prefixes, peered VPCs and
managed prefix lists, then internet/private.

An address the book knows may have had several owners: it gets one row per owner valid in the window,
with that owner's [valid_from, valid_to), and a row named as if the book did not know it for each time
no owner held it; so at every instant exactly one row names each address.

Prefix matching keeps one hash map per (IP version, prefix length) present in the cidr book, so an
address costs one lookup per distinct prefix length (a few dozen), not one per prefix.
"""

import ipaddress
import logging
import socket
from collections import defaultdict
from collections.abc import Iterable, Iterator

import pyarrow as pa

from flowpipe.lib.address_book import ADDRESS_BOOK_SCHEMA
from flowpipe.lib.inventory_timeline import EVIDENCE
from flowpipe.lib.ip_ranges import LABEL_KINDS, NON_INTERNET_KINDS, service_rank

logger = logging.getLogger(__name__)

RESOLVED_SCHEMA = pa.schema(
    [field for field in ADDRESS_BOOK_SCHEMA if field.name not in EVIDENCE]
    + [pa.field("network_kind", pa.string())]
)
_IpKey = tuple[int, int]  # (version, integer value)
_BITS = {4: 32, 6: 128}


class _PrefixIndex:
    """Rows of the cidr book keyed by network, one dict per (version, prefix length), longest first."""

    def __init__(self, rows: Iterable[dict]) -> None:
        maps: dict[tuple[int, int], dict[int, dict]] = {}
        for row in rows:
            network = ipaddress.ip_network(row["cidr"], strict=False)
            by_network = maps.setdefault((network.version, network.prefixlen), {})
            by_network.setdefault(int(network.network_address), row)
        self._levels = {
            version: [
                (_BITS[version] - length, maps[(v, length)])
                for v, length in sorted(maps, reverse=True)
                if v == version
            ]
            for version in _BITS
        }

    def matches(self, key: _IpKey) -> list[tuple[int, dict]]:
        """(prefix length, row) of every prefix containing the address, longest first."""
        version, value = key
        return [
            (_BITS[version] - shift, row)
            for shift, by_network in self._levels[version]
            if (row := by_network.get(value >> shift << shift)) is not None
        ]


def _key(address: str) -> _IpKey | None:
    """(version, integer) of an address; inet_pton is several times faster than ipaddress here."""
    family, version = (socket.AF_INET6, 6) if ":" in address else (socket.AF_INET, 4)
    try:
        return version, int.from_bytes(socket.inet_pton(family, address), "big")
    except OSError:
        return None


def _aws_service(matches: list[tuple[int, dict]]) -> dict | None:
    """The most specific service (not AMAZON when another matches), then the longest prefix."""
    services = [
        (service_rank(row["service"]), length, row) for length, row in matches if row["kind"] == "aws-service"
    ]
    return max(services, key=lambda match: match[:2])[2] if services else None


def _named(address: str, matches: list[tuple[int, dict]], labels: list[tuple[int, dict]]) -> dict:
    """An address the book does not know (at that time), named by the CIDR book."""
    if service := _aws_service(matches):
        name = f"{service['service']} {service['region']}"
        entity = {"entity_type": "aws:service", "entity_name": name, "entity_id": service["cidr"]}
        return entity | {"region": service["region"], "is_public": True}
    if matches and matches[0][1]["kind"] == "peered-vpc":
        peer = matches[0][1]
        entity = {"entity_type": "peered-vpc", "entity_name": peer["name"], "entity_id": peer["vpc_id"]}
        place = {"account_id": peer["account_id"], "region": peer["region"], "vpc_id": peer["vpc_id"]}
        return entity | place | {"is_public": False}
    is_public = not matches or matches[0][1]["kind"] not in NON_INTERNET_KINDS
    if labels:
        prefix_list = labels[0][1]
        entity = {"entity_type": "prefix-list", "entity_name": prefix_list["name"]}
        return entity | {"entity_id": prefix_list["resource_id"], "is_public": is_public}
    entity_type = "internet" if is_public else "unknown-private"
    return {"entity_type": entity_type, "entity_name": address, "entity_id": address, "is_public": is_public}


def _timeline(owners: list[dict], unowned: dict) -> Iterator[dict]:
    """The owners' rows in time order, and the unowned row for every time before, between and after them."""
    owners = sorted(
        (row for row in owners if row["valid_from"] is None or row["valid_from"] != row["valid_to"]),
        key=lambda row: (row["valid_from"] is not None, row["valid_from"] or 0),
    )
    if not owners:
        yield {**unowned, "valid_from": None, "valid_to": None}
        return
    if owners[0]["valid_from"] is not None:
        yield {**unowned, "valid_from": None, "valid_to": owners[0]["valid_from"]}
    for owner, following in zip(owners, [*owners[1:], None], strict=True):
        yield owner
        gap_to = following["valid_from"] if following else None
        if owner["valid_to"] is not None and owner["valid_to"] != gap_to:
            yield {**unowned, "valid_from": owner["valid_to"], "valid_to": gap_to}


def _in_window(row: dict, window: tuple[int, int] | None) -> bool:
    if window is None:
        return True
    start, end = window
    return (row["valid_from"] is None or row["valid_from"] < end) and (
        row["valid_to"] is None or row["valid_to"] > start
    )


def resolve_addresses(
    addresses: Iterable[str],
    address_book: pa.Table,
    cidr_book: pa.Table,
    window: tuple[int, int] | None = None,
) -> pa.Table:
    """One row per distinct address (as written in the input) and owner valid in `window` ([start, end)
    in unix seconds; None: at any time): its entity, its validity and the kind of its network."""
    book: dict[_IpKey, list[dict]] = defaultdict(list)
    for row in address_book.to_pylist():
        key = _key(row["ip"])
        if key is not None:
            book[key].append(row)
    cidrs = cidr_book.to_pylist()
    index = _PrefixIndex(row for row in cidrs if row["kind"] not in LABEL_KINDS)
    label_index = _PrefixIndex(row for row in cidrs if row["kind"] in LABEL_KINDS)
    resolved, unparsable = [], 0
    for address in dict.fromkeys(addresses):
        key = _key(address) if address else None
        if key is None:
            unparsable += address is not None
            continue
        matches = index.matches(key)
        unowned = _named(address, matches, label_index.matches(key))
        for row in _timeline(book.get(key, []), unowned):
            if not _in_window(row, window):
                continue
            network_kind = (
                matches[0][1]["kind"] if matches else ("internet" if row["is_public"] else "private-other")
            )
            resolved.append({**row, "ip": address, "network_kind": network_kind})
    if unparsable:
        logger.warning("%d addresses are not IP addresses and were left unnamed", unparsable)
    return pa.Table.from_pylist(resolved, schema=RESOLVED_SCHEMA)
