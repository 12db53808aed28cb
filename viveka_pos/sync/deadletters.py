"""Dead letters: documents the remote refused, or pulled documents that could not be applied.

One entry per document and direction (a later failure of the same document updates it); it
disappears by itself when the document is pushed successfully later. Settings lists them with
the reason, and offers to retry (push the document again) or to discard the entry.
A dead letter never blocks the documents behind it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..store import Store


@dataclass(frozen=True)
class DeadLetter:
    id: str
    direction: str  # "push" | "pull"
    collection: str
    doc_id: Any
    op: str
    reason: str
    code: int | None
    first_at: datetime | None
    last_at: datetime | None
    attempts: int


def letter_id(direction: str, collection: str, doc_id: Any) -> str:
    return f"{direction}:{collection}:{doc_id}"


class DeadLetters:
    def __init__(self, store: Store):
        self.store = store

    def list(self) -> list[DeadLetter]:
        """All entries, the most recent failure first."""
        letters = [_letter(doc) for doc in self.store.iter_docs("deadletters")]
        return sorted(letters, key=lambda d: d.last_at or datetime.min, reverse=True)

    def count(self) -> int:
        return self.store.count("deadletters")

    def get(self, entry_id: str) -> DeadLetter | None:
        doc = self.store.get("deadletters", entry_id)
        return _letter(doc) if doc is not None else None

    @staticmethod
    def add(
        db: Any,
        *,
        client_id: Any,
        direction: str,
        collection: str,
        doc_id: Any,
        op: str,
        reason: str,
        code: int | None,
        now: datetime,
    ) -> None:
        """Record a failure (inside a unit of work)."""
        key = letter_id(direction, collection, doc_id)
        existing = db.deadletters.find_one({"_id": key})
        db.deadletters.replace_one(
            {"_id": key},
            {
                "_id": key,
                "clientId": client_id,
                "direction": direction,
                "collection": collection,
                "docId": doc_id,
                "op": op,
                "reason": reason[:1000],
                "code": code,
                "firstAt": existing["firstAt"] if existing else now,
                "lastAt": now,
                "attempts": (existing or {}).get("attempts", 0) + 1,
            },
            upsert=True,
        )

    def clear(self, db: Any, direction: str, collection: str, doc_id: Any) -> None:
        """Forget the entry of a document that has now gone through (inside a unit of work)."""
        key = letter_id(direction, collection, doc_id)
        if self.store.get("deadletters", key) is not None:
            db.deadletters.delete_one({"_id": key})

    def discard(self, entry_id: str) -> bool:
        with self.store.unit_of_work(record_outbox=False) as db:
            return db.deadletters.delete_one({"_id": entry_id}).deleted_count == 1

    def retry(self, entry_id: str) -> bool:
        """Queue a refused document to be pushed again, as it is now. Returns False when
        there is nothing to push (the document is gone, or the entry is from a pull, which the
        next full pull retries by itself)."""
        doc = self.store.get("deadletters", entry_id)
        if doc is None or doc.get("direction") != "push":
            return False
        current = self.store.get(doc["collection"], doc["docId"])
        if current is None:
            return False
        with self.store.unit_of_work() as db:
            # Rewriting the document unchanged puts it back in the outbox with a new stamp.
            db[doc["collection"]].replace_one({"_id": current["_id"]}, dict(current))
            db.deadletters.delete_one({"_id": entry_id})
        return True


def _letter(doc: dict[str, Any]) -> DeadLetter:
    return DeadLetter(
        id=doc["_id"],
        direction=doc.get("direction", ""),
        collection=doc.get("collection", ""),
        doc_id=doc.get("docId"),
        op=doc.get("op", ""),
        reason=doc.get("reason", ""),
        code=doc.get("code"),
        first_at=doc.get("firstAt"),
        last_at=doc.get("lastAt"),
        attempts=int(doc.get("attempts", 0)),
    )
