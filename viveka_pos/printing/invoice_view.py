"""A stored invoice (rupee numbers) turned into what an invoice document prints (paise).

Both the A4 invoice and the thermal receipt print from this one view, so they always agree.
Nothing is recomputed except what the document does not store: the paid amount (from the
payments when they are given), the balance and the payment status. A credit note prints from
the same view (:meth:`InvoiceView.from_credit_note`), naming the invoice it reverses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import tzinfo
from decimal import Decimal
from typing import Any

from viveka_pos.domain.money import Paise, round_half_up, to_paise
from viveka_pos.domain.tax import SplitTax
from viveka_pos.printing.dates import format_document_date
from viveka_pos.printing.shop import state_label
from viveka_pos.printing.text import format_number

PAID = "Paid"
PARTLY_PAID = "Partly paid"
UNPAID = "Unpaid"

_METHODS = {"cash": "Cash", "card": "Card", "upi": "UPI", "bank": "Bank", "other": "Other"}

INVOICE = "invoice"
CREDIT_NOTE = "credit_note"

#: GST Rule 48: the copies of an invoice for goods, and what each copy says on top
COPIES = {
    "original": "Original for Recipient",
    "duplicate": "Duplicate for Transporter",
    "triplicate": "Triplicate for Supplier",
}


def copy_label(copy: str | None) -> str:
    """The Rule 48 marking of a copy ("original" -> "Original for Recipient"); "" for none."""
    if not copy:
        return ""
    try:
        return COPIES[copy]
    except KeyError:
        raise ValueError(f"copy must be one of {', '.join(COPIES)}, not {copy!r}") from None


def paise(value: object) -> Paise:
    """A stored rupee amount in paise; a missing amount is 0 (the spec's default).

    Printing never refuses a stored bill over float noise: the store boundary is where
    amounts are checked for exactness, so here they are rounded half-up to the paisa.
    """
    if value is None or value == "":
        return 0
    return to_paise(value, exact=False)


def payment_status(total: Paise, paid: Paise) -> str:
    if paid >= total:
        return PAID
    return PARTLY_PAID if paid > 0 else UNPAID


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    number: int
    name: str
    hsn: str
    quantity: str
    unit: str
    rate: Paise
    gross: Paise
    discount: Paise
    taxable: Paise
    gst_rate: str
    cgst: Paise
    sgst: Paise
    igst: Paise
    total: Paise

    @property
    def quantity_with_unit(self) -> str:
        return f"{self.quantity} {self.unit}".strip()


@dataclass(frozen=True, slots=True)
class TaxRow(SplitTax):
    """One line of the HSN/rate summary."""

    hsn: str
    gst_rate: str
    taxable: Paise
    cgst: Paise
    sgst: Paise
    igst: Paise


@dataclass(frozen=True, slots=True)
class PaymentLine:
    date: str
    method: str
    amount: Paise
    note: str


@dataclass(frozen=True, slots=True)
class InvoiceView:
    number: str
    date: str
    due_date: str
    customer_name: str
    customer_phone: str
    customer_address: str
    customer_gstin: str
    customer_state: str
    place_of_supply: str
    inter_state: bool
    lines: tuple[InvoiceLine, ...]
    tax_rows: tuple[TaxRow, ...]
    subtotal: Paise
    discount: Paise
    cgst: Paise
    sgst: Paise
    igst: Paise
    total_tax: Paise
    total: Paise
    paid: Paise
    payments: tuple[PaymentLine, ...]
    amount_in_words: str
    notes: str
    kind: str = INVOICE
    copy_label: str = ""
    #: an invoice cancelled later: why (printed across it)
    cancelled: str = ""
    #: a credit note: the invoice it is issued against, why, and how it was settled
    reference_number: str = ""
    reference_date: str = ""
    reason: str = ""
    refund: Paise = 0
    refund_method: str = ""
    adjusted: Paise = 0
    #: (invoice number, paise) the credit was set against
    adjustments: tuple[tuple[str, Paise], ...] = ()

    @property
    def is_credit_note(self) -> bool:
        return self.kind == CREDIT_NOTE

    @property
    def title(self) -> str:
        return "Credit Note" if self.is_credit_note else "Tax Invoice"

    @property
    def number_label(self) -> str:
        return "Credit note No." if self.is_credit_note else "Invoice No."

    @property
    def taxable(self) -> Paise:
        return self.subtotal - self.discount

    @property
    def balance(self) -> Paise:
        return max(self.total - self.paid, 0)

    @property
    def status(self) -> str:
        return payment_status(self.total, self.paid)

    @classmethod
    def from_documents(
        cls,
        invoice: dict[str, Any],
        payments: Iterable[dict[str, Any]] | None = None,
        zone: tzinfo | None = None,
    ) -> InvoiceView:
        """Read an invoice document; ``payments`` (when given) decide the paid amount.

        The invoice's own ``paidAmount`` is used without them; with them, their sum is, since
        the payments are the record ``paidAmount`` is derived from.
        """
        lines = tuple(_line(i, p) for i, p in enumerate(invoice.get("products") or [], 1))
        payment_lines = tuple(_payment(p, zone) for p in payments or ())
        paid = (
            sum(p.amount for p in payment_lines)
            if payments is not None
            else paise(invoice.get("paidAmount"))
        )
        cgst = _stored_or_sum(invoice, "totalCgst", (line.cgst for line in lines))
        sgst = _stored_or_sum(invoice, "totalSgst", (line.sgst for line in lines))
        igst = _stored_or_sum(invoice, "totalIgst", (line.igst for line in lines))
        supply = str(invoice.get("supplyType") or "").lower()
        inter = supply == "inter" if supply else igst > 0
        summary = invoice.get("taxSummary")
        tax_rows = tuple(_tax_row(row) for row in summary) if summary else _summarise(lines)
        return cls(
            number=str(invoice.get("invoiceNumber") or ""),
            date=format_document_date(invoice.get("invoiceDate"), zone),
            due_date=format_document_date(invoice.get("dueDate"), zone),
            customer_name=str(invoice.get("clientCustomerName") or "").strip(),
            customer_phone=str(invoice.get("clientCustomerPhone") or "").strip(),
            customer_address=str(invoice.get("customerAddress") or "").strip(),
            customer_gstin=str(invoice.get("customerGstin") or "").strip().upper(),
            customer_state=str(invoice.get("customerState") or "").strip(),
            place_of_supply=state_label(invoice.get("placeOfSupply")),
            inter_state=inter,
            lines=lines,
            tax_rows=tax_rows,
            subtotal=paise(invoice.get("subtotal")),
            discount=paise(invoice.get("totalDiscount")),
            cgst=cgst,
            sgst=sgst,
            igst=igst,
            total_tax=paise(invoice.get("totalTax")),
            total=paise(invoice.get("totalAmount")),
            paid=paid,
            payments=payment_lines,
            amount_in_words=str(invoice.get("amountInWords") or "").strip(),
            notes=str(invoice.get("notes") or "").strip(),
            cancelled=(
                str(invoice.get("cancelReason") or "cancelled").strip()
                if invoice.get("isCancelled")
                else ""
            ),
        )

    @classmethod
    def from_credit_note(cls, note: dict[str, Any], zone: tzinfo | None = None) -> InvoiceView:
        """Read a credit note document: its lines carry taxable values and the tax reversed."""
        as_invoice = {
            **note,
            "invoiceNumber": note.get("creditNoteNumber"),
            "invoiceDate": note.get("creditNoteDate"),
            "dueDate": None,
            "subtotal": note.get("totalTaxable"),
            "totalDiscount": 0,
            "notes": "",
            "isCancelled": False,
            "products": [
                {**line, "discount": 0, "grossAmount": line.get("taxableValue")}
                for line in note.get("products") or []
            ],
        }
        view = cls.from_documents(as_invoice, None, zone)
        method = str(note.get("refundMethod") or "").lower()
        return replace(
            view,
            kind=CREDIT_NOTE,
            paid=view.total,
            reference_number=str(note.get("invoiceNumber") or ""),
            reference_date=format_document_date(note.get("invoiceDate"), zone),
            reason=str(note.get("reason") or "").strip(),
            refund=paise(note.get("refundAmount")),
            refund_method=_METHODS.get(method, method.title()),
            adjusted=paise(note.get("adjustedAmount")),
            adjustments=tuple(
                (str(a.get("invoiceNumber") or ""), paise(a.get("amount")))
                for a in note.get("adjustments") or ()
            ),
        )


def _stored_or_sum(invoice: dict[str, Any], field: str, parts: Iterable[Paise]) -> Paise:
    value = invoice.get(field)
    return paise(value) if value is not None else sum(parts)


def _line(number: int, product: dict[str, Any]) -> InvoiceLine:
    """One product line. Lines stored before GST detail existed (the spec's bare
    ``quantity`` × ``costPerUnit``) get their figures from those two, by the same identities."""
    rate = paise(product.get("costPerUnit"))
    discount = paise(product.get("discount"))
    gross_stored, taxable_stored = product.get("grossAmount"), product.get("taxableValue")
    if gross_stored is not None:
        gross = paise(gross_stored)
    elif taxable_stored is not None:
        gross = paise(taxable_stored) + discount
    else:
        gross = round_half_up(_decimal(product.get("quantity")) * rate)
    taxable = paise(taxable_stored) if taxable_stored is not None else gross - discount
    cgst, sgst, igst = (paise(product.get(field)) for field in ("cgst", "sgst", "igst"))
    total = product.get("lineTotal")
    return InvoiceLine(
        number=number,
        name=str(product.get("itemName") or "").strip(),
        hsn=str(product.get("hsnCode") or "").strip(),
        quantity=format_number(product.get("quantity")),
        unit=str(product.get("unit") or "").strip(),
        rate=rate,
        gross=gross,
        discount=discount,
        taxable=taxable,
        gst_rate=format_number(product.get("gstRate") or 0),
        cgst=cgst,
        sgst=sgst,
        igst=igst,
        total=paise(total) if total is not None else taxable + cgst + sgst + igst,
    )


def _decimal(value: object) -> Decimal:
    try:
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value or 0))
    except ArithmeticError:
        return Decimal(0)


def _tax_row(row: dict[str, Any]) -> TaxRow:
    return TaxRow(
        hsn=str(row.get("hsnCode") or "").strip(),
        gst_rate=format_number(row.get("gstRate") or 0),
        taxable=paise(row.get("taxableValue")),
        cgst=paise(row.get("cgst")),
        sgst=paise(row.get("sgst")),
        igst=paise(row.get("igst")),
    )


def _summarise(lines: Iterable[InvoiceLine]) -> tuple[TaxRow, ...]:
    """The HSN/rate summary of an invoice stored without one, in first-seen order."""
    rows: dict[tuple[str, str], TaxRow] = {}
    for line in lines:
        key = (line.hsn, line.gst_rate)
        row = rows.get(key) or TaxRow(line.hsn, line.gst_rate, 0, 0, 0, 0)
        rows[key] = TaxRow(
            row.hsn,
            row.gst_rate,
            row.taxable + line.taxable,
            row.cgst + line.cgst,
            row.sgst + line.sgst,
            row.igst + line.igst,
        )
    return tuple(rows.values())


def _payment(payment: dict[str, Any], zone: tzinfo | None) -> PaymentLine:
    method = str(payment.get("method") or "cash").lower()
    return PaymentLine(
        date=format_document_date(payment.get("paidAt"), zone),
        method=_METHODS.get(method, method.title()),
        amount=paise(payment.get("amount")),
        note=str(payment.get("note") or "").strip(),
    )


def half_rate(rate: str) -> str:
    """The CGST or SGST rate of an intra-state GST rate: '18' -> '9', '5' -> '2.5'."""
    try:
        return format_number(Decimal(rate) / 2)
    except ArithmeticError:
        return ""
