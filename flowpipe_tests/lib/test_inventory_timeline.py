"""Who held an address when: snapshots and CloudTrail events as evidence, non-overlapping validity out."""

from flowpipe.lib.inventory_timeline import merge_spans, with_validity

HERE = ("123456789012", "us-east-1")
S1, S2 = 1_000_000, 1_043_200  # two snapshots 12 hours apart (unix seconds)
IP = "10.0.1.20"


def _owner(eni: str, name: str, ip: str = IP, place: tuple[str, str] = HERE) -> dict:
    return {
        "ip": ip,
        "interface_id": eni,
        "entity_type": "lambda:function",
        "entity_name": name,
        "entity_id": name,
        "account_id": place[0],
        "region": place[1],
    }


A, B, C = _owner("eni-a", "fn-a"), _owner("eni-b", "fn-b"), _owner("eni-c", "fn-c")


def _validity(rows: list[dict]) -> list[tuple[str, int | None, int | None]]:
    return [(row["entity_name"], row["valid_from"], row["valid_to"]) for row in rows]


def _book(current: list[dict], snapshot: int, previous: list[dict] = (), **evidence) -> list[dict]:
    return with_validity(merge_spans(previous, current, snapshot, covered={HERE}, **evidence))


def test_one_snapshot_names_the_address_at_any_time() -> None:
    assert _validity(_book([A], S1)) == [("fn-a", None, None)]


def test_the_same_owner_in_two_snapshots_stays_one_open_span() -> None:
    [span] = _book([A], S2, _book([A], S1))
    assert (span["valid_from"], span["valid_to"], span["last_seen"]) == (None, None, S2)


def test_a_new_owner_takes_over_from_the_last_snapshot_that_saw_the_old_one() -> None:
    book = _book([B], S2, _book([A], S1))
    assert _validity(book) == [("fn-a", None, S1), ("fn-b", S1, None)]
    assert book[0]["missing_since"] == S2


def test_an_owner_gone_without_successor_holds_until_the_first_snapshot_without_it() -> None:
    assert _validity(_book([], S2, _book([A], S1))) == [("fn-a", None, S2)]


def test_cloudtrail_dates_the_handover_and_leaves_the_gap_unowned() -> None:
    deleted, created = S1 + 3_600, S1 + 7_200
    book = _book([B], S2, _book([A], S1), created=[{**B, "created_at": created}], deleted={"eni-a": deleted})
    assert _validity(book) == [("fn-a", None, deleted), ("fn-b", created, None)]


def test_an_eni_created_and_deleted_between_snapshots_is_known_from_cloudtrail_alone() -> None:
    events = {
        "created": [{**C, "created_at": S1 + 100}, {**B, "created_at": S1 + 900}],
        "deleted": {"eni-a": S1 + 50, "eni-c": S1 + 600},
    }
    book = _book([B], S2, _book([A], S1), **events)
    assert _validity(book) == [
        ("fn-a", None, S1 + 50),
        ("fn-c", S1 + 100, S1 + 600),
        ("fn-b", S1 + 900, None),
    ]


def test_an_owner_created_after_the_flows_does_not_name_them() -> None:
    """A backfill: the snapshot is taken long after the window; CloudTrail says the owner is newer."""
    book = _book([B], S2, created=[{**B, "created_at": S2 - 60}])
    assert _validity(book) == [("fn-b", S2 - 60, None)]


def test_owners_stay_open_where_the_snapshot_could_not_list_enis() -> None:
    earlier = _book([A], S1)
    assert _validity(with_validity(merge_spans(earlier, [], S2, covered=set()))) == [("fn-a", None, None)]


def test_owners_that_ended_before_the_window_are_dropped() -> None:
    book = with_validity(merge_spans(_book([A], S1), [B], S2, covered={HERE}), not_before=S1 + 1)
    assert _validity(book) == [("fn-b", S1, None)]


def test_an_earlier_book_built_from_a_later_snapshot_keeps_the_order_of_the_snapshots() -> None:
    """Windows re-run out of order: the earlier window's book saw B later than this snapshot saw A."""
    book = _book([A], S1, _book([B], S2))
    assert _validity(book) == [("fn-a", None, S1), ("fn-b", S1, None)]


def test_validity_never_overlaps_when_evidence_disagrees() -> None:
    """A creation CloudTrail dates before the previous owner's last sighting still starts after it."""
    book = _book([B], S2, _book([A], S1), created=[{**B, "created_at": S1 - 600}])
    spans = _validity(book)
    assert spans[0][2] <= spans[1][1]


def test_a_deletion_of_an_eni_no_snapshot_or_creation_saw_names_nothing() -> None:
    """CloudTrail's DeleteNetworkInterface carries the ENI id only: without the address it dates no one."""
    book = _book([B], S2, deleted={"eni-unknown": S1 + 60}, created=[{**B, "created_at": S1 + 120}])
    assert _validity(book) == [("fn-b", S1 + 120, None)]
