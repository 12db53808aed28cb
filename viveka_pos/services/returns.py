"""Sales returns as GST credit notes (Sec. 34 CGST Act), and cancelling a bill of today.

A return never edits the invoice. It makes a credit note in a series of its own (per device
and financial year, ``CN-A/2627/00001``), hash-chained like invoices, naming the invoice and
its date, with the tax reversed line by line and summed per HSN and rate. The goods come back
into stock as ``return`` movements. The credit note's value is first set against the
customer's dues — what is still due on this invoice, then on their other unpaid bills, oldest
first — each as a payment with method ``other`` that names the credit note (so ``paidAmount``
stays the sum of payments), and the rest is paid out to the customer (``refundAmount``/
``refundMethod`` on the credit note).

The value of a returned quantity is the line's value in proportion, computed on the
*cumulative* quantity returned: ``round(value × returned_so_far / sold) − round(value ×
returned_before / sold)``. However a line is returned in parts, the parts add up to the
line's own figures to the paisa, and a bill discount (already spread over the lines) comes
back in proportion too.

Cancelling is for a bill made today that has no return against it: unpaid, or refunded in
full as part of the cancellation. The invoice keeps its number and contents; it gets
``isCancelled`` with the time, reason and any refund, its stock comes back (``cancel``
movements), and nothing is due on it any more.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from bson import ObjectId

from ..domain import validation as v
from ..domain.entities.credit_note import (
    CreditNote,
    CreditNoteLine,
    credit_note_from_stored,
    credit_note_line_from_stored,
)
from ..domain.entities.invoice import Invoice, invoice_from_stored
from ..domain.errors import ValidationError
from ..domain.hashchain import CREDIT_NOTES, verify_chain
from ..domain.money import format_inr, round_half_up
from ..domain.numbering import financial_year, financial_year_bounds
from ..domain.words import amount_in_words
from ..store import new_id
from .context import ShopScope
from .convert import paise_of, quantity_of, rate_of, rupees, stored_quantity, stored_rate
from .device import DeviceSettings
from .formatting import quantity as quantity_text
from .payments import InvoiceRef, apply_payments, invoice_document
from .series import CREDIT_NOTE_SERIES, issued_fields, next_slot, seal_and_insert
from .stock import record_movement

#: a credit note named by its view, id or number (``CN-A/2526/00001``)
CreditNoteRef = CreditNote | ObjectId | str

#: invoice amounts a credit note carries back in proportion, per line
_LINE_AMOUNTS = ("taxableValue", "cgst", "sgst", "igst")


@dataclass(frozen=True)
class ReturnableLine:
    """One line of an invoice: what was sold, what came back already, what may still."""

    index: int
    item_code: str
    name: str
    unit: str
    sold: Decimal
    returned: Decimal

    @property
    def left(self) -> Decimal:
        return self.sold - self.returned


@dataclass(frozen=True)
class ReturnPreview:
    """What a return would make, before it is saved (paise)."""

    lines: tuple[CreditNoteLine, ...]
    taxable: int
    tax: int
    total: int
    refund: int
    adjusted: int
    #: (invoice number, paise) the credit is set against, in order
    adjustments: list[tuple[str, int]]


def _share(amount: int, part: Decimal, whole: Decimal) -> int:
    return round_half_up(Decimal(amount) * part / whole) if whole else 0


def credit_note_deadline(invoice_day: date) -> date:
    """The last day a credit note may be issued for an invoice of ``invoice_day``: 30 November
    after the end of the invoice's financial year (Sec. 34(2) CGST Act)."""
    _, last = financial_year_bounds(financial_year(invoice_day))
    return date(last.year, 11, 30)


