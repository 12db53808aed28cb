"""Credit notes, B2B receipts, copy marking and cancelled bills as printed (PDF text)."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from tests.fixtures.stored import stored
from viveka_pos.printing.invoice_a4 import render_credit_note_a4, render_invoice_a4
from viveka_pos.printing.receipt_thermal import render_credit_note_receipt, render_receipt
from viveka_pos.services.facade import ShopServices


def text_of(pdf: bytes) -> str:
    return " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages
    )


@pytest.fixture
def b2b(svc: ShopServices) -> dict:
    from viveka_pos.domain.validation import gstin_check_char

    gstin = "29AAACR1234K1Z" + gstin_check_char("29AAACR1234K1Z")
    svc.catalog.create_item(
        name="Brake Pad Set", price=1000, code="BP", stock=9, gst_rate=18, hsn_code="87083000"
    )
    svc.catalog.create_item(
        name="Helmet", price=500, code="HL", stock=9, gst_rate=5, hsn_code="65061010"
    )
    buyer = svc.customers.create(
        "9800000001", name="Ravi Motors", gst_no=gstin, address="4 KR Road, Bengaluru"
    )
    cart = svc.carts.create(customer=buyer.id)
    svc.carts.add_item(cart.cart_id, "BP", 2)
    svc.carts.add_item(cart.cart_id, "HL", 1)
    return stored(svc, svc.invoices.generate(cart.cart_id, paid_amount=2885))


def test_credit_note_a4_names_the_invoice_and_reverses_tax(svc: ShopServices, b2b: dict) -> None:
    note = stored(svc, svc.returns.create(b2b["_id"], {0: 1}, reason="Damaged in transit"))
    text = text_of(render_credit_note_a4(note, svc.scope.shop()))
    for words in (
        "Credit Note",
        "ORIGINAL FOR RECIPIENT",
        "CN-A/2526/00001",
        "Against invoice A/2526/00001",
        "Invoice date 16 Jun 2025",
        "87083000",
        "1,000.00",
        "90.00",
        "Total credit ₹1,180.00",
        "Refunded: ₹1,180.00 by Cash",
        "Reason: Damaged in transit",
        "Rupees One Thousand One Hundred Eighty Only",
        "Authorised signatory",
    ):
        assert words in text, words
    assert "Rate (₹)" not in text  # no sale price columns on a credit note
    roll = text_of(render_credit_note_receipt(note, svc.scope.shop(), copy="duplicate"))
    for words in (
        "CREDIT NOTE",
        "Duplicate for Transporter",
        "Against invoice A/2526/00001",
        "TOTAL CREDIT ₹1,180.00",
        "HSN 87083000 · GST 18%",
        "Reverse charge No",
    ):
        assert words in roll, words


def test_b2b_receipt_is_a_full_tax_invoice(svc: ShopServices, b2b: dict) -> None:
    text = text_of(render_receipt(b2b, svc.scope.shop(), width_mm=80, copy="triplicate"))
    for words in (
        "TAX INVOICE",
        "Triplicate for Supplier",
        "GSTIN " + b2b["customerGstin"],
        "4 KR Road, Bengaluru",
        "Reverse charge No",
        "HSN 87083000 · GST 18%",
        "HSN 65061010 · GST 5%",
        "Taxable value 2,000.00",
        "Taxable value 500.00",
        "87083000 @ 18% on 2,000.00 360.00",
        "For Asha Auto",
        "Authorised signatory",
    ):
        assert words in text, words


def test_walk_in_receipt_stays_short(svc: ShopServices, b2b: dict) -> None:
    cart = svc.carts.create()
    svc.carts.add_item(cart.cart_id, "HL", 1)
    invoice = stored(svc, svc.invoices.generate(cart.cart_id, paid_amount=525))
    text = text_of(render_receipt(invoice, svc.scope.shop(), width_mm=80))
    assert "Original for Recipient" in text
    assert "HSN 65061010" not in text and "Authorised signatory" not in text


def test_cancelled_invoice_prints_as_cancelled(svc: ShopServices, b2b: dict) -> None:
    svc.returns.cancel(b2b["_id"], reason="wrong buyer", refund=True)
    cancelled = svc.invoices.document(b2b["_id"])
    assert "CANCELLED — wrong buyer" in text_of(render_invoice_a4(cancelled, svc.scope.shop()))
    assert "*** CANCELLED: wrong buyer ***" in text_of(render_receipt(cancelled, svc.scope.shop()))
    assert "ORIGINAL" not in text_of(render_invoice_a4(cancelled, svc.scope.shop(), copy=None))
    with pytest.raises(ValueError, match="copy must be one of"):
        render_invoice_a4(cancelled, svc.scope.shop(), copy="quadruplicate")


def test_credit_note_lists_the_dues_it_was_set_against(svc: ShopServices, b2b: dict) -> None:
    cart = svc.carts.create(customer=b2b["clientCustomerId"])
    svc.carts.add_item(cart.cart_id, "HL", 1)
    unpaid = stored(svc, svc.invoices.generate(cart.cart_id, paid_amount=0))  # ₹525 due
    note = stored(
        svc, svc.returns.create(b2b["_id"], {0: 1})
    )  # ₹1,180: ₹525 set off, ₹655 refunded
    text = text_of(render_credit_note_a4(note, svc.scope.shop()))
    assert (
        f"Set against dues: ₹525.00 — {unpaid['invoiceNumber']} (₹525.00)" in text
        and "Refunded: ₹655.00 by Cash" in text
    )
    roll = text_of(render_credit_note_receipt(note, svc.scope.shop()))
    assert "Set against dues ₹525.00" in roll and f"{unpaid['invoiceNumber']} 525.00" in roll


@pytest.mark.parametrize("width_mm", [80, 58])
def test_credit_note_and_b2b_rolls_stay_inside_the_paper(
    svc: ShopServices, b2b: dict, width_mm: int
) -> None:
    from reportlab.lib.units import mm
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from tests.unit.printing.documents import text_runs
    from viveka_pos.printing.fonts import register_fonts

    register_fonts()
    cart = svc.carts.create(customer=b2b["clientCustomerId"])
    svc.carts.add_item(cart.cart_id, "HL", 1)
    svc.invoices.generate(cart.cart_id)
    note = stored(
        svc,
        svc.returns.create(
            b2b["_id"], {0: 2, 1: 1}, reason="Customer ordered the wrong model for the Pulsar 150"
        ),
    )
    margin = (4 if width_mm >= 70 else 5) * mm
    for pdf in (
        render_credit_note_receipt(note, svc.scope.shop(), width_mm),
        render_receipt(b2b, svc.scope.shop(), width_mm=width_mm),
    ):
        runs = text_runs(pdf)
        assert len(runs) > 30
        for run in runs:
            assert run.x >= margin - 0.01, run
            assert run.x + stringWidth(run.text, run.font, run.size) <= (
                width_mm * mm - margin + 0.01
            ), run
