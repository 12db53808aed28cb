"""Dealers (suppliers), purchase orders to them, payments to them, and what the shop owes.

Collections: the spec's ``dealers``, ``dealerorders``, ``dealerorderitems`` and
``dealerpayments``. A delivered order adds its quantities to stock as ``purchase``
movements; what the shop owes a dealer is the sum of the bills of delivered orders less
everything paid to that dealer.

The public methods hand out typed views (:class:`Dealer`, :class:`DealerOrder`,
:class:`DealerOrderLine`, :class:`DealerPayment`); only :meth:`DealerService.order_for_print`
gives documents, to the purchase-order printout that reads them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from bson import ObjectId

from ..domain import validation as v
from ..domain.entities.dealer import (
    Dealer,
    DealerPayment,
    dealer_from_stored,
    dealer_payment_from_stored,
)
from ..domain.entities.dealer_order import (
    DealerOrder,
    DealerOrderLine,
    dealer_order_from_stored,
    dealer_order_line_from_stored,
)
from ..domain.errors import ValidationError
from ..domain.money import Paise
from ..domain.numbering import financial_year
from ..store import new_id
from ..store.values import doc_key
from .catalog import CatalogService
from .context import ShopScope
from .convert import quantity_of, rupees, stored_quantity
from .dealer_orders import clean_lines, next_order_number, order_counter_id, require_transition
from .device import DeviceSettings
from .stock import record_movement

#: accepted spellings of the dealer fields -> the spec's field name
DEALER_FIELDS = {
    "name": "name",
    "contactPerson": "contactPerson",
    "contact_person": "contactPerson",
    "phoneNumber": "phoneNumber",
    "phone_number": "phoneNumber",
    "phone": "phoneNumber",
    "email": "email",
    "address": "address",
    "logoUrl": "logoUrl",
    "logo_url": "logoUrl",
}

#: a dealer as callers name one: its view, its id, or its name
DealerRef = Dealer | ObjectId | str
#: an order as callers name one: its view, its id, or its number (``PO-A/2526/0007``)
OrderRef = DealerOrder | ObjectId | str
#: an amount in rupees as typed or given ("1,250.50", 1250, Decimal("1250.5"))
RupeeAmount = str | int | Decimal


@dataclass(frozen=True)
class DealerDues:
    """What the shop owes one dealer (paise).

    ``billed`` sums the bill amounts of delivered orders; delivered orders without a bill
    yet are counted in ``unbilled_orders``. ``due`` never goes below zero: money paid beyond
    the bills is shown as ``advance``.
    """

    dealer_id: ObjectId
    name: str
    is_active: bool
    billed: Paise
    paid: Paise
    pending_orders: int
    unbilled_orders: int

    @property
    def balance(self) -> Paise:
        """Signed: positive is owed to the dealer, negative is the shop's credit with them."""
        return self.billed - self.paid

    @property
    def due(self) -> Paise:
        return max(self.balance, 0)

    @property
    def advance(self) -> Paise:
        return max(-self.balance, 0)


@dataclass(frozen=True)
class OrderDetail:
    """An order with its lines and dealer as stored: what the purchase-order printout
    (``printing.render_dealer_order``) reads."""

    order: dict[str, Any]
    lines: list[dict[str, Any]]
    dealer: dict[str, Any]


