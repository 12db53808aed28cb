"""Thermal receipts: content, and that every piece of text stays on the roll."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from tests.unit.printing.documents import (
    LONG_NAME,
    STANDARD_LINES,
    LineSpec,
    make_invoice,
    make_shop,
    many_lines,
    pdf_pages,
    text_runs,
)
from viveka_pos.domain.money import format_inr, to_paise
from viveka_pos.printing.fonts import register_fonts
from viveka_pos.printing.receipt_thermal import layout_receipt, render_receipt

LINES = (*STANDARD_LINES[:4], LineSpec(LONG_NAME, Decimal(1), "coil", 5_210_00, 18, "85444920"))
# Printable margins: 4 mm on an 80 mm roll, 5 mm on a 58 mm one.
MARGIN_MM = {80: 4, 58: 5}


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def invoice():
    return make_invoice(LINES, paid=1_000_00)


@pytest.mark.parametrize("width_mm", [80, 58])
def test_receipt_content(invoice, shop, width_mm):
    pdf = render_receipt(invoice, shop, width_mm=width_mm)
    pages = pdf_pages(pdf)
    assert len(pages) == 1
    text = flat(pages[0])
    total = format_inr(to_paise(invoice["totalAmount"]))
    for expected in (
        "Sharma Hardware & Electricals",
        "GSTIN: 29AABCV1234F1Z5",
        "TAX INVOICE",
        "Bill No. A1/2526/00042",
        "Date 14 Jul 2025",
        "Customer Anil Kumar",
        "2 coil × 1,845.00 3,690.00",
        "12 pcs × 42.50 510.00",
        f"TOTAL {total}",
        "Paid ₹1,000.00",
        "Status Partly paid",
        "Thank you!",
        "CGST 967.05",
        "SGST 967.05",
        "GST 18% on 10,745.00 1,934.10",
    ):
        assert expected in text, expected
    balance = to_paise(invoice["totalAmount"]) - 1_000_00
    assert f"Balance {format_inr(balance)}" in text
    assert flat(invoice["amountInWords"]) in text
    assert "IGST" not in text


@pytest.mark.parametrize("width_mm", [80, 58])
def test_page_is_as_wide_as_the_roll_and_as_long_as_the_content(invoice, shop, width_mm):
    short = render_receipt(make_invoice(LINES[:1]), shop, width_mm=width_mm)
    long = render_receipt(make_invoice(many_lines(30)), shop, width_mm=width_mm)
    sizes = []
    for pdf in (short, long):
        box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
        assert float(box.width) == pytest.approx(width_mm * mm)
        sizes.append(float(box.height))
    assert sizes[1] > sizes[0] + 29 * 2 * 8  # at least two lines more per extra item
    layout = layout_receipt(invoice, shop, width_mm=width_mm)
    pdf_height = float(
        PdfReader(io.BytesIO(render_receipt(invoice, shop, width_mm=width_mm)))
        .pages[0]
        .mediabox.height
    )
    assert pdf_height == pytest.approx(layout.height)


@pytest.mark.parametrize("width_mm", [80, 58])
def test_no_text_runs_past_the_printable_width(invoice, shop, width_mm):
    register_fonts()
    invoice["clientCustomerName"] = "Sri Manjunatha Electricals and Hardware Stores " * 2
    invoice["notes"] = "Deliver-to-the-back-door-of-the-godown-near-the-temple-on-5th-cross"
    pdf = render_receipt(invoice, shop, width_mm=width_mm)
    left, right = MARGIN_MM[width_mm] * mm, (width_mm - MARGIN_MM[width_mm]) * mm
    runs = text_runs(pdf)
    assert len(runs) > 40
    for run in runs:
        width = stringWidth(run.text, run.font, run.size)
        assert run.x >= left - 0.01, run
        assert run.x + width <= right + 0.01, run


def test_long_item_name_is_wrapped_on_58mm(invoice, shop):
    text = pdf_pages(render_receipt(invoice, shop, width_mm=58))[0]
    lines = text.splitlines()
    assert not any(LONG_NAME in line for line in lines)
    assert flat(LONG_NAME) in flat(text)  # all of it is there, over several lines
    name_lines = [line for line in lines if line.strip() and line.strip() in LONG_NAME]
    assert len(name_lines) >= 4


def test_unbreakable_words_are_cut_to_fit(shop):
    word = "X" * 90
    invoice = make_invoice([LineSpec(word, 1, "pcs", 10_00, 18, "1")])
    layout = layout_receipt(invoice, shop, width_mm=58)
    pieces = [run for line in layout.lines for run in line.runs if run.text.startswith("X")]
    assert "".join(run.text for run in pieces) == word
    assert all(run.x + run.width <= layout.paper.right + 0.01 for run in pieces)


def test_inter_state_receipt_shows_igst(shop):
    text = flat(pdf_pages(render_receipt(make_invoice(LINES, inter=True), shop))[0])
    assert "IGST 1,934.10" in text
    assert "CGST" not in text
    assert "Place of supply Maharashtra (27)" in text


def test_qr_and_scan_text_only_with_a_balance_and_upi_id(invoice):
    assert "Scan to pay" in pdf_pages(render_receipt(invoice, make_shop()))[0]
    assert "Scan to pay" not in pdf_pages(render_receipt(invoice, make_shop(upiId="")))[0]
    paid = make_invoice(LINES, paid=to_paise(invoice["totalAmount"]))
    assert "Scan to pay" not in pdf_pages(render_receipt(paid, make_shop()))[0]


def test_receipt_is_reproducible(invoice, shop):
    assert render_receipt(invoice, shop, width_mm=58) == render_receipt(invoice, shop, width_mm=58)


@pytest.mark.parametrize("width_mm", [30, 200])
def test_unknown_roll_width_is_refused(invoice, shop, width_mm):
    with pytest.raises(ValueError, match="mm wide"):
        render_receipt(invoice, shop, width_mm=width_mm)
