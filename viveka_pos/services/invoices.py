"""Turning a cart into a GST invoice, in one unit of work; reading and verifying invoices."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from typing import Any

from bson import ObjectId

from ..domain import validation as v
from ..domain.errors import ValidationError
from ..domain.hashchain import GENESIS_HASH, invoice_hash, verify_chain
from ..domain.money import format_inr
from ..domain.numbering import check_invoice_number, financial_year, format_invoice_number
from ..domain.states import state_by_code
from ..domain.words import amount_in_words
from ..store import new_id
from .carts import CartService, CartView
from .context import ShopScope
from .convert import quantity_of, rupees, stored_quantity
from .device import DeviceSettings
from .payments import apply_payments
from .stock import record_movement

DUE_DAYS = 30
#: Money owed must be owed by someone: a credit or part payment needs a customer on the bill.
WALK_IN_CREDIT = ("{due} would stay due from a walk-in customer: add the customer (phone and "
                  "name) to give credit, or take the full amount")


class InvoiceService:
    def __init__(self, scope: ShopScope):
        self.scope = scope
        self.carts = CartService(scope)

    def generate(self, cart_id: Any, *, paid_amount: Any = None, method: Any = "cash",
                 payment_note: Any = "", notes: Any = "") -> dict[str, Any]:
        """Save the bill: invoice, first payment, stock, history — all or nothing.

        ``paid_amount`` may be 0 (credit), part of the total, or the total; the invoice is
        finalized when it is fully paid. Credit (less than the total) needs a customer.
        None (not given) is the whole bill, as the payment dialog proposes.
        """
        shop = self.scope.require_active()
        view = self.carts.view(cart_id)
        if view.is_empty:
            raise ValidationError("cartId", "the bill has no items")
        total = view.totals.total_amount
        paid = total if paid_amount is None else v.amount(paid_amount, "paidAmount")
        if paid > total:
            raise ValidationError("paidAmount", f"{format_inr(paid)} is more than the bill "
                                  f"total {format_inr(total)}")
        if paid < total and view.customer is None:
            raise ValidationError("paidAmount", WALK_IN_CREDIT.format(
                due=format_inr(total - paid)))
        method_name = v.payment_method(method, "method")
        note_text = v.optional_text(payment_note, "note", max_length=500)
        notes_text = v.optional_text(notes, "notes", max_length=500)
        series = DeviceSettings(self.scope.store).get("invoicePrefix")
        today = self.scope.today()
        fy = financial_year(today)
        now = self.scope.now()
        with self.scope.store.unit_of_work() as db:
            seq = self._next_sequence(db, series, fy)
            number = check_invoice_number(format_invoice_number(series, fy, seq))
            chain = db.counters.find_one({"_id": f"chain:{series}"}) or {}
            prev_hash = chain.get("lastHash") or GENESIS_HASH
            invoice = self._invoice_doc(shop, view, number, series, fy, seq, today, now,
                                        notes_text)
            # What apply_payments would derive from the first payment below, set before the
            # first write: the invoice is saved once instead of being rewritten at once.
            invoice["paidAmount"] = rupees(paid)
            invoice["isFinalized"] = paid >= total
            invoice["prevHash"] = prev_hash
            invoice["hash"] = invoice_hash(invoice, prev_hash)
            db.invoices.insert_one(invoice)
            db.counters.replace_one({"_id": f"invoice:{series}:{fy}"},
                                    {"_id": f"invoice:{series}:{fy}", "next": seq + 1},
                                    upsert=True)
            db.counters.replace_one({"_id": f"chain:{series}"},
                                    {"_id": f"chain:{series}", "lastHash": invoice["hash"],
                                     "lastNumber": number}, upsert=True)
            self._take_stock(db, view, invoice)
            if paid > 0:
                db.payments.insert_one({
                    "_id": new_id(),
                    "clientId": self.scope.client_id,
                    "invoiceId": invoice["_id"],
                    "amount": rupees(paid),
                    "method": method_name,
                    "note": note_text,
                    "paidAt": now,
                    "deviceId": self.scope.ctx.device_id,
                })
            apply_payments(db, invoice, now)
            db.cartitems.delete_many({"cartId": view.cart_id})
            db.carts.delete_one({"_id": view.cart_id})
        return self.get(invoice["_id"])

    def next_number(self, series: str | None = None) -> str:
        """The number the next bill of ``series`` (default: this PC's) gets today."""
        series = series or DeviceSettings(self.scope.store).get("invoicePrefix")
        fy = financial_year(self.scope.today())
        return format_invoice_number(series, fy, self._next_sequence(self.scope.db, series, fy))

    def _next_sequence(self, db: Any, series: str, fy: str) -> int:
        counter = db.counters.find_one({"_id": f"invoice:{series}:{fy}"}) or {}
        seq = int(counter.get("next", 1))
        # Never reuse a number, even if the counter was lost (restore of an older backup
        # while invoices made later came back by sync).
        while db.invoices.find_one({"clientId": self.scope.client_id,
                                    "invoiceNumber": format_invoice_number(series, fy, seq)}):
            seq += 1
        return seq

    def _invoice_doc(self, shop: dict[str, Any], view: CartView, number: str, series: str,
                     fy: str, seq: int, today: Any, now: Any, notes: str) -> dict[str, Any]:
        totals = view.totals
        customer = view.customer or {}
        shop_state = (shop.get("clientSettings") or {}).get("stateCode", "")
        place = customer.get("stateCode") or shop_state
        place_state = state_by_code(place) if place else None
        products = []
        for line, computed in zip(view.lines, totals.lines, strict=True):
            products.append({
                "productId": line["itemId"],
                "itemName": line["itemNameSnapshot"],
                "itemGroup": line.get("itemGroupSnapshot", ""),
                "itemCode": line.get("itemCode", ""),
                "quantity": stored_quantity(computed.quantity),
                "costPerUnit": rupees(computed.unit_price),
                "unit": computed.unit,
                "hsnCode": computed.hsn_code,
                "gstRate": computed.gst_rate,
                "grossAmount": rupees(computed.gross),
                "discount": rupees(computed.discount),
                "taxableValue": rupees(computed.taxable),
                "cgst": rupees(computed.cgst),
                "sgst": rupees(computed.sgst),
                "igst": rupees(computed.igst),
                "lineTotal": rupees(computed.line_total),
            })
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
            "generatedAt": now,
            "deviceId": self.scope.ctx.device_id,
            "series": series,
            "financialYear": fy,
            "sequence": seq,
            "supplyType": totals.supply_type,
            "shopStateCode": shop_state,
            "placeOfSupply": place,
            "placeOfSupplyName": place_state.name if place_state else "",
            "customerGstin": customer.get("gstNo", ""),
            "customerAddress": customer.get("address", ""),
            "customerState": (state_by_code(customer["stateCode"]).name
                              if customer.get("stateCode") and state_by_code(
                                  customer["stateCode"]) else ""),
            "billDiscount": rupees(totals.bill_discount),
            "pricesIncludeTax": totals.prices_include_tax,
            "totalTaxable": rupees(totals.total_taxable),
            "totalCgst": rupees(totals.total_cgst),
            "totalSgst": rupees(totals.total_sgst),
            "totalIgst": rupees(totals.total_igst),
            "taxSummary": [
                {"hsnCode": row.hsn_code, "gstRate": row.gst_rate,
                 "taxableValue": rupees(row.taxable), "cgst": rupees(row.cgst),
                 "sgst": rupees(row.sgst), "igst": rupees(row.igst)}
                for row in totals.tax_summary
            ],
            "amountInWords": amount_in_words(totals.total_amount),
        }

    def _take_stock(self, db: Any, view: CartView, invoice: dict[str, Any]) -> None:
        wanted: dict[ObjectId, Decimal] = defaultdict(Decimal)
        for line in view.lines:
            wanted[line["itemId"]] += quantity_of(line["quantity"])
        for item_id, qty in wanted.items():
            item = db.items.find_one({"_id": item_id})
            if item is None:
                raise ValidationError("itemId", "an item on this bill was deleted")
            record_movement(self.scope, item, -qty, "sale", ref_collection="invoices",
                            ref_id=invoice["_id"])

    # ---------------------------------------------------------------- reading
    def get(self, invoice: Any) -> dict[str, Any]:
        """An invoice of this shop by id, document or invoice number."""
        return self.scope.lookup("invoices", invoice, number_field="invoiceNumber",
                                 id_field="invoiceId", what="invoice")

    def recent(self, limit: int = 50) -> list[dict[str, Any]]:
        docs = [d for d in self.scope.store.iter_docs("invoices")
                if d.get("clientId") == self.scope.client_id]
        docs.sort(key=lambda d: d["generatedAt"], reverse=True)
        return [dict(d) for d in docs[:limit]]

    def verify(self) -> list[str]:
        """Tamper check: every series' hash chain, in order. Empty list: all intact."""
        by_series: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for doc in self.scope.store.iter_docs("invoices"):
            if doc.get("clientId") == self.scope.client_id and doc.get("series"):
                by_series[doc["series"]].append(doc)
        problems: list[str] = []
        for series in sorted(by_series):
            docs = sorted(by_series[series],
                          key=lambda d: (d.get("financialYear", ""), d.get("sequence", 0)))
            problems.extend(verify_chain(docs))
        return problems
