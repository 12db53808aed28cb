"""GST invoices, as the UI and the CLI read them (the printed form reads the document)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from ..money import Paise, round_half_up
from ..stored import paise_of, quantity_of, rate_of, text_of


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    """One product line as billed: the item's snapshot and its computed figures."""

    item_id: Any
    name: str
    group: str
    code: str
    quantity: Decimal
    unit: str
    unit_price: Paise
    hsn_code: str
    gst_rate: int | Decimal
    gross: Paise
    discount: Paise
    taxable: Paise
    cgst: Paise
    sgst: Paise
    igst: Paise
    line_total: Paise


@dataclass(frozen=True, slots=True)
class TaxRow:
    """One row of a document's tax summary: the taxable value and tax of an HSN and rate."""

    hsn_code: str
    gst_rate: int | Decimal
    taxable: Paise
    cgst: Paise
    sgst: Paise
    igst: Paise


@dataclass(frozen=True, slots=True)
class Invoice:
    """A saved bill. Only ``paid_amount``/``is_finalized`` (from payments) and the
    cancellation fields ever change after it is made."""

    id: Any
    number: str
    invoice_date: str
    due_date: str
    customer_id: Any
    customer_name: str
    customer_phone: str
    customer_gstin: str
    customer_address: str
    customer_state: str
    subtotal: Paise
    total_discount: Paise
    bill_discount: Paise
    total_taxable: Paise
    total_cgst: Paise
    total_sgst: Paise
    total_igst: Paise
    total_tax: Paise
    total_amount: Paise
    paid_amount: Paise
    is_finalized: bool
    notes: str
    lines: tuple[InvoiceLine, ...]
    tax_summary: tuple[TaxRow, ...]
    generated_at: datetime | None
    series: str
    financial_year: str
    sequence: int
    supply_type: str
    place_of_supply: str
    place_of_supply_name: str
    is_cancelled: bool
    cancelled_at: datetime | None
    cancel_reason: str
    cancel_refund: Paise
    cancel_refund_method: str

    @property
    def balance(self) -> Paise:
        """What is still due on it (nothing on a cancelled bill)."""
        return 0 if self.is_cancelled else self.total_amount - self.paid_amount


def tax_summary_from_stored(rows: Any) -> tuple[TaxRow, ...]:
    """A stored ``taxSummary`` (empty on a document of the spec's backend)."""
    return tuple(
        TaxRow(
            hsn_code=text_of(row.get("hsnCode")),
            gst_rate=rate_of(row.get("gstRate")),
            taxable=paise_of(row.get("taxableValue")),
            cgst=paise_of(row.get("cgst")),
            sgst=paise_of(row.get("sgst")),
            igst=paise_of(row.get("igst")),
        )
        for row in rows or ()
        if isinstance(row, Mapping)
    )


def invoice_line_from_stored(line: Mapping[str, Any]) -> InvoiceLine:
    """A product line; a line of the spec's backend has only name, group, quantity and
    price, so the GST figures it lacks are zero (its price is then the line's value)."""
    quantity = quantity_of(line.get("quantity"))
    unit_price = paise_of(line.get("costPerUnit"))
    gross = paise_of(line["grossAmount"]) if "grossAmount" in line else None
    total = paise_of(line["lineTotal"]) if "lineTotal" in line else None
    if gross is None or total is None:
        value = round_half_up(quantity * unit_price)
        gross = value if gross is None else gross
        total = value if total is None else total
    return InvoiceLine(
        item_id=line.get("productId"),
        name=text_of(line.get("itemName")),
        group=text_of(line.get("itemGroup")),
        code=text_of(line.get("itemCode")),
        quantity=quantity,
        unit=text_of(line.get("unit")) or "nos",
        unit_price=unit_price,
        hsn_code=text_of(line.get("hsnCode")),
        gst_rate=rate_of(line.get("gstRate")),
        gross=gross,
        discount=paise_of(line.get("discount")),
        taxable=paise_of(line["taxableValue"]) if "taxableValue" in line else gross,
        cgst=paise_of(line.get("cgst")),
        sgst=paise_of(line.get("sgst")),
        igst=paise_of(line.get("igst")),
        line_total=total,
    )


def invoice_from_stored(doc: Mapping[str, Any]) -> Invoice:
    total = paise_of(doc.get("totalAmount"))
    return Invoice(
        id=doc.get("_id"),
        number=text_of(doc.get("invoiceNumber")),
        invoice_date=text_of(doc.get("invoiceDate")),
        due_date=text_of(doc.get("dueDate")),
        customer_id=doc.get("clientCustomerId"),
        customer_name=text_of(doc.get("clientCustomerName")),
        customer_phone=text_of(doc.get("clientCustomerPhone")),
        customer_gstin=text_of(doc.get("customerGstin")),
        customer_address=text_of(doc.get("customerAddress")),
        customer_state=text_of(doc.get("customerState")),
        subtotal=paise_of(doc.get("subtotal")),
        total_discount=paise_of(doc.get("totalDiscount")),
        bill_discount=paise_of(doc.get("billDiscount")),
        total_taxable=(
            paise_of(doc["totalTaxable"])
            if "totalTaxable" in doc
            else total - paise_of(doc.get("totalTax"))
        ),
        total_cgst=paise_of(doc.get("totalCgst")),
        total_sgst=paise_of(doc.get("totalSgst")),
        total_igst=paise_of(doc.get("totalIgst")),
        total_tax=paise_of(doc.get("totalTax")),
        total_amount=total,
        paid_amount=paise_of(doc.get("paidAmount")),
        is_finalized=bool(doc.get("isFinalized")),
        notes=text_of(doc.get("notes")),
        lines=tuple(
            invoice_line_from_stored(line)
            for line in doc.get("products") or ()
            if isinstance(line, Mapping)
        ),
        tax_summary=tax_summary_from_stored(doc.get("taxSummary")),
        generated_at=doc.get("generatedAt") or doc.get("createdAt"),
        series=text_of(doc.get("series")),
        financial_year=text_of(doc.get("financialYear")),
        sequence=int(doc.get("sequence") or 0),
        supply_type=text_of(doc.get("supplyType")) or "intra",
        place_of_supply=text_of(doc.get("placeOfSupply")),
        place_of_supply_name=text_of(doc.get("placeOfSupplyName")),
        is_cancelled=bool(doc.get("isCancelled")),
        cancelled_at=doc.get("cancelledAt"),
        cancel_reason=text_of(doc.get("cancelReason")),
        cancel_refund=paise_of(doc.get("cancelRefund")),
        cancel_refund_method=text_of(doc.get("cancelRefundMethod")),
    )
