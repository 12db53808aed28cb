"""Typed views of carts, invoices, payments and credit notes built from stored documents:
as this program writes them, as the spec's examples have them, with optional fields
missing, and as the spec's backend (Mongoose) writes them."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import datetime
from decimal import Decimal

import pytest
from bson import ObjectId
from hypothesis import given, settings
from hypothesis import strategies as st

from viveka_pos.domain.entities.cart import (
    cart_customer_from_stored,
    cart_from_stored,
    cart_line_from_stored,
    cart_view_from_stored,
)
from viveka_pos.domain.entities.credit_note import credit_note_from_stored
from viveka_pos.domain.entities.invoice import invoice_from_stored
from viveka_pos.domain.entities.payment import payment_from_stored
from viveka_pos.domain.money import to_paise, to_rupees
from viveka_pos.domain.stored import paise_of
from viveka_pos.domain.tax import LineInput, compute_invoice

CLIENT = ObjectId("507f1f77bcf86cd799439011")
CUSTOMER = ObjectId("607f1f77bcf86cd799439030")
ITEM = ObjectId("507f1f77bcf86cd799439099")
WHEN = datetime(2025, 1, 12, 10, 0)

# ------------------------------------------------------------------ invoices

SPEC_INVOICE = {  # the spec's example document
    "_id": ObjectId("907f1f77bcf86cd799439060"),
    "clientId": CLIENT,
    "clientCustomerId": CUSTOMER,
    "clientCustomerName": "Bob Smith",
    "clientCustomerPhone": "9891112222",
    "invoiceNumber": "INV-1704967200000",
    "invoiceDate": "2025-01-12",
    "dueDate": "2025-02-11",
    "subtotal": 5000,
    "totalTax": 0,
    "totalDiscount": 0,
    "totalAmount": 5000,
    "paidAmount": 2000,
    "isFinalized": False,
    "notes": "Partial payment received in cash",
    "products": [
        {
            "productId": ITEM,
            "itemName": "Carburetor",
            "itemGroup": "Engine Parts",
            "quantity": 2,
            "costPerUnit": 2500,
        }
    ],
    "generatedAt": WHEN,
}


def test_invoice_of_the_spec_example() -> None:
    invoice = invoice_from_stored(SPEC_INVOICE)
    assert invoice.id == SPEC_INVOICE["_id"] and invoice.number == "INV-1704967200000"
    assert (invoice.invoice_date, invoice.due_date) == ("2025-01-12", "2025-02-11")
    assert (invoice.customer_id, invoice.customer_name, invoice.customer_phone) == (
        CUSTOMER,
        "Bob Smith",
        "9891112222",
    )
    assert (invoice.total_amount, invoice.paid_amount, invoice.balance) == (500000, 200000, 300000)
    assert invoice.total_taxable == 500000  # no GST detail: the total less its tax
    assert invoice.is_finalized is False and invoice.notes == "Partial payment received in cash"
    (line,) = invoice.lines
    assert (line.item_id, line.name, line.group, line.quantity) == (
        ITEM,
        "Carburetor",
        "Engine Parts",
        Decimal(2),
    )
    # a spec line has price and quantity only: its value is both the gross and the total
    assert (line.unit_price, line.gross, line.taxable, line.line_total) == (
        250000,
        500000,
        500000,
        500000,
    )
    assert (line.unit, line.gst_rate, line.cgst, line.igst) == ("nos", 0, 0, 0)
    assert invoice.generated_at == WHEN and invoice.supply_type == "intra"


def test_invoice_with_gst_detail_and_a_cancellation() -> None:
    doc = {
        **SPEC_INVOICE,
        "invoiceNumber": "A/2526/00001",
        "subtotal": 1081,
        "totalTaxable": 1081,
        "totalIgst": 302.68,
        "totalTax": 302.68,
        "totalAmount": 1383.68,
        "paidAmount": 1383.68,
        "isFinalized": True,
        "supplyType": "inter",
        "placeOfSupply": "33",
        "customerGstin": "33AAGFL5678D1ZA",
        "products": [
            {
                "productId": ITEM,
                "itemName": "Horn",
                "itemCode": "HN",
                "quantity": 1.5,
                "costPerUnit": 720.67,
                "unit": "kg",
                "hsnCode": "8512",
                "gstRate": 28,
                "grossAmount": 1081.01,
                "discount": 0.01,
                "taxableValue": 1081,
                "cgst": 0,
                "sgst": 0,
                "igst": 302.68,
                "lineTotal": 1383.68,
            }
        ],
        "taxSummary": [{"hsnCode": "8512", "gstRate": 28, "taxableValue": 1081, "igst": 302.68}],
        "isCancelled": True,
        "cancelReason": "billed twice",
        "cancelRefund": 1383.68,
        "cancelRefundMethod": "upi",
    }
    invoice = invoice_from_stored(doc)
    assert (invoice.total_igst, invoice.total_tax, invoice.total_amount) == (30268, 30268, 138368)
    assert invoice.supply_type == "inter" and invoice.customer_gstin == "33AAGFL5678D1ZA"
    line = invoice.lines[0]
    assert line.quantity == Decimal("1.5") and line.unit == "kg" and line.gst_rate == 28
    assert (line.gross, line.discount, line.taxable, line.igst) == (108101, 1, 108100, 30268)
    (row,) = invoice.tax_summary
    assert row.gst_rate == 28 and row.cgst == 0 and row.igst == 30268
    assert invoice.is_cancelled and invoice.cancel_reason == "billed twice"
    assert (invoice.cancel_refund, invoice.cancel_refund_method) == (138368, "upi")
    assert invoice.balance == 0  # nothing is due on a cancelled bill


def test_invoice_with_optional_fields_missing() -> None:
    invoice = invoice_from_stored(
        {"_id": ObjectId(), "invoiceNumber": "A/2526/00009", "totalAmount": 100, "paidAmount": 0}
    )
    assert invoice.customer_id is None and invoice.customer_name == ""
    assert invoice.invoice_date == "" and invoice.notes == "" and invoice.lines == ()
    assert invoice.tax_summary == () and invoice.generated_at is None
    assert (invoice.total_amount, invoice.balance, invoice.is_finalized) == (10000, 10000, False)
    assert invoice.is_cancelled is False and invoice.cancel_reason == ""


def test_invoice_written_by_the_spec_backend() -> None:
    doc = {**SPEC_INVOICE, "__v": 0, "createdAt": WHEN, "updatedAt": WHEN}
    del doc["generatedAt"]
    doc["clientCustomerId"] = None
    doc["products"] = [*doc["products"], "not a line"]  # a stray value is skipped, not fatal
    invoice = invoice_from_stored(doc)
    assert invoice.generated_at == WHEN  # Mongoose's createdAt stands in
    assert invoice.customer_id is None and len(invoice.lines) == 1
    assert invoice.series == "" and invoice.sequence == 0


def test_views_are_read_only() -> None:
    invoice = invoice_from_stored(SPEC_INVOICE)
    with pytest.raises(FrozenInstanceError):
        invoice.paid_amount = 0  # type: ignore[misc]


# ------------------------------------------------------------------ payments


def test_payments() -> None:
    spec = payment_from_stored(
        {
            "_id": ObjectId(),
            "clientId": CLIENT,
            "invoiceId": SPEC_INVOICE["_id"],
            "amount": 2000.5,
            "method": "upi",
            "note": "first part",
            "paidAt": WHEN,
        }
    )
    assert (spec.invoice_id, spec.amount, spec.method, spec.note) == (
        SPEC_INVOICE["_id"],
        200050,
        "upi",
        "first part",
    )
    assert spec.paid_at == WHEN and spec.credit_note_id is None
    bare = payment_from_stored({"_id": ObjectId(), "invoiceId": SPEC_INVOICE["_id"], "amount": 5})
    assert (bare.method, bare.note, bare.paid_at) == ("cash", "", None)  # the spec's defaults
    note_id = ObjectId()
    backend = payment_from_stored(
        {"amount": 1, "method": "other", "creditNoteId": note_id, "__v": 0, "createdAt": WHEN}
    )
    assert backend.credit_note_id == note_id and backend.amount == 100


# ------------------------------------------------------------------ carts


def test_cart_and_its_lines() -> None:
    spec_cart = {
        "_id": ObjectId("707f1f77bcf86cd799439040"),
        "clientId": CLIENT,
        "clientCustomerId": CUSTOMER,
        "clientCustomerPhone": "9891112222",
        "totalAmount": 5000,
        "itemCount": 1,
        "isFinalized": False,
        "createdAt": WHEN,
        "expiresAt": WHEN,
    }
    cart = cart_from_stored(spec_cart)
    assert (cart.customer_id, cart.customer_phone, cart.total_amount, cart.item_count) == (
        CUSTOMER,
        "9891112222",
        500000,
        1,
    )
    assert cart.label == "" and cart.bill_discount == 0
    assert cart.updated_at == WHEN  # never changed: its creation is its last change
    walk_in = cart_from_stored({"_id": ObjectId(), "clientCustomerPhone": None, "__v": 0})
    assert walk_in.customer_id is None and walk_in.customer_phone == "" and walk_in.item_count == 0

    spec_line = {
        "_id": ObjectId("807f1f77bcf86cd799439050"),
        "cartId": spec_cart["_id"],
        "itemId": ITEM,
        "itemNameSnapshot": "Carburetor",
        "unitPriceSnapshot": 2500,
        "quantity": 2,
        "lineTotal": 5000,
        "createdAt": WHEN,
    }
    line = cart_line_from_stored(spec_line)
    assert (line.item_id, line.name, line.unit_price, line.quantity) == (
        ITEM,
        "Carburetor",
        250000,
        Decimal(2),
    )
    assert (line.unit, line.gst_rate, line.line_discount, line.group, line.code) == (
        "nos",
        0,
        0,
        "",
        "",
    )
    ours = cart_line_from_stored(
        {
            **spec_line,
            "itemGroupSnapshot": "Engine",
            "itemCode": "CARB",
            "unit": "ltr",
            "gstRate": 1.5,
            "quantity": 0.75,
            "lineDiscount": 10.5,
            "position": 3,
        }
    )
    assert ours.quantity == Decimal("0.75") and ours.gst_rate == Decimal("1.5")
    assert (ours.line_discount, ours.position, ours.unit) == (1050, 3, "ltr")


def test_cart_view_with_customer_and_totals() -> None:
    customer = {
        "_id": CUSTOMER,
        "clientId": CLIENT,
        "phoneNumber": "9891112222",
        "name": "Bob Smith",
        "gstNo": "27AAPFU0939F1ZV",
        "stateCode": "27",
        "__v": 0,
        "updatedAt": WHEN,
    }
    line = {"_id": ObjectId(), "itemId": ITEM, "itemNameSnapshot": "Carburetor"}
    line.update(unitPriceSnapshot=2500, quantity=2, gstRate=18)
    totals = compute_invoice(
        [LineInput(ITEM, "Carburetor", "", "nos", "", 18, Decimal(2), 250000, 0)],
        bill_discount=0,
        prices_include_tax=False,
        supply_type="inter",
    )
    view = cart_view_from_stored({"_id": ObjectId(), "label": "Bob"}, [line], customer, totals)
    assert view.cart_id == view.cart.id and not view.is_empty and view.warning == ""
    assert view.customer is not None
    assert (view.customer.name, view.customer.phone, view.customer.gstin) == (
        "Bob Smith",
        "9891112222",
        "27AAPFU0939F1ZV",
    )
    assert view.customer.state_code == "27" and view.customer.address == ""
    assert view.lines[0].gst_rate == 18 and view.totals.total_amount == 590000
    empty = cart_view_from_stored({"_id": ObjectId()}, [], None, totals, "low stock")
    assert empty.is_empty and empty.customer is None and empty.warning == "low stock"
    nameless = cart_customer_from_stored({"_id": CUSTOMER, "phoneNumber": "9891112222"})
    assert nameless.name == "" and nameless.state_code == ""


# ------------------------------------------------------------------ credit notes

NOTE = {
    "_id": ObjectId(),
    "clientId": CLIENT,
    "creditNoteNumber": "CN-A/2526/00001",
    "creditNoteDate": "2025-06-20",
    "noteType": "C",
    "invoiceId": SPEC_INVOICE["_id"],
    "invoiceNumber": "A/2526/00001",
    "invoiceDate": "2025-06-16",
    "clientCustomerId": CUSTOMER,
    "clientCustomerName": "Bob Smith",
    "reason": "wrong size",
    "products": [
        {
            "invoiceLine": 1,
            "productId": ITEM,
            "itemName": "Brake pad",
            "itemCode": "BP",
            "hsnCode": "8708",
            "gstRate": 18,
            "unit": "nos",
            "quantity": 1,
            "costPerUnit": 1000,
            "taxableValue": 950,
            "cgst": 85.5,
            "sgst": 85.5,
            "igst": 0,
            "lineTotal": 1121,
        }
    ],
    "totalTaxable": 950,
    "totalCgst": 85.5,
    "totalSgst": 85.5,
    "totalIgst": 0,
    "totalTax": 171,
    "totalAmount": 1121,
    "refundAmount": 621,
    "refundMethod": "cash",
    "adjustedAmount": 500,
    "adjustments": [
        {"invoiceId": SPEC_INVOICE["_id"], "invoiceNumber": "A/2526/00001", "amount": 500}
    ],
    "taxSummary": [
        {"hsnCode": "8708", "gstRate": 18, "taxableValue": 950, "cgst": 85.5, "sgst": 85.5}
    ],
    "generatedAt": WHEN,
}


def test_credit_note() -> None:
    note = credit_note_from_stored(NOTE)
    assert (note.number, note.note_date, note.invoice_number, note.invoice_date) == (
        "CN-A/2526/00001",
        "2025-06-20",
        "A/2526/00001",
        "2025-06-16",
    )
    assert (note.total_taxable, note.total_cgst, note.total_tax, note.total_amount) == (
        95000,
        8550,
        17100,
        112100,
    )
    assert (note.refund_amount, note.refund_method, note.adjusted_amount) == (62100, "cash", 50000)
    (share,) = note.adjustments
    assert (share.invoice_number, share.amount) == ("A/2526/00001", 50000)
    (line,) = note.lines
    assert (line.invoice_line, line.code, line.quantity, line.line_total) == (
        1,
        "BP",
        Decimal(1),
        112100,
    )
    assert note.tax_summary[0].cgst == 8550 and note.tax_summary[0].igst == 0


def test_credit_note_with_optional_fields_missing_or_from_elsewhere() -> None:
    bare = credit_note_from_stored({"_id": ObjectId(), "creditNoteNumber": "CN-B/2526/00001"})
    assert bare.lines == () and bare.adjustments == () and bare.tax_summary == ()
    assert bare.customer_id is None and bare.customer_name == "" and bare.refund_method == ""
    assert (bare.total_amount, bare.refund_amount, bare.generated_at) == (0, 0, None)
    backend = {**NOTE, "__v": 0, "createdAt": WHEN, "updatedAt": WHEN, "clientCustomerId": ""}
    del backend["generatedAt"]
    note = credit_note_from_stored(backend)
    assert note.generated_at == WHEN and note.customer_id is None


# ------------------------------------------------------------------ stored amounts


@settings(max_examples=3000, deadline=None)
@given(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e10, max_value=1e10),
)
def test_paise_of_a_stored_float_is_the_exact_half_up_paisa(paise: int, other: float) -> None:
    """The float fast path gives what exact Decimal rounding gives: for amounts written
    as stored (k/100) and for any other float (those with more decimals, half-up)."""
    assert paise_of(to_rupees(paise)) == paise
    assert paise_of(other) == to_paise(other, exact=False)
    assert paise_of(0.125) == 13 and paise_of(-0.125) == -13 and paise_of(1.005) == 101