class DealerService:
    def __init__(self, scope: ShopScope):
        self.scope = scope
        self.catalog = CatalogService(scope)

    # ---------------------------------------------------------------- dealers
    def _clean(self, fields: dict[str, Any]) -> dict[str, Any]:
        clean: dict[str, Any] = {}
        for raw_key, value in fields.items():
            key = DEALER_FIELDS.get(raw_key)
            if key is None:
                raise ValidationError(raw_key, "is not a dealer field")
            if key == "name":
                clean[key] = v.name(value, "name", max_length=100)
            elif key == "contactPerson":
                clean[key] = v.optional_name(value, "contactPerson", max_length=100)
            elif key == "phoneNumber":
                clean[key] = v.phone(value, "phoneNumber", required=False, mobile_only=False)
            elif key == "email":
                clean[key] = v.email(value, "email")
            elif key == "address":
                clean[key] = v.optional_text(value, "address", max_length=500)
            else:
                clean[key] = v.optional_text(value, "logoUrl", max_length=500)
        return clean

    def _check_name_free(self, name: str, own_id: ObjectId | None = None) -> None:
        wanted = name.casefold()
        for doc in self.scope.store.iter_docs("dealers"):
            if (
                doc.get("clientId") == self.scope.client_id
                and doc["_id"] != own_id
                and str(doc.get("name", "")).casefold() == wanted
            ):
                state = "" if doc.get("isActive", True) else " (inactive: reactivate it)"
                raise ValidationError(
                    "name", f"a dealer named {doc['name']!r} already exists{state}"
                )

    def create(
        self,
        name: str,
        *,
        contact_person: str = "",
        phone: str = "",
        email: str = "",
        address: str = "",
        logo_url: str = "",
    ) -> Dealer:
        clean = self._clean(
            {
                "name": name,
                "contactPerson": contact_person,
                "phoneNumber": phone,
                "email": email,
                "address": address,
                "logoUrl": logo_url,
            }
        )
        self._check_name_free(clean["name"])
        now = self.scope.now()
        doc = {
            "_id": new_id(),
            "clientId": self.scope.client_id,
            **clean,
            "isActive": True,
            "createdAt": now,
            "updatedAt": now,
        }
        with self.scope.store.unit_of_work() as db:
            db.dealers.insert_one(doc)
        return self.get(doc["_id"])

    def get(self, dealer: DealerRef) -> Dealer:
        """A dealer of this shop by its view or id; text that is no id is a name."""
        return dealer_from_stored(self._document(dealer))

    def _document(self, dealer: DealerRef) -> dict[str, Any]:
        if isinstance(dealer, Dealer):
            dealer = dealer.id
        if isinstance(dealer, str) and dealer.strip() and not ObjectId.is_valid(dealer.strip()):
            return self._by_name(dealer)
        doc = self.scope.db.dealers.find_one(
            {"_id": v.object_id(dealer, "dealerId"), "clientId": self.scope.client_id}
        )
        if doc is None:
            raise ValidationError("dealerId", "no such dealer in this shop")
        return doc

    def _by_name(self, name: str) -> dict[str, Any]:
        wanted = " ".join(name.split()).casefold()
        for doc in self.scope.store.iter_docs("dealers"):
            if (
                doc.get("clientId") == self.scope.client_id
                and str(doc.get("name", "")).casefold() == wanted
            ):
                return dict(doc)
        raise ValidationError("dealerId", f"no dealer named {name.strip()!r}")

    def dealers(self, *, include_inactive: bool = False) -> list[Dealer]:
        """The shop's dealers by name; inactive (soft-deleted) ones only when asked."""
        found = [
            dealer_from_stored(d)
            for d in self.scope.store.iter_docs("dealers")
            if d.get("clientId") == self.scope.client_id
            and (include_inactive or d.get("isActive", True))
        ]
        found.sort(key=lambda d: (d.name.casefold(), str(d.id)))
        return found

    def update(self, dealer: DealerRef, **fields: str) -> Dealer:
        if "isActive" in fields:
            raise ValidationError("isActive", "use set_active to deactivate or reactivate")
        doc = self._document(dealer)
        clean = self._clean(fields)
        if "name" in clean:
            self._check_name_free(clean["name"], doc["_id"])
        clean["updatedAt"] = self.scope.now()
        with self.scope.store.unit_of_work() as db:
            db.dealers.update_one({"_id": doc["_id"]}, {"$set": clean})
        return self.get(doc["_id"])

    def set_active(self, dealer: DealerRef, active: bool) -> Dealer:
        """Soft delete (``active=False``) or bring a dealer back; dealers are never removed."""
        if not isinstance(active, bool):
            raise ValidationError("isActive", "must be true or false")
        doc = self._document(dealer)
        with self.scope.store.unit_of_work() as db:
            db.dealers.update_one(
                {"_id": doc["_id"]}, {"$set": {"isActive": active, "updatedAt": self.scope.now()}}
            )
        return self.get(doc["_id"])

    # ----------------------------------------------------------------- orders
    def create_order(
        self,
        dealer: DealerRef,
        items: Sequence[tuple[ObjectId | str, str | int | Decimal]],
        *,
        is_urgent: bool = False,
        delivery_instructions: str = "",
        notes: str = "",
        total_amount: RupeeAmount | None = None,
        due_date: str | None = None,
    ) -> DealerOrder:
        """Place a purchase order; ``total_amount`` is the dealer's bill, when already known."""
        dealer_doc = self._document(dealer)
        if not dealer_doc.get("isActive", True):
            raise ValidationError(
                "dealerId",
                f"{dealer_doc['name']} is inactive; reactivate the dealer before ordering",
            )
        lines = clean_lines(self.catalog, items)
        if not isinstance(is_urgent, bool):
            raise ValidationError("isUrgent", "must be true or false")
        instructions = v.optional_text(delivery_instructions, "deliveryInstructions")
        notes_text = v.optional_text(notes, "notes")
        bill = _optional_bill(total_amount)
        due = _optional_due_date(due_date)
        series = DeviceSettings(self.scope.store).get("invoicePrefix")
        fy = financial_year(self.scope.today())
        now = self.scope.now()
        with self.scope.store.unit_of_work() as db:
            number, seq = next_order_number(db, self.scope.client_id, series, fy)
            order = {
                "_id": new_id(),
                "clientId": self.scope.client_id,
                "dealerId": dealer_doc["_id"],
                "orderNumber": number,
                "status": "pending",
                "isUrgent": is_urgent,
                "deliveryInstructions": instructions,
                "notes": notes_text,
                "pdfUrl": "",
                "totalAmount": None if bill is None else rupees(bill),
                "dueDate": due,
                "deliveredAt": None,
                "cancelledAt": None,
                "deliveryAudit": None,
                "createdAt": now,
                "updatedAt": now,
                "deviceId": self.scope.ctx.device_id,
                "series": series,
                "financialYear": fy,
                "sequence": seq,
            }
            db.dealerorders.insert_one(order)
            db.dealerorderitems.insert_many(
                [
                    {
                        "_id": new_id(),
                        "clientId": self.scope.client_id,
                        "orderId": order["_id"],
                        "itemId": line.item_id,
                        "itemNameSnapshot": line.item["name"],
                        "quantity": stored_quantity(line.quantity),
                        "createdAt": now,
                    }
                    for line in lines
                ]
            )
            counter_id = order_counter_id(series, fy)
            db.counters.replace_one(
                {"_id": counter_id}, {"_id": counter_id, "next": seq + 1}, upsert=True
            )
        return self.order(order["_id"])

    def order(self, order: OrderRef) -> DealerOrder:
        """An order of this shop by id or order number (``PO-A/2526/0007``)."""
        return dealer_order_from_stored(self._order_document(order))

    def _order_document(self, order: OrderRef) -> dict[str, Any]:
        return self.scope.lookup(
            "dealerorders",
            order.id if isinstance(order, DealerOrder) else order,
            number_field="orderNumber",
            id_field="orderId",
            what="order",
        )

    def order_lines(self, order: OrderRef) -> list[DealerOrderLine]:
        """The order's lines by item name."""
        return [dealer_order_line_from_stored(line) for line in self._line_documents(order)]

    def _line_documents(self, order: OrderRef) -> list[dict[str, Any]]:
        doc = self._order_document(order)
        lines = list(self.scope.db.dealerorderitems.find({"orderId": doc["_id"]}))
        lines.sort(
            key=lambda line: (str(line.get("itemNameSnapshot", "")).casefold(), str(line["itemId"]))
        )
        return lines

    def order_for_print(self, order: OrderRef) -> OrderDetail:
        """The order, its lines and its dealer as stored, for the purchase-order printout."""
        doc = self._order_document(order)
        return OrderDetail(doc, self._line_documents(doc["_id"]), self._document(doc["dealerId"]))

    def orders(
        self, dealer: DealerRef | None = None, *, status: str | None = None
    ) -> list[DealerOrder]:
        """Orders newest first, of one dealer or of all; optionally of one status."""
        wanted_status = None
        if status is not None:
            wanted_status = v.dealer_order_status(status)
        if dealer is not None:
            dealer_id = self.get(dealer).id
            docs = list(
                self.scope.db.dealerorders.find(
                    {"dealerId": dealer_id, "clientId": self.scope.client_id}
                )
            )
        else:
            docs = [
                dict(d)
                for d in self.scope.store.iter_docs("dealerorders")
                if d.get("clientId") == self.scope.client_id
            ]
        if wanted_status is not None:
            docs = [d for d in docs if (d.get("status") or "pending") == wanted_status]
        docs.sort(
            key=lambda d: (d["createdAt"], d.get("sequence", 0), d["orderNumber"]), reverse=True
        )
        return [dealer_order_from_stored(d) for d in docs]

    def mark_delivered(
        self, order: OrderRef, *, received_by: str = "", note: str = ""
    ) -> DealerOrder:
        """Receive the goods: stock goes up by every line, and who received them is kept."""
        doc = self._order_document(order)
        receiver = v.optional_name(received_by, "receivedBy", max_length=100)
        note_text = v.optional_text(note, "note")
        now = self.scope.now()
        with self.scope.store.unit_of_work() as db:
            require_transition(db.dealerorders.find_one({"_id": doc["_id"]}), "delivered")
            audit_lines = []
            for line in db.dealerorderitems.find({"orderId": doc["_id"]}):
                item = db.items.find_one({"_id": line["itemId"], "clientId": self.scope.client_id})
                if item is None:
                    raise ValidationError(
                        "itemId", f"{line['itemNameSnapshot']} is no longer in the catalogue"
                    )
                quantity = quantity_of(line["quantity"])
                record_movement(
                    self.scope,
                    item,
                    quantity,
                    "purchase",
                    ref_collection="dealerorders",
                    ref_id=doc["_id"],
                    note=doc["orderNumber"],
                )
                audit_lines.append({"itemId": item["_id"], "quantity": stored_quantity(quantity)})
            db.dealerorders.update_one(
                {"_id": doc["_id"]},
                {
                    "$set": {
                        "status": "delivered",
                        "deliveredAt": now,
                        "updatedAt": now,
                        "deliveryAudit": {
                            "deliveredAt": now,
                            "receivedBy": receiver,
                            "note": note_text,
                            "deviceId": self.scope.ctx.device_id,
                            "lines": audit_lines,
                        },
                    }
                },
            )
        return self.order(doc["_id"])

    def cancel_order(self, order: OrderRef) -> DealerOrder:
        doc = self._order_document(order)
        now = self.scope.now()
        with self.scope.store.unit_of_work() as db:
            require_transition(db.dealerorders.find_one({"_id": doc["_id"]}), "cancelled")
            db.dealerorders.update_one(
                {"_id": doc["_id"]},
                {"$set": {"status": "cancelled", "cancelledAt": now, "updatedAt": now}},
            )
        return self.order(doc["_id"])

    def set_order_bill(
        self, order: OrderRef, total_amount: RupeeAmount, due_date: str | None = None
    ) -> DealerOrder:
        """Record (or correct) the dealer's bill for an order, before or after delivery.

        ``due_date`` None keeps the due date the order has; ``""`` removes it.
        """
        doc = self._order_document(order)
        if (doc.get("status") or "pending") == "cancelled":
            raise ValidationError(
                "status", f"order {doc['orderNumber']} is cancelled; it has no bill to record"
            )
        changes: dict[str, Any] = {
            "totalAmount": rupees(v.amount(total_amount, "totalAmount")),
            "updatedAt": self.scope.now(),
        }
        if isinstance(due_date, str) and not due_date.strip():
            changes["dueDate"] = None
        elif due_date is not None:
            changes["dueDate"] = _optional_due_date(due_date)
        with self.scope.store.unit_of_work() as db:
            db.dealerorders.update_one({"_id": doc["_id"]}, {"$set": changes})
        return self.order(doc["_id"])

    # --------------------------------------------------------------- payments
    def pay_dealer(
        self,
        dealer: DealerRef,
        amount: RupeeAmount,
        *,
        method: str = "cash",
        note: str = "",
        proof_url: str = "",
        order: OrderRef | None = None,
    ) -> DealerPayment:
        """Record money paid to a dealer, optionally against one of that dealer's orders.

        Paying more than is billed is allowed: it shows as an advance with the dealer.
        """
        dealer_doc = self._document(dealer)
        paise = v.amount(amount, "amount", allow_zero=False)
        method_name = v.payment_method(method, "method")
        note_text = v.optional_text(note, "note")
        proof = v.optional_text(proof_url, "proofUrl")
        order_id = None
        if order is not None and order != "":
            order_doc = self._order_document(order)
            if order_doc["dealerId"] != dealer_doc["_id"]:
                raise ValidationError(
                    "orderId",
                    f"order {order_doc['orderNumber']} was placed "
                    f"with another dealer, not {dealer_doc['name']}",
                )
            if order_doc.get("status") == "cancelled":
                raise ValidationError("orderId", f"order {order_doc['orderNumber']} is cancelled")
            order_id = order_doc["_id"]
        now = self.scope.now()
        payment = {
            "_id": new_id(),
            "clientId": self.scope.client_id,
            "dealerId": dealer_doc["_id"],
            "orderId": order_id,
            "amount": rupees(paise),
            "method": method_name,
            "note": note_text,
            "proofUrl": proof,
            "paidAt": now,
            "updatedAt": now,
            "deviceId": self.scope.ctx.device_id,
        }
        with self.scope.store.unit_of_work() as db:
            db.dealerpayments.insert_one(payment)
        return dealer_payment_from_stored(payment)

    def payments(self, dealer: DealerRef | None = None) -> list[DealerPayment]:
        """Payments to one dealer (or to all), newest first."""
        if dealer is not None:
            dealer_id = self.get(dealer).id
            docs = list(
                self.scope.db.dealerpayments.find(
                    {"dealerId": dealer_id, "clientId": self.scope.client_id}
                )
            )
        else:
            docs = [
                dict(d)
                for d in self.scope.store.iter_docs("dealerpayments")
                if d.get("clientId") == self.scope.client_id
            ]
        docs.sort(key=lambda d: (d["paidAt"], str(d["_id"])), reverse=True)
        return [dealer_payment_from_stored(d) for d in docs]

    # ------------------------------------------------------------------- dues
    def dues(self, dealer: DealerRef) -> DealerDues:
        return self._dues_of([self.get(dealer)])[0]

    def all_dues(self, *, include_inactive: bool = False) -> list[DealerDues]:
        """Dues of every dealer by name; an inactive dealer is listed while money is open."""
        dues = self._dues_of(self.dealers(include_inactive=True))
        return [d for d in dues if include_inactive or d.is_active or d.balance != 0]

    def _dues_of(self, dealers: list[Dealer]) -> list[DealerDues]:
        """From the store's per-dealer sums, kept with every order and payment."""
        sums = self.scope.store.ledger.dealer_sums(self.scope.client_id)
        return [
            DealerDues(
                dealer.id,
                dealer.name,
                dealer.is_active,
                *sums.get(doc_key(dealer.id), (0, 0, 0, 0)),
            )
            for dealer in dealers
        ]


def _optional_bill(value: Any) -> Paise | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return v.amount(value, "totalAmount")


def _optional_due_date(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    day: date = v.parse_date(value, "dueDate")
    return day.isoformat()