class ReturnService:
    def __init__(self, scope: ShopScope):
        self.scope = scope

    # ---------------------------------------------------------------- reading
    def invoice(self, ref: InvoiceRef) -> Invoice:
        """The invoice to take goods back on, by id, view or number."""
        return invoice_from_stored(self._invoice(ref))

    def _invoice(self, ref: InvoiceRef) -> dict[str, Any]:
        return invoice_document(self.scope, ref)

    def get(self, ref: CreditNoteRef) -> CreditNote:
        """A credit note of this shop by id, view or number."""
        return credit_note_from_stored(self.document(ref))

    def document(self, ref: CreditNoteRef) -> dict[str, Any]:
        """The stored credit note, for printing it as filed."""
        return self.scope.lookup(
            "creditnotes",
            ref.id if isinstance(ref, CreditNote) else ref,
            number_field="creditNoteNumber",
            id_field="creditNoteId",
            what="credit note",
        )

    def for_invoice(self, invoice: InvoiceRef) -> list[CreditNote]:
        """The credit notes made on an invoice, oldest first."""
        return [credit_note_from_stored(n) for n in self._notes_for(self._invoice(invoice))]

    def _notes_for(self, doc: dict[str, Any]) -> list[dict[str, Any]]:
        notes = [
            n
            for n in self.scope.db.creditnotes.find({"invoiceId": doc["_id"]})
            if n.get("clientId") == self.scope.client_id
        ]
        return sorted(notes, key=lambda n: (n.get("generatedAt"), n.get("creditNoteNumber")))

    def returnable(self, invoice: InvoiceRef) -> list[ReturnableLine]:
        """Every line of the invoice with what is left to return."""
        doc = self._invoice(invoice)
        returned = self._returned(self._notes_for(doc))
        return [
            ReturnableLine(
                index,
                str(p.get("itemCode") or ""),
                str(p.get("itemName") or ""),
                str(p.get("unit") or "nos"),
                quantity_of(p.get("quantity")),
                returned.get(index, Decimal(0)),
            )
            for index, p in enumerate(doc.get("products") or [])
        ]

    def verify(self) -> list[str]:
        """Tamper check of every credit-note series of this shop. Empty list: all intact."""
        by_series: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for doc in self.scope.db.creditnotes.find({"clientId": self.scope.client_id}):
            by_series[str(doc.get("series"))].append(doc)
        problems: list[str] = []
        for series in sorted(by_series):
            docs = sorted(
                by_series[series], key=lambda d: (d.get("financialYear", ""), d.get("sequence", 0))
            )
            problems.extend(verify_chain(docs, kind=CREDIT_NOTES))
        return problems

    @staticmethod
    def _returned(notes: list[dict[str, Any]]) -> dict[int, Decimal]:
        returned: dict[int, Decimal] = defaultdict(Decimal)
        for note in notes:
            for line in note.get("products") or []:
                returned[int(line["invoiceLine"])] += quantity_of(line.get("quantity"))
        return returned

    # ---------------------------------------------------------------- returning
    def lines_by_code(
        self, invoice: InvoiceRef, quantities: Mapping[str, Any]
    ) -> dict[int, Decimal]:
        """``{"BP-01": 2}`` -> ``{line index: 2}``; an item on several lines fills the first
        lines with room first."""
        lines = self.returnable(invoice)
        wanted: dict[int, Decimal] = {}
        for code, raw in quantities.items():
            matches = [
                line for line in lines if line.item_code.casefold() == str(code).strip().casefold()
            ]
            if not matches:
                number = self._invoice(invoice)["invoiceNumber"]
                raise ValidationError("itemCode", f"{code!r} is not on invoice {number}")
            qty = v.quantity(raw, matches[0].unit, "quantity")
            for line in matches:
                take = min(qty, line.left) if line is not matches[-1] else qty
                if take > 0:
                    wanted[line.index] = wanted.get(line.index, Decimal(0)) + take
                    qty -= take
        return wanted

    def preview(
        self, invoice: InvoiceRef, lines: Mapping[int, Any], *, refund: Any = None
    ) -> ReturnPreview:
        """The credit note ``create`` would make now, and how it would be settled; nothing
        is saved. Raises the same ValidationErrors."""
        doc = self._invoice(invoice)
        self._check_returnable(doc)
        if not lines:
            raise ValidationError("quantity", "choose at least one item and quantity to return")
        products = self._credit_lines(doc, lines)
        taxable = sum(paise_of(line["taxableValue"]) for line in products)
        total = sum(paise_of(line["lineTotal"]) for line in products)
        paid_out, shares = self._settle(total, self._open_dues(self.scope.db, doc), refund)
        return ReturnPreview(
            tuple(credit_note_line_from_stored(line) for line in products),
            taxable,
            total - taxable,
            total,
            paid_out,
            sum(amount for _, amount in shares),
            [(str(d["invoiceNumber"]), amount) for d, amount in shares],
        )

    def _open_dues(self, db: Any, invoice: dict[str, Any]) -> list[tuple[dict[str, Any], int]]:
        """(invoice, balance) the credit may be set against: this invoice, then the
        customer's other unpaid, uncancelled bills, oldest first."""
        dues = [(invoice, self._balance(invoice))]
        customer = invoice.get("clientCustomerId")
        if customer is not None:
            others = [
                d
                for d in db.invoices.find({"clientCustomerId": customer})
                if d.get("clientId") == self.scope.client_id
                and d["_id"] != invoice["_id"]
                and not d.get("isFinalized")
                and not d.get("isCancelled")
            ]
            others.sort(key=lambda d: (d.get("generatedAt"), str(d.get("invoiceNumber"))))
            dues += [(d, self._balance(d)) for d in others]
        return [(d, due) for d, due in dues if due > 0]

    def _settle(
        self, total: int, dues: list[tuple[dict[str, Any], int]], refund: Any
    ) -> tuple[int, list[tuple[dict[str, Any], int]]]:
        """(paid out, [(invoice, paise set against its dues)]) of a credit worth ``total``."""
        paid_out, adjusted = self._refund_split(total, sum(due for _, due in dues), refund)
        shares = []
        for doc, due in dues:
            take = min(due, adjusted)
            if take:
                shares.append((doc, take))
                adjusted -= take
        return paid_out, shares

    @staticmethod
    def _balance(invoice: dict[str, Any]) -> int:
        return max(0, paise_of(invoice.get("totalAmount")) - paise_of(invoice.get("paidAmount")))

    def create(
        self,
        invoice: InvoiceRef,
        lines: Mapping[int, Any],
        *,
        refund: Any = None,
        method: Any = "cash",
        reason: Any = "",
    ) -> CreditNote:
        """Take back ``lines`` ({invoice line index: quantity}) of an invoice.

        ``refund`` is what is paid out to the customer; by default whatever the customer's
        dues do not absorb. Returns the saved credit note.
        """
        doc = self._invoice(invoice)
        self._check_returnable(doc)
        if not lines:
            raise ValidationError("quantity", "choose at least one item and quantity to return")
        reason_text = v.optional_text(reason, "reason", max_length=200)
        method_name = v.payment_method(method, "refundMethod")
        today = self.scope.today()
        series = DeviceSettings(self.scope.store).get("invoicePrefix")
        fy = financial_year(today)
        now = self.scope.now()
        with self.scope.store.unit_of_work() as db:
            # read inside the unit of work: what was returned is counted as of this commit
            fresh = db.invoices.find_one({"_id": doc["_id"]}) or doc
            self._check_returnable(fresh)
            products = self._credit_lines(fresh, lines)
            total = sum(paise_of(line["lineTotal"]) for line in products)
            refund_paise, shares = self._settle(total, self._open_dues(db, fresh), refund)
            slot = next_slot(db, self.scope.client_id, CREDIT_NOTE_SERIES, series, fy)
            note = self._note_doc(
                fresh, products, slot.number, series, fy, slot.sequence, today, now, reason_text
            )
            note["refundAmount"] = rupees(refund_paise)
            note["refundMethod"] = method_name if refund_paise else ""
            note["adjustedAmount"] = rupees(sum(amount for _, amount in shares))
            note["adjustments"] = [
                {
                    "invoiceId": d["_id"],
                    "invoiceNumber": d["invoiceNumber"],
                    "amount": rupees(amount),
                }
                for d, amount in shares
            ]
            seal_and_insert(db, CREDIT_NOTE_SERIES, slot, note)
            for line in products:
                self._restock(db, line, note["_id"], "return", "creditnotes")
            for target, amount in shares:
                db.payments.insert_one(
                    {
                        "_id": new_id(),
                        "clientId": self.scope.client_id,
                        "invoiceId": target["_id"],
                        "amount": rupees(amount),
                        "method": "other",
                        "note": f"Set against credit note {slot.number}",
                        "paidAt": now,
                        "updatedAt": now,
                        "deviceId": self.scope.ctx.device_id,
                        "creditNoteId": note["_id"],
                    }
                )
                apply_payments(db, target, now)
        return credit_note_from_stored(note)

    def _check_returnable(self, invoice: dict[str, Any]) -> None:
        number = invoice.get("invoiceNumber")
        if invoice.get("isCancelled"):
            raise ValidationError(
                "invoiceNumber", f"invoice {number} is cancelled: nothing can be returned on it"
            )
        day = v.parse_date(invoice.get("invoiceDate"), "invoiceDate")
        deadline = credit_note_deadline(day)
        if self.scope.today() > deadline:
            raise ValidationError(
                "invoiceDate",
                f"invoice {number} is of {day:%d %b %Y}: a credit note for it "
                f"could be issued only until {deadline:%d %b %Y} (Sec. 34 CGST Act)",
            )

    def _credit_lines(
        self, invoice: dict[str, Any], lines: Mapping[int, Any]
    ) -> list[dict[str, Any]]:
        products = invoice.get("products") or []
        returned = self._returned(
            [
                n
                for n in self.scope.db.creditnotes.find({"invoiceId": invoice["_id"]})
                if n.get("clientId") == self.scope.client_id
            ]
        )
        result = []
        for index in sorted(lines):
            if (
                isinstance(index, bool)
                or not isinstance(index, int)
                or not (0 <= index < len(products))
            ):
                raise ValidationError(
                    "invoiceLine", f"invoice {invoice['invoiceNumber']} has no line {index}"
                )
            product = products[index]
            qty = v.quantity(lines[index], product.get("unit") or "nos", "quantity")
            sold = quantity_of(product.get("quantity"))
            before = returned.get(index, Decimal(0))
            if before + qty > sold:
                left, sold_text, before_text, asked = map(
                    quantity_text, (sold - before, sold, before, qty)
                )
                raise ValidationError(
                    "quantity",
                    f"{product.get('itemName')}: only {left} left to return "
                    f"({sold_text} sold, {before_text} returned already), not {asked}",
                )
            amounts = {
                key: _share(paise_of(product.get(key)), before + qty, sold)
                - _share(paise_of(product.get(key)), before, sold)
                for key in _LINE_AMOUNTS
            }
            result.append(
                {
                    "invoiceLine": index,
                    "productId": product.get("productId"),
                    "itemName": product.get("itemName", ""),
                    "itemCode": product.get("itemCode", ""),
                    "hsnCode": product.get("hsnCode", ""),
                    "gstRate": stored_rate(rate_of(product.get("gstRate"))),
                    "unit": product.get("unit") or "nos",
                    "quantity": stored_quantity(qty),
                    "costPerUnit": product.get("costPerUnit", 0),
                    **{key: rupees(value) for key, value in amounts.items()},
                    "lineTotal": rupees(sum(amounts.values())),
                }
            )
        return result

    @staticmethod
    def _refund_split(total: int, balance: int, refund: Any) -> tuple[int, int]:
        """(paid out, set against dues) of a credit note worth ``total``; ``balance`` is
        what the dues can take."""
        if refund is None or refund == "":
            adjusted = min(total, balance)
            return total - adjusted, adjusted
        paid_out = v.amount(refund, "refundAmount")
        if paid_out > total:
            raise ValidationError(
                "refundAmount",
                f"{format_inr(paid_out)} is more than the credit note's value {format_inr(total)}",
            )
        adjusted = total - paid_out
        if adjusted > balance:
            raise ValidationError(
                "refundAmount",
                f"refund at least {format_inr(total - balance)}: only "
                f"{format_inr(balance)} is due from the customer to set the rest against",
            )
        return paid_out, adjusted

    def _note_doc(
        self,
        invoice: dict[str, Any],
        products: list[dict[str, Any]],
        number: str,
        series: str,
        fy: str,
        seq: int,
        today: date,
        now: Any,
        reason: str,
    ) -> dict[str, Any]:
        summary: dict[tuple[str, Any], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        for line in products:
            row = summary[(line["hsnCode"], rate_of(line["gstRate"]))]
            for position, key in enumerate(_LINE_AMOUNTS):
                row[position] += paise_of(line[key])
        totals = [sum(paise_of(line[key]) for line in products) for key in _LINE_AMOUNTS]
        taxable, cgst, sgst, igst = totals
        amount = taxable + cgst + sgst + igst
        copied = (
            "clientCustomerId",
            "clientCustomerName",
            "clientCustomerPhone",
            "customerGstin",
            "customerAddress",
            "customerState",
            "supplyType",
            "shopStateCode",
            "placeOfSupply",
            "placeOfSupplyName",
            "pricesIncludeTax",
        )
        return {
            "_id": new_id(),
            "clientId": self.scope.client_id,
            "creditNoteNumber": number,
            "creditNoteDate": today.isoformat(),
            "noteType": "C",
            "invoiceId": invoice["_id"],
            "invoiceNumber": invoice["invoiceNumber"],
            "invoiceDate": invoice["invoiceDate"],
            **{key: invoice.get(key, "") for key in copied},
            "reason": reason,
            "products": products,
            "totalTaxable": rupees(taxable),
            "totalCgst": rupees(cgst),
            "totalSgst": rupees(sgst),
            "totalIgst": rupees(igst),
            "totalTax": rupees(cgst + sgst + igst),
            "totalAmount": rupees(amount),
            "taxSummary": [
                {
                    "hsnCode": hsn,
                    "gstRate": stored_rate(rate),
                    "taxableValue": rupees(row[0]),
                    "cgst": rupees(row[1]),
                    "sgst": rupees(row[2]),
                    "igst": rupees(row[3]),
                }
                for (hsn, rate), row in sorted(summary.items())
            ],
            "amountInWords": amount_in_words(amount),
            **issued_fields(series, fy, seq, now, self.scope.ctx.device_id),
        }

    def _restock(
        self, db: Any, line: dict[str, Any], ref_id: Any, reason: str, ref_collection: str
    ) -> None:
        """Goods back on the shelf; an item since removed from the catalogue has no stock."""
        item = (
            db.items.find_one({"_id": line.get("productId")})
            if line.get("productId") is not None
            else None
        )
        if item is None:
            return
        record_movement(
            self.scope,
            item,
            quantity_of(line.get("quantity")),
            reason,
            ref_collection=ref_collection,
            ref_id=ref_id,
            allow_negative=True,
        )

    # ---------------------------------------------------------------- cancelling
    def cancel(
        self,
        invoice: InvoiceRef,
        *,
        reason: Any,
        refund: bool = False,
        refund_method: Any = "cash",
    ) -> Invoice:
        """Cancel a bill of today with no return on it; its number stays, marked cancelled.

        A bill that was (partly) paid is cancelled only with ``refund``: everything paid on
        it is given back, by ``refund_method``. Returns the cancelled invoice.
        """
        doc = self._invoice(invoice)
        number = doc["invoiceNumber"]
        reason_text = v.optional_text(reason, "cancelReason", max_length=200).strip()
        if not reason_text:
            raise ValidationError("cancelReason", "say why the invoice is cancelled")
        method_name = v.payment_method(refund_method, "refundMethod")
        with self.scope.store.unit_of_work() as db:
            fresh = db.invoices.find_one({"_id": doc["_id"]}) or doc
            if fresh.get("isCancelled"):
                raise ValidationError("invoiceNumber", f"invoice {number} is already cancelled")
            if fresh.get("invoiceDate") != self.scope.today().isoformat():
                raise ValidationError(
                    "invoiceDate",
                    f"invoice {number} is of {fresh.get('invoiceDate')}: only a "
                    "bill of today can be cancelled; take the goods back as a return instead",
                )
            if db.creditnotes.find_one({"invoiceId": fresh["_id"]}) is not None:
                raise ValidationError(
                    "invoiceNumber",
                    f"invoice {number} has a return "
                    "(credit note) against it and cannot be cancelled",
                )
            paid = paise_of(fresh.get("paidAmount"))
            if paid and not refund:
                raise ValidationError(
                    "refund",
                    f"{format_inr(paid)} was paid on invoice {number}: cancel it "
                    "only together with the refund of all of it",
                )
            now = self.scope.now()
            mark = {
                "isCancelled": True,
                "cancelledAt": now,
                "cancelReason": reason_text,
                "cancelRefund": rupees(paid),
                "cancelRefundMethod": method_name if paid else "",
            }
            db.invoices.update_one({"_id": fresh["_id"]}, {"$set": mark})
            cancelled = {**fresh, **mark}
            for product in cancelled.get("products") or []:
                self._restock(db, product, fresh["_id"], "cancel", "invoices")
            apply_payments(db, cancelled, now)
        return self.invoice(doc["_id"])
