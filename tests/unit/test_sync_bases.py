"""The base of a master document and its *pulled* mark (``SyncState``): a pull leaves out a
version it meets again only when a pull applied it here, so the mark must belong to the
version and never outlive it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bson import ObjectId

from viveka_pos.store import Store
from viveka_pos.sync.fields import MISSING
from viveka_pos.sync.state import BASES, SyncState


def version_of(doc_id: ObjectId, name: str, minute: int) -> dict[str, Any]:
    return {"_id": doc_id, "name": name, "updatedAt": datetime(2026, 12, 7, 10, minute)}


def save(state: SyncState, store: Store, remote: dict[str, Any], known: Any, pulled: bool) -> None:
    """As a pull (``pulled``) or a push keeps a base, in a unit of work."""
    with store.unit_of_work(record_outbox=False) as db:
        state.save_base(db, "items", remote, known, pulled=pulled)


def test_the_pulled_mark_belongs_to_the_version_it_was_set_on(store: Store) -> None:
    state = SyncState(store, ObjectId())
    item = ObjectId()
    first, second = version_of(item, "Spark plug", 1), version_of(item, "Spark plug", 2)

    save(state, store, first, None, pulled=True)  # a pull applied it (new here)
    assert state.base("items", item, pulled_only=True) == first

    save(state, store, first, first, pulled=False)  # a push wrote nothing new on it
    assert state.base("items", item, pulled_only=True) == first

    save(state, store, second, first, pulled=False)  # a push kept another version
    assert state.base("items", item) == second
    assert state.base("items", item, pulled_only=True) is None

    assert state.base_record("items", second, MISSING, pulled=False) is None
    save(state, store, second, MISSING, pulled=True)  # a pull applied that version
    assert state.base("items", item, pulled_only=True) == second
    assert state.base_record("items", second, MISSING, pulled=True) is None  # (kept once)


def test_a_damaged_base_record_is_treated_as_never_seen_and_written_again(store: Store) -> None:
    state = SyncState(store, ObjectId())
    item, other = ObjectId(), ObjectId()
    save(state, store, version_of(other, "Fuse 10A", 1), None, pulled=True)
    with store.unit_of_work(record_outbox=False):
        store.engine.put_doc(BASES, {"_id": f"base:items:{item}", "doc": "garbled"})

    assert state.base("items", item) is None
    assert state.base("items", item, pulled_only=True) is None
    assert list(state.bases("items", [item, other])) == [other]

    pulled = version_of(item, "Spark plug", 3)
    save(state, store, pulled, MISSING, pulled=True)
    assert state.base("items", item, pulled_only=True) == pulled
