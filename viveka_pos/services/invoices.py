"""Turning a cart into a GST invoice, in one unit of work; reading and verifying invoices."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from bson import ObjectId

from ..domain import validation as v
from ..domain.entities.invoice import Invoice, invoice_from_stored
from ..domain.errors import ValidationError
from ..domain.money import format_inr
from ..domain.numbering import financial_year
from ..domain.states import state_by_code, state_name
from ..domain.words import amount_in_words
from ..store import new_id
from .carts import CartId, CartService, CartState
from .chains import store_chain_report
from .context import ShopScope
from .convert import quantity_of, rupees, stored_quantity, stored_rate
from .device import DeviceSettings
from .payments import InvoiceRef, apply_payments, invoice_document
from .series import INVOICE_SERIES, issued_fields, next_slot, seal_and_insert
from .stock import record_movements

DUE_DAYS = 30
RULE_46_UNREGISTERED_LIMIT = 50_000_00
"""Paise from which a bill to a buyer without GSTIN must name the buyer, address and state."""


def check_rule_46(customer: dict[str, Any] | None, total: int) -> None:
    """GST Rule 46(e): a bill of ₹50,000 or more to an unregistered buyer names the buyer,
    their address and their state. ValidationError naming the missing field otherwise."""
    customer = customer or {}
    if total < RULE_46_UNREGISTERED_LIMIT or customer.get("gstNo"):
        return
    why = (
        f"a bill of {format_inr(RULE_46_UNREGISTERED_LIMIT)} or more to a buyer without "
        "GSTIN must show the buyer's name, address and state (GST Rule 46)"
    )
    if not customer.get("_id"):
        raise ValidationError("clientCustomerId", f"choose the customer: {why}")
    for field, label in (("name", "name"), ("address", "address"), ("stateCode", "state")):
        if not str(customer.get(field) or "").strip():
            raise ValidationError(field, f"the customer's {label} is missing: {why}")


#: Money owed must be owed by someone: a credit or part payment needs a customer on the bill.
WALK_IN_CREDIT = (
    "{due} would stay due from a walk-in customer: add the customer (phone and "
    "name) to give credit, or take the full amount"
)


class InvoiceService:
    def __init__(self, scope: ShopScope):
        self.scope = scope
        self.carts = CartService(scope)

    def generate(
        self,
        cart_id: CartId,
        *,
        paid_amount: Any = None,
        method: Any = "cash",
        payment_note: Any = "",
        notes: Any = "",
    ) -> Invoice:
        """Save the bill: invoice, first payment, stock, history — all or nothing.

        ``paid_amount`` may be 0 (credit), part of the total, or the total; the invoice is
        finalized when it is fully paid. Credit (less than the total) needs a customer.
        None (not given) is the whole bill, as the payment dialog proposes.
        """
        shop = self.scope.require_active()
        view = self.carts.state(cart_id)
        if view.is_empty:
            raise ValidationError("cartId", "the bill has no items")
        total = view.totals.total_amount
        paid = total if paid_amount is None else v.amount(paid_amount, "paidAmount")
        if paid > total:
            raise ValidationError(
                "paidAmount", f"{format_inr(paid)} is more than the bill total {format_inr(total)}"
            )
        if paid < total and view.customer is None:
            raise ValidationError("paidAmount", WALK_IN_CREDIT.format(due=format_inr(total - paid)))
        method_name = v.payment_method(method, "method")
        note_text = v.optional_text(payment_note, "note", max_length=500)
        notes_text = v.optional_text(notes, "notes", max_length=500)
        series = DeviceSettings(self.scope.store).get("invoicePrefix")
        today = self.scope.today()
        fy = financial_year(today)
        now = self.scope.now()
        with self.scope.store.unit_of_work() as db:
            slot = next_slot(db, self.scope.client_id, INVOICE_SERIES, series, fy)
            invoice = self._invoice_doc(
                shop, view, slot.number, series, fy, slot.sequence, today, now, notes_text
            )
            # What apply_payments would derive from the first payment below, set before the
            # first write: the invoice is saved once instead of being rewritten at once.
            invoice["paidAmount"] = rupees(paid)
            invoice["isFinalized"] = paid >= total
            seal_and_insert(db, INVOICE_SERIES, slot, invoice)
            self._take_stock(db, view, invoice)
            check_rule_46(view.customer, total)  # after the stock check: that one comes first
            if paid > 0:
                db.payments.insert_one(
                    {
                        "_id": new_id(),
                        "clientId": self.scope.client_id,
                        "invoiceId": invoice["_id"],
                        "amount": rupees(paid),
                        "method": method_name,
                        "note": note_text,
                        "paidAt": now,
                        "updatedAt": now,
                        "deviceId": self.scope.ctx.device_id,
                    }
                )
            saved = apply_payments(db, invoice, now)
            db.cartitems.delete_many({"cartId": view.cart_id})
            db.carts.delete_one({"_id": view.cart_id})
        return invoice_from_stored(saved)

    def next_number(self, series: str | None = None) -> str:
        """The number the next bill of ``series`` (default: this PC's) gets today."""
        series = series or DeviceSettings(self.scope.store).get("invoicePrefix")
        fy = financial_year(self.scope.today())
        return next_slot(self.scope.db, self.scope.client_id, INVOICE_SERIES, series, fy).number

    def _invoice_doc(
        self,
        shop: dict[str, Any],
        view: CartState,
        number: str,
        series: str,
        fy: str,
        seq: int,
        today: Any,
        now: Any,
        notes: str,
    ) -> dict[str, Any]:
        totals = view.totals
        customer = view.customer or {}
        shop_state = (shop.get("clientSettings") or {}).get("stateCode", "")
        place = customer.get("stateCode") or shop_state
        place_state = state_by_code(place) if place else None
        products = []
        for line, computed in zip(view.lines, totals.lines, strict=True):
            products.append(
                {
                    "productId": line["itemId"],
                    "itemName": line["itemNameSnapshot"],
                    "itemGroup": line.get("itemGroupSnapshot", ""),
                    "itemCode": line.get("itemCode", ""),
                    "quantity": stored_quantity(computed.quantity),
                    "costPerUnit": rupees(computed.unit_price),
                    "unit": computed.unit,
                    "hsnCode": computed.hsn_code,
                    "gstRate": stored_rate(computed.gst_rate),
                    "grossAmount": rupees(computed.gross),
                    "discount": rupees(computed.discount),
                    "taxableValue": rupees(computed.taxable),
                    "cgst": rupees(computed.cgst),
                    "sgst": rupees(computed.sgst),
                    "igst": rupees(computed.igst),
                    "lineTotal": rupees(computed.line_total),
                }
            )
        return {
            "_id": new_id(),
            "clientId": self.scope.client_id,
            "clientCustomerId": customer.get("_id"),
            "clientCustomerName": customer.get("name", ""),
            "clientCustomerPhone": customer.get("phoneNumber", ""),
            "invoiceNumber": number,
            "invoiceDate": today.isoformat(),
            "dueDate": (today + timedelta(days=DUE_DAYS)).isoformat(),
            "subtotal": rupees(totals.subtotal),
            "totalTax": rupees(totals.total_tax),
            "totalDiscount": rupees(totals.total_discount),
            "totalAmount": rupees(totals.total_amount),
            "paidAmount": 0,
            "isFinalized": False,
            "notes": notes,
            "products": products,
            **issued_fields(series, fy, seq, now, self.scope.ctx.device_id),
            "supplyType": totals.supply_type,
            "shopStateCode": shop_state,
            "placeOfSupply": place,
            "placeOfSupplyName": place_state.name if place_state else "",
            "customerGstin": customer.get("gstNo", ""),
            "customerAddress": customer.get("address", ""),
            "customerState": state_name(customer.get("stateCode")),
            "billDiscount": rupees(totals.bill_discount),
            "pricesIncludeTax": totals.prices_include_tax,
            "totalTaxable": rupees(totals.total_taxable),
            "totalCgst": rupees(totals.total_cgst),
            "totalSgst": rupees(totals.total_sgst),
            "totalIgst": rupees(totals.total_igst),
            "taxSummary": [
                {
                    "hsnCode": row.hsn_code,
                    "gstRate": stored_rate(row.gst_rate),
                    "taxableValue": rupees(row.taxable),
                    "cgst": rupees(row.cgst),
                    "sgst": rupees(row.sgst),
                    "igst": rupees(row.igst),
                }
                for row in totals.tax_summary
            ],
            "amountInWords": amount_in_words(totals.total_amount),
        }

    def _take_stock(self, db: Any, view: CartState, invoice: dict[str, Any]) -> None:
        wanted: dict[ObjectId, Decimal] = defaultdict(Decimal)
        for line in view.lines:
            wanted[line["itemId"]] += quantity_of(line["quantity"])
        changes = []
        for item_id, qty in wanted.items():
            item = db.items.find_one({"_id": item_id})
            if item is None:
                raise ValidationError("itemId", "an item on this bill was deleted")
            changes.append((item, -qty))
        record_movements(
            self.scope, changes, "sale", ref_collection="invoices", ref_id=invoice["_id"]
        )

    # ---------------------------------------------------------------- reading
    def get(self, invoice: InvoiceRef) -> Invoice:
        """An invoice of this shop by id, view or invoice number."""
        return invoice_from_stored(self.document(invoice))

    def document(self, invoice: InvoiceRef) -> dict[str, Any]:
        """The stored invoice, for printing and export (which read the document as filed)."""
        return invoice_document(self.scope, invoice)

    def recent(self, limit: int = 50) -> list[Invoice]:
        """The shop's newest invoices, newest first (read through the invoiceDate index:
        the newest days only, never the whole history)."""
        found: list[dict[str, Any]] = []
        for doc in self.scope.db.invoices.find(
            {"clientId": self.scope.client_id}, sort=[("invoiceDate", -1)]
        ):
            if len(found) >= limit and doc.get("invoiceDate") != found[-1].get("invoiceDate"):
                break  # every invoice of the last day read is in: the order is complete
            found.append(doc)
        found.sort(key=lambda d: d.get("generatedAt") or datetime.min, reverse=True)
        return [invoice_from_stored(doc) for doc in found[:limit]]

    def for_customer(self, customer_id: ObjectId | str) -> list[Invoice]:
        """A customer's invoices, newest first (their purchase history and dues)."""
        docs = self.scope.db.invoices.find(
            {"clientCustomerId": v.object_id(customer_id, "clientCustomerId")}
        )
        docs = sorted(docs, key=lambda d: d.get("generatedAt") or datetime.min, reverse=True)
        return [invoice_from_stored(doc) for doc in docs]

    def verify(self) -> list[str]:
        """Tamper check: every series' hash chain of this shop, in order. Empty list: all
        intact. Reads the chain table the store keeps (``chains.store_chain_report``)."""
        return store_chain_report(self.scope.store, self.scope.client_id, name_series=False)[0]
