"""Credit notes (sales returns), as the UI and the CLI read them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from ..money import Paise
from ..stored import paise_of, quantity_of, rate_of, text_of
from .invoice import TaxRow, tax_summary_from_stored


@dataclass(frozen=True, slots=True)
class CreditNoteLine:
    """What came back of one invoice line (``invoice_line``: its index on the invoice)."""

    invoice_line: int
    item_id: Any
    name: str
    code: str
    hsn_code: str
    gst_rate: int | Decimal
    unit: str
    quantity: Decimal
    unit_price: Paise
    taxable: Paise
    cgst: Paise
    sgst: Paise
    igst: Paise
    line_total: Paise


@dataclass(frozen=True, slots=True)
class CreditAdjustment:
    """Part of a credit note's value set against an invoice's dues."""

    invoice_id: Any
    invoice_number: str
    amount: Paise


@dataclass(frozen=True, slots=True)
class CreditNote:
    id: Any
    number: str
    note_date: str
    invoice_id: Any
    invoice_number: str
    invoice_date: str
    customer_id: Any
    customer_name: str
    customer_phone: str
    reason: str
    lines: tuple[CreditNoteLine, ...]
    total_taxable: Paise
    total_cgst: Paise
    total_sgst: Paise
    total_igst: Paise
    total_tax: Paise
    total_amount: Paise
    refund_amount: Paise
    refund_method: str
    adjusted_amount: Paise
    adjustments: tuple[CreditAdjustment, ...]
    tax_summary: tuple[TaxRow, ...]
    generated_at: datetime | None


def credit_note_line_from_stored(line: Mapping[str, Any]) -> CreditNoteLine:
    return CreditNoteLine(
        invoice_line=int(line.get("invoiceLine") or 0),
        item_id=line.get("productId"),
        name=text_of(line.get("itemName")),
        code=text_of(line.get("itemCode")),
        hsn_code=text_of(line.get("hsnCode")),
        gst_rate=rate_of(line.get("gstRate")),
        unit=text_of(line.get("unit")) or "nos",
        quantity=quantity_of(line.get("quantity")),
        unit_price=paise_of(line.get("costPerUnit")),
        taxable=paise_of(line.get("taxableValue")),
        cgst=paise_of(line.get("cgst")),
        sgst=paise_of(line.get("sgst")),
        igst=paise_of(line.get("igst")),
        line_total=paise_of(line.get("lineTotal")),
    )


def credit_note_from_stored(doc: Mapping[str, Any]) -> CreditNote:
    return CreditNote(
        id=doc.get("_id"),
        number=text_of(doc.get("creditNoteNumber")),
        note_date=text_of(doc.get("creditNoteDate")),
        invoice_id=doc.get("invoiceId"),
        invoice_number=text_of(doc.get("invoiceNumber")),
        invoice_date=text_of(doc.get("invoiceDate")),
        customer_id=doc.get("clientCustomerId") or None,
        customer_name=text_of(doc.get("clientCustomerName")),
        customer_phone=text_of(doc.get("clientCustomerPhone")),
        reason=text_of(doc.get("reason")),
        lines=tuple(
            credit_note_line_from_stored(line)
            for line in doc.get("products") or ()
            if isinstance(line, Mapping)
        ),
        total_taxable=paise_of(doc.get("totalTaxable")),
        total_cgst=paise_of(doc.get("totalCgst")),
        total_sgst=paise_of(doc.get("totalSgst")),
        total_igst=paise_of(doc.get("totalIgst")),
        total_tax=paise_of(doc.get("totalTax")),
        total_amount=paise_of(doc.get("totalAmount")),
        refund_amount=paise_of(doc.get("refundAmount")),
        refund_method=text_of(doc.get("refundMethod")),
        adjusted_amount=paise_of(doc.get("adjustedAmount")),
        adjustments=tuple(
            CreditAdjustment(
                invoice_id=share.get("invoiceId"),
                invoice_number=text_of(share.get("invoiceNumber")),
                amount=paise_of(share.get("amount")),
            )
            for share in doc.get("adjustments") or ()
            if isinstance(share, Mapping)
        ),
        tax_summary=tax_summary_from_stored(doc.get("taxSummary")),
        generated_at=doc.get("generatedAt") or doc.get("createdAt"),
    )
