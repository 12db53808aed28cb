"""What sync remembers on this PC (collection ``syncstate``, never synced).

- pull cursors per shop and collection: the highest ``_syncedAt`` applied (PCs' writes), the
  remote server's time when the last pass by ``updatedAt`` started (every writer's), and
  whether the overlap before the stamp cursor has settled (:mod:`.settled`);
- per master document, the remote version this PC last saw (its *base*: what a push may
  overwrite, and what tells the fields this PC changed from the fields others changed), and
  whether a pull applied that version with all that follows it (*pulled*: a later pull may
  leave it out when it meets it again);
- customer merges (duplicate id -> kept id), so that documents still pointing at a merged
  duplicate are re-pointed when they arrive, and so the remote deletion of the duplicate is
  pushed until it is confirmed;
- the follow-up work of what pulls applied (derived values to recompute, documents to
  re-point), kept with each page until the pull has done it: a pull cut short (a crash, a
  lost connection) leaves it to the next one, as a page read again does not bring it back;
- the outcome of the last sync, shown in the status bar after a restart.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from bson import ObjectId

from ..store import Store
from ..store.schema import DATABASE_NAME
from ..store.values import doc_key
from .fields import MISSING, UPDATED_AT, flat
from .rules import MASTER

log = logging.getLogger("viveka_pos.sync")

#: where the remote versions this PC last saw (the bases) are kept
BASES = f"{DATABASE_NAME}.syncstate"


class SyncState:
    def __init__(self, store: Store, client_id: ObjectId):
        self.store = store
        self.client_id = client_id
        self._cursor_id = f"cursors:{client_id}"
        self._result_id = f"result:{client_id}"
        self._merges_id = f"merges:{client_id}"
        self._followups_id = f"followups:{client_id}"

    # ------------------------------------------------------------- cursors
    def cursors(self) -> dict[str, str]:
        doc = self.store.get("syncstate", self._cursor_id) or {}
        return dict(doc.get("cursors") or {})

    def cursor(self, collection: str) -> str:
        return self.cursors().get(collection, "")

    def _cursor_doc(self, db: Any) -> dict[str, Any]:
        """The shop's cursor record as this unit of work sees it (a new one if none)."""
        found = db.syncstate.find_one({"_id": self._cursor_id})
        return found or {"_id": self._cursor_id, "clientId": self.client_id, "cursors": {}}

    def _keep(self, db: Any, key: str, collection: str, value: Any, *, above: Any = None) -> None:
        """Keep ``value`` for ``collection`` under ``key`` of the cursor record; with
        ``above``, only if it is later than the value kept (or than ``above`` if none)."""
        doc = self._cursor_doc(db)
        values = dict(doc.get(key) or {})
        if above is not None and value <= values.get(collection, above):
            return
        values[collection] = value
        db.syncstate.replace_one({"_id": self._cursor_id}, {**doc, key: values}, upsert=True)

    def save_cursor(self, db: Any, collection: str, stamp: str) -> None:
        """Advance one cursor (call inside the unit of work that applied the documents)."""
        self._keep(db, "cursors", collection, stamp, above="")

    def updated_cursor(self, collection: str) -> datetime | None:
        doc = self.store.get("syncstate", self._cursor_id) or {}
        value = (doc.get("updatedCursors") or {}).get(collection)
        return value if isinstance(value, datetime) else None

    def save_updated_cursor(self, db: Any, collection: str, when: datetime) -> None:
        self._keep(db, "updatedCursors", collection, when, above=datetime.min)

    def settlings(self) -> dict[str, dict[str, Any]]:
        """Per collection, whether the overlap before its cursor has settled
        (:mod:`.settled`)."""
        doc = self.store.get("syncstate", self._cursor_id) or {}
        return dict(doc.get("settlings") or {})

    def save_settling(self, db: Any, collection: str, record: dict[str, Any]) -> None:
        self._keep(db, "settlings", collection, record)

    # --------------------------------------------------------------- bases
    @staticmethod
    def _base_id(collection: str, doc_id: Any) -> str:
        return f"base:{collection}:{doc_id}"

    def base(
        self, collection: str, doc_id: Any, *, pulled_only: bool = False
    ) -> dict[str, Any] | None:
        """The remote version of a master document this PC last saw (None: never).
        ``pulled_only``: only if a pull applied it, with everything a pull does with a
        version (None also for one a push kept without applying it here)."""
        record = self.store.get("syncstate", self._base_id(collection, doc_id))
        if record is None or (pulled_only and record.get("pulled") is not True):
            return None
        return _base_doc(record)

    def bases(self, collection: str, doc_ids: list[Any]) -> dict[Any, dict[str, Any]]:
        """The bases of several master documents (those this PC has seen), by ``_id``:
        read together (a push's batch)."""
        keys = {doc_key(self._base_id(collection, doc_id)): doc_id for doc_id in doc_ids}
        found = self.store.engine.get_many(BASES, list(keys))
        docs = {keys[key]: _base_doc(record) for key, record in found.items()}
        return {doc_id: doc for doc_id, doc in docs.items() if doc is not None}

    def save_base(
        self,
        db: Any,
        collection: str,
        remote: dict[str, Any],
        known: Any = MISSING,
        *,
        pulled: bool = False,
    ) -> None:
        """Remember a remote version (call in the unit of work that applied or pushed it).

        ``known``: the base as the caller read it earlier in this unit of work (saves
        reading it again; None: written without comparing). ``pulled``: see
        :meth:`base_record`."""
        base = self.base_record(collection, remote, known, pulled=pulled)
        if base is not None:
            # Straight to the store's engine (inside the caller's unit of work): one base
            # per document pulled or pushed, so Mongita's lookup and copy per write would
            # dominate.
            self.store.engine.put_doc(BASES, base)

    def base_record(
        self,
        collection: str,
        remote: dict[str, Any],
        known: Any = MISSING,
        *,
        pulled: bool = False,
    ) -> dict[str, Any] | None:
        """The record :meth:`save_base` writes to remember ``remote`` (None: it is the
        base already), for a caller that writes a page of them at once (into
        :data:`BASES`, through the store's engine).

        ``pulled``: a pull applied this version here, and what else it calls for is done or
        kept to do in the same unit of work (:meth:`base`, ``pulled_only``). The mark belongs
        to the version: the record of the same version stays as it is (a push leaves the mark
        there), a new version starts without it. A ``known`` the caller gives carries no
        mark, so with ``pulled`` the record is written whether or not it was marked."""
        key = self._base_id(collection, remote["_id"])
        marked = False
        if known is MISSING:
            current = self.store.get("syncstate", key)
            known = current.get("doc") if current is not None else None
            marked = current is not None and current.get("pulled") is True
        if known == remote and (marked or not pulled):
            return None
        record = {"_id": key, "kind": "base", "clientId": self.client_id, "doc": remote}
        if pulled:
            record["pulled"] = True
        return record

    def record_written(self, collection: str, remote: dict[str, Any]) -> None:
        """A write of this PC's sync bookkeeping landed on a master document (a stock count, a
        converted stock edit). If it changed no field this PC has not seen, it becomes the
        base (so the next push is conditional on it) and the local copy takes its
        ``updatedAt``; otherwise the next pull brings it and merges it like any version."""
        if collection not in MASTER:
            return
        base = self.base(collection, remote["_id"])
        if base is None or flat(collection, base) != flat(collection, remote):
            return
        with self.store.unit_of_work(record_outbox=False) as db:
            self.save_base(db, collection, remote)
            local = db[collection].find_one({"_id": remote["_id"]})
            if local is not None and local.get(UPDATED_AT) != remote.get(UPDATED_AT):
                db[collection].update_one(
                    {"_id": remote["_id"]}, {"$set": {UPDATED_AT: remote.get(UPDATED_AT)}}
                )

    def full_pull_at(self) -> datetime | None:
        doc = self.store.get("syncstate", self._cursor_id) or {}
        return doc.get("fullPullAt")

    def save_full_pull(self, db: Any, when: datetime) -> None:
        doc = self._cursor_doc(db)
        db.syncstate.replace_one({"_id": self._cursor_id}, {**doc, "fullPullAt": when}, upsert=True)

    # -------------------------------------------------------------- merges
    def merges(self) -> dict[ObjectId, ObjectId]:
        """Merged customer ids -> the id kept, followed to the end of any chain."""
        direct = {doc["drop"]: doc["keep"] for doc in self._merge_records()}
        resolved = {}
        for drop in direct:
            keep, seen = direct[drop], {drop}
            while keep in direct and keep not in seen:
                seen.add(keep)
                keep = direct[keep]
            resolved[drop] = keep
        return resolved

    def unpushed_merges(self) -> list[dict[str, Any]]:
        return [doc for doc in self._merge_records() if not doc.get("pushed")]

    def _merge_records(self) -> list[dict[str, Any]]:
        """The shop's merge records, found through their list (``syncstate`` also holds one
        base per master document: it is never scanned)."""
        index = self.store.get("syncstate", self._merges_id)
        if index is None:
            with self.store.unit_of_work(record_outbox=False) as db:
                drops = self._listed_drops(db)
        else:
            drops = list(index.get("drops") or [])
        records = (self.store.get("syncstate", f"merge:{drop}") for drop in drops)
        return [dict(doc) for doc in records if doc is not None]

    def _listed_drops(self, db: Any) -> list[Any]:
        """The list of merged-away ids; made once from the records of versions before it."""
        index = db.syncstate.find_one({"_id": self._merges_id})
        if index is not None:
            return list(index.get("drops") or [])
        drops = [
            doc["drop"]
            for doc in db.syncstate.find({"kind": "merge"})
            if doc.get("clientId") == self.client_id
        ]
        db.syncstate.replace_one(
            {"_id": self._merges_id}, {"_id": self._merges_id, "drops": drops}, upsert=True
        )
        return drops

    def record_merge(
        self, db: Any, drop: ObjectId, keep: ObjectId, when: datetime, *, pushed: bool = False
    ) -> None:
        drops = self._listed_drops(db)
        db.syncstate.replace_one(
            {"_id": f"merge:{drop}"},
            {
                "_id": f"merge:{drop}",
                "kind": "merge",
                "clientId": self.client_id,
                "collection": "clientCustomers",
                "drop": drop,
                "keep": keep,
                "at": when,
                "pushed": pushed,
            },
            upsert=True,
        )
        if drop not in drops:
            db.syncstate.replace_one(
                {"_id": self._merges_id}, {"_id": self._merges_id, "drops": [*drops, drop]}
            )

    def mark_merge_pushed(self, db: Any, drop: ObjectId, pushed: bool = True) -> None:
        db.syncstate.update_one({"_id": f"merge:{drop}"}, {"$set": {"pushed": pushed}})

    # ---------------------------------------------------------- follow-ups
    def followups(self) -> list[dict[str, Any]]:
        """The follow-up work kept by pulls and not yet done, oldest first: one record a
        page, each with its lists of work by kind (:meth:`save_followups`)."""
        keys = [doc_key(page) for page in self._followup_pages()]
        found = self.store.engine.get_many(BASES, keys)
        works = [found[key].get("work") for key in keys if key in found]
        if not all(isinstance(work, dict) for work in works):
            log.warning("a kept follow-up record of sync is damaged: its work is left out")
        return [dict(work) for work in works if isinstance(work, dict)]

    def _followup_pages(self) -> list[str]:
        """The ids of the kept follow-up records, from their list (none kept: empty)."""
        index = self.store.get("syncstate", self._followups_id)
        pages = int(index.get("pages") or 0) if index is not None else 0
        return [f"{self._followups_id}:{page}" for page in range(pages)]

    def save_followups(self, db: Any, work: dict[str, list[Any]]) -> None:
        """Keep a page's follow-up work (call in the unit of work that applied the page)."""
        index = db.syncstate.find_one({"_id": self._followups_id}) or {
            "_id": self._followups_id,
            "clientId": self.client_id,
            "pages": 0,
        }
        page = int(index.get("pages") or 0)
        db.syncstate.insert_one(
            {
                "_id": f"{self._followups_id}:{page}",
                "kind": "followups",
                "clientId": self.client_id,
                "work": work,
            }
        )
        db.syncstate.replace_one(
            {"_id": self._followups_id}, {**index, "pages": page + 1}, upsert=True
        )

    def drop_followups(self) -> None:
        """Forget the kept follow-up work, once done."""
        pages = self._followup_pages()
        if not pages:
            return  # (a quiet pull keeps none: no unit of work for nothing)
        with self.store.unit_of_work(record_outbox=False) as db:
            db.syncstate.delete_many({"_id": {"$in": pages}})
            db.syncstate.delete_one({"_id": self._followups_id})

    # -------------------------------------------------------------- result
    def last_result(self) -> dict[str, Any]:
        doc = self.store.get("syncstate", self._result_id) or {}
        return {k: v for k, v in doc.items() if k != "_id"}

    def save_result(self, **fields: Any) -> None:
        with self.store.unit_of_work(record_outbox=False) as db:
            doc = db.syncstate.find_one({"_id": self._result_id}) or {
                "_id": self._result_id,
                "clientId": self.client_id,
            }
            db.syncstate.replace_one({"_id": self._result_id}, {**doc, **fields}, upsert=True)


def _base_doc(record: dict[str, Any]) -> dict[str, Any] | None:
    """The remote version a base record keeps; None for a damaged record (then the document
    is treated as never seen, and the next pull or push writes its base again)."""
    doc = record.get("doc")
    if isinstance(doc, dict):
        return dict(doc)
    log.warning("a base record of sync is damaged (%s): treated as never seen", record.get("_id"))
    return None
