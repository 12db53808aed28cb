"""An item's ``stock`` on the remote: the spec's number, kept by every writer.

On this PC stock is the sum of append-only movements (two counters' sales merge by adding).
The spec's backend instead sets ``stock`` directly. Three remote-only fields of ours on each
item reconcile the two:

- ``_stockSum``: the part of ``stock`` that movements account for. PCs move ``stock`` and
  ``_stockSum`` together; the backend moves ``stock`` alone. So ``stock - _stockSum`` is
  exactly what the backend changed that no movement records yet.
- ``_stockMarks``: per device, the stamp of its newest movement counted into ``stock``. A PC
  adds its new movements with one ``$inc`` conditional on its mark, and moves the mark in the
  same write, so a retried push never counts a movement twice.
- ``_stockEdit``: the id of the movement that recorded the last backend edit.

A backend edit (``stock`` 53 -> 100 while ``_stockSum`` is 53) is turned into a movement by
the first PC that pulls it: an adjustment of +47, reason "edited on the server", whose id is
derived from the item and the values it converts (two PCs converting the same edit offline
make the same movement). The PC records it here first, then moves ``_stockSum`` to 100 on the
condition that the item still holds 53/100; if another edit came in between, the movement is
withdrawn (it was never pushed) and the next pull converts the new value. Such movements are
never counted again by ``$inc``: the backend's value already holds them.

An item the backend created (no ``_stockSum``) gets its opening movement the same way.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from bson import ObjectId
from pymongo.errors import PyMongoError

from ..domain.ids import derived_id, opening_movement_id
from ..domain.stored import quantity_of, stored_quantity
from ..gateways.remote import remote_failure
from .fields import UPDATED_AT, stamped_doc, versioned_replace
from .link import LinkedPart
from .rules import shop_filter
from .stamps import (
    HLC_FIELD,
    STOCK_EDIT_FIELD,
    STOCK_MARKS_FIELD,
    STOCK_SUM_FIELD,
    outbox_writer,
)

log = logging.getLogger("viveka_pos.sync")

ROUNDS: Final = 4
SERVER_EDIT_NOTE: Final = "edited on the server"
#: Marks a movement that records a value already in the remote's ``stock``.
SOURCE_FIELD: Final = "source"
SERVER_SOURCE: Final = "server"


def device_key(device_id: str) -> str:
    """The device id as a field name (no dots or dollar signs)."""
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in device_id) or "_"


def edit_movement_id(item_id: ObjectId, counted: Any, stock: Any, when: Any) -> ObjectId:
    return derived_id(f"server-stock-edit:{counted}:{stock}:{when}", item_id)


class RemoteStock(LinkedPart):
    # ------------------------------------------------------------------ push
    def fields_of_new(self, body: dict[str, Any], mark: str) -> dict[str, Any]:
        """Bookkeeping of an item this PC inserts: its stock is all movements made here up
        to ``mark`` (a stamp taken when the item was read)."""
        return {
            STOCK_SUM_FIELD: body.get("stock", 0),
            STOCK_MARKS_FIELD: {device_key(self.device_id): mark},
        }

    def count(self, movements: list[dict[str, Any]], stamps: list[str]) -> None:
        """Add this PC's movements just confirmed on the remote to their items' stock."""
        moves: dict[Any, list[tuple[str, Decimal]]] = defaultdict(list)
        for movement, stamp in zip(movements, stamps, strict=True):
            if movement.get(SOURCE_FIELD) == SERVER_SOURCE:
                continue
            moves[movement.get("itemId")].append((stamp, quantity_of(movement.get("quantity"))))
        todo = [i for i in moves if i is not None]
        for _ in range(ROUNDS):
            if not todo:
                return
            todo = self._count_round(todo, moves)

    def _count_round(
        self, item_ids: list[Any], moves: dict[Any, list[tuple[str, Decimal]]]
    ) -> list[Any]:
        items = self.by_ids("items", item_ids)
        ops, stamps, bodies = [], {}, {}
        key = device_key(self.device_id)
        for item in items:
            marks = dict(item.get(STOCK_MARKS_FIELD) or {})
            mark = marks.get(key)
            newer = [(s, q) for s, q in moves[item["_id"]] if not mark or s > mark]
            if not newer:
                continue
            delta = sum((q for _, q in newer), Decimal(0))
            counted = item.get(STOCK_SUM_FIELD, item.get("stock"))
            marks[key] = max(s for s, _ in newer)
            stamp = self.link.stamp()
            stamps[item["_id"]] = stamp
            changes = {
                "stock": stored_quantity(quantity_of(item.get("stock")) + delta),
                STOCK_SUM_FIELD: stored_quantity(quantity_of(counted) + delta),
                STOCK_MARKS_FIELD: marks,
            }
            ops.append(versioned_replace(item, changes, stamp))
            bodies[item["_id"]] = stamped_doc(item, changes, stamp)
        if not ops:
            return []
        try:
            self.remote.collection("items").bulk_write(ops, ordered=False)
        except PyMongoError as exc:
            raise remote_failure(self.remote.masked_url, exc) from None
        landed = {d["_id"]: d.get(HLC_FIELD) for d in self.by_ids("items", stamps, {HLC_FIELD: 1})}
        for item_id, stamp in stamps.items():
            if landed.get(item_id) == stamp:
                self.state.record_written("items", bodies[item_id])
        return [i for i, stamp in stamps.items() if landed.get(i) != stamp]

    # ------------------------------------------------------------------ pull
    @staticmethod
    def needs_conversion(remote: dict[str, Any]) -> bool:
        """Whether a pulled item carries a stock value no movement records yet."""
        counted = remote.get(STOCK_SUM_FIELD)
        return counted is None or quantity_of(counted) != quantity_of(remote.get("stock"))

    def convert(self, items: Iterable[dict[str, Any]], now: datetime) -> int:
        """Record backend edits of pulled items as movements (see the module's notes).
        Returns how many movements were made."""
        made, counted_already = 0, []
        try:
            for remote in items:
                if self.store.get("items", remote["_id"]) is None:
                    continue  # not applied here (dead letter): nothing to move
                if (
                    remote.get(STOCK_SUM_FIELD) is None
                    and self.store.get("stockmovements", opening_movement_id(remote["_id"]))
                    is not None
                ):
                    counted_already.append(remote)
                else:
                    made += self._convert_one(remote, now)
            self._start_counting(counted_already)
        except PyMongoError as exc:
            raise remote_failure(self.remote.masked_url, exc) from None
        return made

    def _start_counting(self, items: list[dict[str, Any]]) -> None:
        """Items pushed by versions before this bookkeeping: their movements are all in their
        stock (those versions wrote the sum), so counting starts from it. One write for all
        (a whole catalogue on the first pull after the upgrade)."""
        if not items:
            return
        stamps = [self.link.stamp() for _ in items]
        ops = [
            versioned_replace(remote, {STOCK_SUM_FIELD: remote.get("stock")}, stamp)
            for remote, stamp in zip(items, stamps, strict=True)
        ]
        if self.remote.collection("items").bulk_write(ops, ordered=False).matched_count == len(ops):
            for remote, stamp in zip(items, stamps, strict=True):
                self.state.record_written(
                    "items", stamped_doc(remote, {STOCK_SUM_FIELD: remote.get("stock")}, stamp)
                )

    def _convert_one(self, remote: dict[str, Any], now: datetime) -> int:
        item_id = remote["_id"]
        stock, counted = remote.get("stock"), remote.get(STOCK_SUM_FIELD)
        coll = self.remote.collection("items")
        scope = shop_filter("items", self.client_id)
        if counted is None:  # made by the backend: its stock is where movements start
            opening = opening_movement_id(item_id)
            self._record(opening, remote, quantity_of(stock), "opening", now)
            if self._write(remote, {STOCK_SUM_FIELD: stock}):
                return 1
            now_there = coll.find_one({"_id": item_id, **scope}, {STOCK_SUM_FIELD: 1})
            if now_there is not None and now_there.get(STOCK_SUM_FIELD) is None:
                self._withdraw(opening, item_id)  # saved again: the next pull starts over
                return 0
            return 1  # another PC started it from the same value (the same movement id)
        delta = quantity_of(stock) - quantity_of(counted)
        movement_id = edit_movement_id(item_id, counted, stock, remote.get(UPDATED_AT))
        made = 0
        if self.store.get("stockmovements", movement_id) is None:
            self._record(movement_id, remote, delta, "adjustment", now)
            made = 1
        if self._write(remote, {STOCK_SUM_FIELD: stock, STOCK_EDIT_FIELD: movement_id}):
            return made
        now_there = coll.find_one({"_id": item_id, **scope}, {STOCK_EDIT_FIELD: 1})
        if now_there is not None and now_there.get(STOCK_EDIT_FIELD) == movement_id:
            return made  # another PC converted the same edit (same movement id)
        self._withdraw(movement_id, item_id)
        return 0

    def _write(self, remote: dict[str, Any], changes: dict[str, Any]) -> bool:
        """Write ``changes`` onto the pulled version, if the remote still is that version."""
        stamp = self.link.stamp()
        result = self.remote.collection("items").bulk_write(
            [versioned_replace(remote, changes, stamp)]
        )
        if not result.matched_count:
            return False
        self.state.record_written("items", stamped_doc(remote, changes, stamp))
        return True

    def _record(
        self,
        movement_id: ObjectId,
        remote: dict[str, Any],
        quantity: Decimal,
        reason: str,
        now: datetime,
    ) -> None:
        made = remote.get(UPDATED_AT) or now
        with self.store.unit_of_work() as db:
            db.stockmovements.insert_one(
                {
                    "_id": movement_id,
                    "clientId": self.client_id,
                    "itemId": remote["_id"],
                    "quantity": stored_quantity(quantity),
                    "reason": reason,
                    "refCollection": "items",
                    "refId": remote["_id"],
                    "note": SERVER_EDIT_NOTE if reason != "opening" else "",
                    "createdAt": made,
                    UPDATED_AT: made,
                    "deviceId": self.device_id,
                    SOURCE_FIELD: SERVER_SOURCE,
                }
            )
        self.rules.recompute_item_stock(self.store, remote["_id"])

    def _withdraw(self, movement_id: ObjectId, item_id: ObjectId) -> None:
        """A conversion the remote no longer matches (edited again): forget it here; the next
        pull converts the newer value."""
        log.info("stock edit of item %s changed again on the remote: converting it later", item_id)
        writer = outbox_writer(self.store)
        with self.store.unit_of_work(record_outbox=False) as quiet:
            quiet.stockmovements.delete_one({"_id": movement_id})
            pending = writer.pending("stockmovements", movement_id)
            if pending is not None:
                quiet.outbox.delete_one({"_id": pending["_id"]})
        self.rules.recompute_item_stock(self.store, item_id)
