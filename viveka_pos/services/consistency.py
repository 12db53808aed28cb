"""Cached values that disagree with the records they are kept from, found and put right.

An item's ``stock`` is the sum of its stock movements; an invoice's ``paidAmount`` and
``isFinalized`` come from its payments. Every write keeps them level, and a pull re-derives
what it brought. A value left wrong all the same (data written by an older version, or by a
tool beside the app) would show the counter a wrong stock or balance for good, because
nothing else ever compares them: this is the comparison, for ``doctor``, and the repair,
for ``doctor --rebuild``.

One streamed pass over each collection (movements, items, payments, invoices): memory holds
one sum per item and per paid invoice, never the documents.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from bson import ObjectId

from ..domain.money import format_inr
from ..domain.settlement import payment_changes
from ..store import Store
from .convert import paise_of, quantity_of
from .ids import opening_movement_id
from .payments import recompute_invoice
from .stock import recompute_item_stock

_T = TypeVar("_T")
_N = TypeVar("_N", int, Decimal)


@dataclass(frozen=True)
class Disagreement:
    """One document whose cached value is not what its records make it."""

    collection: str
    doc_id: Any
    name: str
    """The item's name, or the invoice's number."""
    stored: str
    derived: str
    unreadable: str = ""
    """A value of the document or of its records that is no number (so nothing can be
    derived, and ``repair`` leaves it for a person to correct)."""

    def describe(self) -> str:
        what = f"item {self.name}" if self.collection == "items" else f"invoice {self.name}"
        if self.unreadable:
            return f"{what}: {self.unreadable} is not a number — correct it by hand"
        if self.collection == "items":
            return f"{what}: stock {self.stored}, its movements add up to {self.derived}"
        return f"{what}: paid {self.stored}, its payments make {self.derived}"


def disagreements(store: Store) -> list[Disagreement]:
    """Every item whose stock and every invoice whose payment state disagree with their
    movements and payments, items first."""
    return _stock_disagreements(store) + _payment_disagreements(store)


def _stock_disagreements(store: Store) -> list[Disagreement]:
    opened: set[Any] = set()

    def noting_openings(movements: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for movement in movements:
            item_id = movement.get("itemId")
            if isinstance(item_id, ObjectId) and movement["_id"] == opening_movement_id(item_id):
                opened.add(item_id)
            yield movement

    movements = noting_openings(store.iter_docs("stockmovements"))
    totals, unreadable = _sums(movements, "itemId", "quantity", quantity_of, "movement")
    found = []
    for item in store.iter_docs("items"):
        item_id = item["_id"]
        if item_id not in opened:
            continue  # no movement history to derive from (see recompute_item_stock)
        name = str(item.get("name") or item_id)
        stored = _read(quantity_of, item.get("stock"))
        total = totals.get(item_id, Decimal(0))
        if stored is None or item_id in unreadable:
            bad = unreadable.get(item_id) or f"its stock {item.get('stock')!r}"
            found.append(Disagreement("items", item_id, name, "", "", unreadable=bad))
        elif stored != total:
            found.append(Disagreement("items", item_id, name, f"{stored}", f"{total}"))
    return found


def _payment_disagreements(store: Store) -> list[Disagreement]:
    payments = store.iter_docs("payments")
    paid, unreadable = _sums(payments, "invoiceId", "amount", paise_of, "payment")
    found = []
    for invoice in store.iter_docs("invoices"):
        invoice_id = invoice["_id"]
        number = str(invoice.get("invoiceNumber") or invoice_id)
        total = paid.get(invoice_id, 0)
        stored = _read(paise_of, invoice.get("paidAmount"))
        bad = unreadable.get(invoice_id) or (
            f"its paid amount {invoice.get('paidAmount')!r}" if stored is None else ""
        )
        if not bad and _read(paise_of, invoice.get("totalAmount")) is None:
            bad = f"its total {invoice.get('totalAmount')!r}"
        if bad or stored is None:
            found.append(Disagreement("invoices", invoice_id, number, "", "", unreadable=bad))
            continue
        changes = payment_changes(invoice, total)
        if stored == total and "isFinalized" not in changes:
            continue  # agrees (at most stored as another type of number: not wrong)
        finalized = changes.get("isFinalized", bool(invoice.get("isFinalized")))
        found.append(
            Disagreement(
                "invoices",
                invoice_id,
                number,
                _paid_state(stored, bool(invoice.get("isFinalized"))),
                _paid_state(total, finalized),
            )
        )
    return found


def _sums(
    records: Iterable[dict[str, Any]],
    parent: str,
    field: str,
    convert: Callable[[Any], _N],
    what: str,
) -> tuple[dict[Any, _N], dict[Any, str]]:
    """The sum of ``field`` over ``records`` by their ``parent``, and for each parent with a
    record whose value is no number, which record (``what``: the record's name)."""
    sums: dict[Any, _N] = {}
    unreadable: dict[Any, str] = {}
    for record in records:
        owner = record.get(parent)
        value = _read(convert, record.get(field))
        if value is None:
            unreadable.setdefault(owner, f"the {field} of {what} {record.get('_id')}")
        else:
            sums[owner] = sums[owner] + value if owner in sums else value
    return sums, unreadable


def _read(convert: Callable[[Any], _T], value: Any) -> _T | None:
    """``convert(value)``, or None where the value is no number (written by another tool)."""
    try:
        return convert(value)
    except (ArithmeticError, TypeError, ValueError):
        return None


def _paid_state(paise: int, finalized: bool) -> str:
    return f"{format_inr(paise)} ({'finalized' if finalized else 'open'})"


def repair(store: Store, found: list[Disagreement]) -> int:
    """Re-derive each document found (each checked again in its own unit of work, so one
    that a pull or a sale put right meanwhile is left as it is). The new values are
    written like any edit, so sync takes them to the remote. Returns how many changed."""
    changed = 0
    for one in found:
        if one.unreadable:
            continue
        recompute = recompute_item_stock if one.collection == "items" else recompute_invoice
        if recompute(store, one.doc_id):
            changed += 1
    return changed


def left_by_hand(found: list[Disagreement]) -> str:
    """What ``repair`` left for a person (a value that is no number), as a clause."""
    count = sum(1 for one in found if one.unreadable)
    return f"; {count} left to correct by hand (a value that is no number)" if count else ""
