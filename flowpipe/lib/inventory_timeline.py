"""Who held an address when: ownership spans gathered from successive inventory snapshots and CloudTrail's
ENI events, turned into non-overlapping validity intervals [valid_from, valid_to) per address.

Addresses are reused (Lambda, ECS and Fargate ENIs come and go within minutes), so one address may have had
several owners. A span is one (address, owner) pair, the owner being its ENI (else its entity). Its evidence,
in unix seconds like the flow logs' start and end, null when unknown:
- last_seen: the latest snapshot that listed the owner at the address;
- missing_since: the earliest later snapshot that could list the account and region and did not;
- created_at / deleted_at: CloudTrail's CreateNetworkInterface / DeleteNetworkInterface of its ENI.
Validity, per address, spans ordered in time:
- a span starts at its creation; else where the previous owner ended (its deletion, else the last snapshot
  that still listed it: the newer owner takes the time between the two snapshots); the first owner known
  without a creation holds the address since ever (valid_from null);
- a span ends at its deletion; else where the next owner starts; else at the first snapshot that no longer
  listed it; the current owner's span is open (valid_to null).
Where neither held it (a deletion, then a later creation), no span is valid.
"""

from collections import defaultdict
from collections.abc import Iterable

TIME_COLUMNS = ("valid_from", "valid_to", "last_seen", "missing_since", "created_at", "deleted_at")
EVIDENCE = ("last_seen", "missing_since", "created_at", "deleted_at")

Key = tuple[str, str]


def span_key(row: dict) -> Key:
    """(address, owner): the owner is the ENI, or for addresses known without one the entity."""
    return row["ip"], row.get("interface_id") or f"{row['entity_type']}/{row['entity_id']}"


def _earliest(*times: int | None) -> int | None:
    known = [time for time in times if time is not None]
    return min(known) if known else None


def _latest(*times: int | None) -> int | None:
    known = [time for time in times if time is not None]
    return max(known) if known else None


def merge_spans(
    previous: Iterable[dict],
    current: Iterable[dict],
    snapshot_time: int | None,
    *,
    created: Iterable[dict] = (),
    deleted: dict[str, int] | None = None,
    covered: set[tuple[str, str]] | frozenset = frozenset(),
) -> list[dict]:
    """Spans with their evidence: the earlier book's (`previous`), updated by the current snapshot's
    entries (seen at snapshot_time), CloudTrail's creations (entries with created_at) and deletions
    (ENI id -> time). An earlier span the snapshot did not list is marked missing only where the snapshot
    could list its account and region (`covered`)."""
    spans: dict[Key, dict] = {}
    for row in previous:
        spans[span_key(row)] = dict(row)
    for row in created:
        span = spans.setdefault(span_key(row), {**row, **dict.fromkeys(TIME_COLUMNS)})
        span["created_at"] = _earliest(span["created_at"], row["created_at"])
    seen = set()
    for row in current:
        key = span_key(row)
        seen.add(key)
        old = spans.get(key) or dict.fromkeys(TIME_COLUMNS)
        newer = old["last_seen"] is None or snapshot_time is None or old["last_seen"] <= snapshot_time
        span = {**old, **row} if newer else {**row, **old}
        span["last_seen"] = _latest(old["last_seen"], snapshot_time)
        if old["missing_since"] is not None and snapshot_time is not None:
            span["missing_since"] = old["missing_since"] if old["missing_since"] > snapshot_time else None
        spans[key] = span
    for span in spans.values():
        if (when := (deleted or {}).get(span.get("interface_id") or "")) is not None:
            span["deleted_at"] = _earliest(span["deleted_at"], when)
    if snapshot_time is not None:
        for key, span in spans.items():
            existed = _latest(span["last_seen"], span["created_at"])
            place = (span.get("account_id"), span.get("region"))
            if key not in seen and place in covered and existed is not None and existed < snapshot_time:
                span["missing_since"] = _earliest(span["missing_since"], snapshot_time)
    return list(spans.values())


def _first(*times: int | None) -> int | None:
    return next((time for time in times if time is not None), None)


def _order(span: dict) -> tuple[int, str]:
    """Any instant inside the span orders it among its address's other spans (they never overlap)."""
    hint = _first(_earliest(span["created_at"], span["last_seen"]), span["missing_since"], span["deleted_at"])
    return hint or 0, span_key(span)[1]


def _address_validity(spans: list[dict]) -> list[dict]:
    ordered = sorted(spans, key=_order)
    starts = [ordered[0]["created_at"]]
    for before, span in zip(ordered, ordered[1:], strict=False):
        handover = _first(before["deleted_at"], _latest(before["last_seen"], before["created_at"]))
        starts.append(_first(span["created_at"], handover))
    rows, previous_end = [], None
    for index, span in enumerate(ordered):
        following = starts[index + 1] if index + 1 < len(ordered) else None
        end = _first(span["deleted_at"], _earliest(span["missing_since"], following))
        start = _latest(starts[index], previous_end) if index else starts[index]
        end = _latest(end, start) if end is not None else None
        rows.append({**span, "valid_from": start, "valid_to": end})
        previous_end = end if end is not None else start
    return rows


def with_validity(spans: Iterable[dict], not_before: int | None = None) -> list[dict]:
    """The spans with valid_from / valid_to, ordered by address and time; spans that ended before
    `not_before` (the window's start: they can name none of its flows, nor a later window's) are dropped."""
    by_address: dict[str, list[dict]] = defaultdict(list)
    for span in spans:
        by_address[span["ip"]].append(span)
    return [
        row
        for address in sorted(by_address)
        for row in _address_validity(by_address[address])
        if not_before is None or row["valid_to"] is None or row["valid_to"] > not_before
    ]
