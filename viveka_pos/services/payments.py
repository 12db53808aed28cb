"""Payments against invoices. ``paidAmount`` and ``isFinalized`` derive from them."""

from __future__ import annotations

from typing import Any

from bson import ObjectId

from ..domain import validation as v
from ..domain.entities.invoice import Invoice, invoice_from_stored
from ..domain.entities.payment import Payment, payment_from_stored
from ..domain.errors import ValidationError
from ..domain.money import format_inr
from ..domain.settlement import payment_changes
from ..store import Store, new_id
from .context import ShopScope, store_time
from .convert import paise_of, rupees
from .ids import purchase_history_id

#: an invoice named by its view, id, number (``A/2526/00042``) or stored document
InvoiceRef = Invoice | ObjectId | str | dict[str, Any]


def invoice_ref(invoice: InvoiceRef) -> ObjectId | str | dict[str, Any]:
    """What ``ShopScope.lookup`` takes for an invoice given as a view, id or number."""
    return invoice.id if isinstance(invoice, Invoice) else invoice


def apply_payments(
    db: Any, invoice: dict[str, Any], now: Any, *, from_sync: bool = False
) -> dict[str, Any]:
    """Re-derive an invoice's paid amount and finalization from its payments.

    Call inside a unit of work. On first finalization the purchase history is created
    (with an id derived from the invoice, so two devices never make two) and the customer's
    ``lastPurchaseAt`` is set. A cancelled invoice is finalized (nothing is due on it) and
    makes no purchase history. Returns the invoice as it now is.
    """
    paid = sum(paise_of(p.get("amount")) for p in db.payments.find({"invoiceId": invoice["_id"]}))
    changes = payment_changes(invoice, paid)
    if changes:
        db.invoices.update_one({"_id": invoice["_id"]}, {"$set": changes})
        invoice = {**invoice, **changes}
    if invoice.get("isFinalized") and not invoice.get("isCancelled"):
        _ensure_purchase_history(db, invoice, now, any_id=from_sync)
    return invoice


def _ensure_purchase_history(db: Any, invoice: dict[str, Any], now: Any, *, any_id: bool) -> None:
    """``any_id``: the payments came from elsewhere (``from_sync``: a pull), so the spec's
    backend may have made the history already, under its own id; then none is added."""
    customer_id = invoice.get("clientCustomerId")
    if customer_id is None:
        return  # walk-in sale: no customer to keep a history for
    history_id = purchase_history_id(invoice["_id"])
    if db.purchasehistories.find_one({"_id": history_id}) is not None:
        return
    if any_id and db.purchasehistories.find_one({"invoiceId": invoice["_id"]}) is not None:
        return
    db.purchasehistories.insert_one(
        {
            "_id": history_id,
            "clientId": invoice["clientId"],
            "clientCustomerId": customer_id,
            "clientCustomerPhone": invoice.get("clientCustomerPhone") or "",
            "invoiceId": invoice["_id"],
            "totalAmount": invoice.get("totalAmount", 0),
            "purchasedAt": now,
            "updatedAt": now,
        }
    )
    customer = db.clientCustomers.find_one({"_id": customer_id})
    if customer is not None:
        last = customer.get("lastPurchaseAt")
        if last is None or last < now:
            db.clientCustomers.update_one({"_id": customer_id}, {"$set": {"lastPurchaseAt": now}})


def recompute_invoice(store: Store, invoice_id: Any) -> bool:
    """Re-derive one invoice after payments arrived by sync. Returns whether it changed."""
    with store.unit_of_work() as db:
        invoice = db.invoices.find_one({"_id": invoice_id})
        if invoice is None:
            return False
        now = store_time(_latest_payment_time(db, invoice_id) or invoice["generatedAt"])
        after = apply_payments(db, invoice, now, from_sync=True)
        return after is not invoice


def _latest_payment_time(db: Any, invoice_id: Any) -> Any:
    times = [p.get("paidAt") for p in db.payments.find({"invoiceId": invoice_id})]
    times = [t for t in times if t is not None]
    return max(times) if times else None


def invoice_document(scope: ShopScope, invoice: InvoiceRef) -> dict[str, Any]:
    """The shop's stored invoice by id, view or invoice number (refused loudly if none)."""
    return scope.lookup(
        "invoices",
        invoice_ref(invoice),
        number_field="invoiceNumber",
        id_field="invoiceId",
        what="invoice",
    )


class PaymentService:
    def __init__(self, scope: ShopScope):
        self.scope = scope

    def _invoice(self, invoice: InvoiceRef) -> dict[str, Any]:
        return invoice_document(self.scope, invoice)

    def record(
        self, invoice: InvoiceRef, amount: Any, *, method: Any = "cash", note: Any = ""
    ) -> Invoice:
        """Take a payment against an invoice. Returns the invoice after it."""
        doc = self._invoice(invoice)
        paise = v.amount(amount, "amount", allow_zero=False)
        method_name = v.payment_method(method, "method")
        note_text = v.optional_text(note, "note", max_length=500)
        balance = paise_of(doc.get("totalAmount")) - paise_of(doc.get("paidAmount"))
        if balance <= 0:
            raise ValidationError("amount", f"invoice {doc['invoiceNumber']} is already paid")
        if paise > balance:
            raise ValidationError(
                "amount",
                f"{format_inr(paise)} is more than the balance {format_inr(balance)} "
                f"of invoice {doc['invoiceNumber']}",
            )
        now = self.scope.now()
        with self.scope.store.unit_of_work() as db:
            db.payments.insert_one(
                {
                    "_id": new_id(),
                    "clientId": self.scope.client_id,
                    "invoiceId": doc["_id"],
                    "amount": rupees(paise),
                    "method": method_name,
                    "note": note_text,
                    "paidAt": now,
                    "updatedAt": now,
                    "deviceId": self.scope.ctx.device_id,
                }
            )
            fresh = db.invoices.find_one({"_id": doc["_id"]})
            if fresh is None:  # read back inside the same unit of work: cannot be gone
                raise RuntimeError(f"invoice {doc['_id']} vanished while taking a payment")
            return invoice_from_stored(apply_payments(db, fresh, now))

    def for_invoice(self, invoice: InvoiceRef) -> list[Payment]:
        """The invoice's payments, oldest first."""
        return [payment_from_stored(doc) for doc in self.documents_for_invoice(invoice)]

    def documents_for_invoice(self, invoice: InvoiceRef) -> list[dict[str, Any]]:
        """The invoice's payments as stored, oldest first, for printing the invoice."""
        doc = self._invoice(invoice)
        return list(self.scope.db.payments.find({"invoiceId": doc["_id"]}, sort=[("paidAt", 1)]))
