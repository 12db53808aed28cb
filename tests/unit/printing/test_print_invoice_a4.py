"""The A4 tax invoice: what is printed, where pages break, and that it is reproducible."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image as PILImage
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from tests.unit.printing.documents import (
    CUSTOMER_GSTIN,
    SHOP_GSTIN,
    LineSpec,
    make_invoice,
    make_payments,
    make_shop,
    many_lines,
    pdf_pages,
    text_runs,
)
from viveka_pos.domain.money import format_inr, to_paise
from viveka_pos.printing.fonts import register_fonts
from viveka_pos.printing.invoice_a4 import render_invoice_a4


def flat(text: str) -> str:
    """Text with every run of whitespace made one space (pypdf breaks lines per cell)."""
    return " ".join(text.split())


def test_intra_state_invoice_prints_cgst_and_sgst_on_one_page(shop, intra_invoice):
    pdf = render_invoice_a4(intra_invoice, shop)
    pages = pdf_pages(pdf)
    assert len(pages) == 1
    text = flat(pages[0])
    for expected in (
        "Tax Invoice",
        "Sharma Hardware & Electricals",
        SHOP_GSTIN,
        "State: Karnataka",
        "State code: 29",
        "A1/2526/00042",
        "14 Jul 2025",
        "13 Aug 2025",
        "Anil Kumar",
        "9980011223",
        "Place of supply: Karnataka (29)",
        "CGST (₹)",
        "SGST (₹)",
        "Authorised signatory",
        "For Sharma Hardware & Electricals",
        "Page 1 of 1",
        "Goods once sold will not be taken back.",
        "Delivered to site, Jayanagar 4th Block.",
    ):
        assert expected in text, expected
    assert "IGST" not in text
    assert "Continued on next page" not in text
    # Figures are those stored on the document, Indian grouping, ₹ where totals are shown.
    assert f"Total {format_inr(to_paise(intra_invoice['totalAmount']))}" in text
    assert "Subtotal ₹8,169.00" in text
    assert "Discount -₹55.00" in text
    assert "Taxable value ₹8,114.00" in text
    assert f"CGST {format_inr(to_paise(intra_invoice['totalCgst']))}" in text
    assert intra_invoice["amountInWords"] in text
    # One line, all columns: qty with unit, rate, discount, taxable, rate %, CGST, SGST, amount.
    assert "85444920 2 coil 1,845.00 50.00 3,640.00 18 327.60 327.60 4,295.20" in text
    # HSN summary row: 28% is split 14 + 14.
    assert "25232930 1,580.00 14 221.20 14 221.20 442.40" in text


def test_payment_status_paid_and_balance(shop, intra_invoice):
    text = flat(pdf_pages(render_invoice_a4(intra_invoice, shop))[0])
    assert "Paid: ₹1,000.00" in text
    assert "Balance due: ₹8,696.88" in text
    assert "Status: Partly paid" in text
    assert "Scan to pay ₹8,696.88" in text
    assert "UPI: sharmatraders@okaxis" in text


def test_payments_given_decide_paid_amount_and_are_listed(shop):
    invoice = make_invoice(paid=0)
    total = to_paise(invoice["totalAmount"])
    payments = make_payments(invoice, 5_000_00, total - 5_000_00)
    text = flat(pdf_pages(render_invoice_a4(invoice, shop, payments))[0])
    assert f"Paid: {format_inr(total)}" in text
    assert "Balance due: ₹0.00" in text
    assert "Status: Paid" in text
    assert "15 Jul 2025 Cash 5,000.00 Advance at counter" in text
    assert "16 Jul 2025 UPI" in text
    assert "Scan to pay" not in text  # nothing left to pay: no QR


def test_unpaid_invoice_without_upi_id_has_no_qr(inter_invoice):
    shop = make_shop(upiId="")
    text = flat(pdf_pages(render_invoice_a4(inter_invoice, shop))[0])
    assert "Status: Unpaid" in text
    assert "Scan to pay" not in text


def test_inter_state_invoice_prints_igst_only(shop, inter_invoice):
    pages = pdf_pages(render_invoice_a4(inter_invoice, shop))
    assert len(pages) == 1
    text = flat(pages[0])
    assert "Place of supply: Maharashtra (27)" in text
    assert "Inter-state (IGST)" in text
    assert CUSTOMER_GSTIN in text
    assert "Prakash Constructions" in text
    assert "Plot 7, MIDC Bhosari Pune 411026" in text
    assert "IGST (₹)" in text
    assert "CGST" not in text and "SGST" not in text
    assert f"IGST {format_inr(to_paise(inter_invoice['totalIgst']))}" in text
    assert "85444920 2 coil 1,845.00 50.00 3,640.00 18 655.20 4,295.20" in text
    assert f"Total {format_inr(to_paise(inter_invoice['totalAmount']))}" in text


def test_hundred_lines_flow_over_pages_with_repeated_header(shop):
    invoice = make_invoice(many_lines(100))
    pages = [flat(page) for page in pdf_pages(render_invoice_a4(invoice, shop))]
    count = len(pages)
    assert count >= 3
    assert sum("— lot" in text for text in pages) >= 3
    for number, text in enumerate(pages, 1):
        assert f"Page {number} of {count}" in text
        # Every page with lines on it starts them under the column header.
        if "— lot" in text:
            assert text.index("# Item HSN Qty Rate (₹)") < text.index("— lot")
        assert ("Continued on next page" in text) == (number < count)
        assert ("(continued)" in text) == (number > 1)
    for number in range(1, 101):
        lot = f"— lot {number} "
        assert sum(lot in text for text in pages) == 1, number
    total = format_inr(to_paise(invoice["totalAmount"]))
    assert f"Total {total}" in pages[-1]
    assert invoice["amountInWords"] in pages[-1]
    assert "Authorised signatory" in pages[-1]
    assert all("Amount in words" not in text for text in pages[:-1])


def test_many_hsn_codes_stack_the_summary_above_the_totals(shop):
    lines = [
        LineSpec(f"Spare part {n}", 1, "pcs", 100_00 + n, 18, f"8708{n:04d}") for n in range(20)
    ]
    invoice = make_invoice(lines)
    pdf = render_invoice_a4(invoice, shop)
    pages = [flat(page) for page in pdf_pages(pdf)]
    text = " ".join(pages)
    assert all(f"8708{n:04d}" in text for n in range(20))
    taxable = to_paise(invoice["subtotal"]) - to_paise(invoice["totalDiscount"])
    assert f"Total {format_inr(taxable, symbol=False)} " in text
    assert f"Total {format_inr(to_paise(invoice['totalAmount']))}" in pages[-1]
    # Too many summary rows to sit beside the totals: the totals come below the summary.
    runs = text_runs(pdf, len(pages) - 1)
    last_hsn_y = min(run.y for run in runs if run.text.startswith("8708"))
    subtotal_y = next(run.y for run in runs if run.text == "Subtotal")
    assert subtotal_y < last_hsn_y


def test_few_hsn_codes_sit_beside_the_totals(shop, intra_invoice):
    runs = text_runs(render_invoice_a4(intra_invoice, shop), 0)
    last_hsn_y = min(run.y for run in runs if run.text == "85395000")
    subtotal = next(run for run in runs if run.text == "Subtotal")
    assert subtotal.y > last_hsn_y


def test_same_invoice_gives_identical_bytes(shop, intra_invoice):
    payments = make_payments(intra_invoice, 1_000_00)
    first = render_invoice_a4(intra_invoice, shop, payments)
    second = render_invoice_a4(intra_invoice, shop, payments)
    assert first == second
    reader = PdfReader(io.BytesIO(first))
    assert reader.metadata.title == "A1/2526/00042"
    # dated when the invoice was generated, not ReportLab's fixed 1 Jan 2000
    assert reader.metadata.creation_date == datetime(2025, 7, 14, 6, 30, tzinfo=UTC)


def test_different_invoices_give_different_bytes(shop):
    assert render_invoice_a4(make_invoice(number="A1/2526/00001"), shop) != render_invoice_a4(
        make_invoice(number="A1/2526/00002"), shop
    )


def test_long_item_names_wrap_inside_their_cell(shop):
    name = "Extra long item " + " ".join(f"word{n}" for n in range(40))
    invoice = make_invoice([LineSpec(name, 1, "pcs", 10_00, 18, "1234")])
    text = pdf_pages(render_invoice_a4(invoice, shop))[0]
    assert "word39" in text
    # Wrapped: the name is spread over several text lines of the PDF.
    assert sum(1 for line in text.splitlines() if "word" in line) >= 3


def test_markup_characters_in_names_print_as_text(shop):
    invoice = make_invoice([LineSpec("Nuts <M8> & bolts", 1, "pcs", 10_00, 18, "7318")])
    assert "Nuts <M8> & bolts" in flat(pdf_pages(render_invoice_a4(invoice, shop))[0])


def test_logo_is_embedded_when_the_file_exists(tmp_path, intra_invoice):
    logo = tmp_path / "logo.png"
    PILImage.new("RGB", (120, 60), (200, 30, 30)).save(logo)
    with_logo = render_invoice_a4(intra_invoice, make_shop(logoPath=str(logo)))
    missing = render_invoice_a4(intra_invoice, make_shop(logoPath=str(tmp_path / "gone.png")))
    plain = render_invoice_a4(intra_invoice, make_shop())
    assert missing == plain
    images = PdfReader(io.BytesIO(with_logo)).pages[0].images
    assert len(images) == 1
    assert len(PdfReader(io.BytesIO(plain)).pages[0].images) == 0


def test_unreadable_logo_does_not_stop_the_bill(tmp_path, intra_invoice):
    logo = tmp_path / "logo.png"
    logo.write_bytes(b"not an image")
    pdf = render_invoice_a4(intra_invoice, make_shop(logoPath=str(logo)))
    assert "Tax Invoice" in pdf_pages(pdf)[0]


def test_rupee_sign_is_real_text(shop, intra_invoice):
    text = pdf_pages(render_invoice_a4(intra_invoice, shop))[0]
    assert "₹9,696.88" in text


def test_bytes_do_not_depend_on_the_process(shop, intra_invoice):
    """A fresh process (other hash seed, fonts loaded anew) renders the very same file."""
    code = (
        "import sys, hashlib\n"
        "from tests.unit.printing.documents import make_invoice, make_shop\n"
        "from viveka_pos.printing import render_invoice_a4\n"
        "pdf = render_invoice_a4(make_invoice(paid=1_000_00), make_shop())\n"
        "sys.stdout.write(hashlib.sha256(pdf).hexdigest())\n"
    )
    root = Path(__file__).resolve().parents[3]
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
    )
    assert done.stdout == hashlib.sha256(render_invoice_a4(intra_invoice, shop)).hexdigest()


def test_invoice_stored_without_gst_detail_still_prints(shop):
    """An invoice as the spec's example has it (made by an older client, pulled by sync)."""
    invoice = {
        "invoiceNumber": "INV-1704967200000",
        "invoiceDate": "2025-01-12",
        "dueDate": "2025-02-11",
        "clientCustomerName": "Bob Smith",
        "clientCustomerPhone": "9891112222",
        "subtotal": 5000,
        "totalTax": 0,
        "totalDiscount": 0,
        "totalAmount": 5000,
        "paidAmount": 2000,
        "isFinalized": False,
        "notes": "Partial payment received in cash",
        "products": [
            {
                "productId": "p1",
                "itemName": "Carburetor",
                "itemGroup": "Engine Parts",
                "quantity": 2,
                "costPerUnit": 2500,
            }
        ],
    }
    text = flat(pdf_pages(render_invoice_a4(invoice, shop))[0])
    assert "1 Carburetor 2 2,500.00 0.00 5,000.00 0 0.00 0.00 5,000.00" in text
    assert "Total ₹5,000.00" in text
    assert "Balance due: ₹3,000.00" in text
    assert "Place of supply: —" in text


def test_invoice_without_lines_prints(shop):
    invoice = make_invoice()
    invoice["products"] = []
    assert "No items" in pdf_pages(render_invoice_a4(invoice, shop))[0]


def test_crore_sized_totals_fit_their_box(shop):
    invoice = make_invoice([LineSpec("Excavator", 3, "nos", 45_00_000_00, 28, "8429")])
    pdf = render_invoice_a4(invoice, shop)
    total = format_inr(to_paise(invoice["totalAmount"]))
    assert total == "₹1,72,80,000.00"
    runs = text_runs(pdf, 0)
    run = next(r for r in runs if r.text == total)
    register_fonts()
    assert run.x + stringWidth(run.text, run.font, run.size) <= A4[0] - 12 * mm + 0.01
    label = next(r for r in runs if r.text == "Total")
    assert label.x + stringWidth("Total", label.font, label.size) < run.x
