"""Fonts, text measuring and wrapping, dates, UPI links and the invoice view."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from reportlab.pdfbase import pdfmetrics

from tests.unit.printing.documents import make_invoice, make_payments
from viveka_pos.printing import fonts
from viveka_pos.printing.dates import format_document_date, shop_zone
from viveka_pos.printing.invoice_view import (
    PAID,
    PARTLY_PAID,
    UNPAID,
    InvoiceView,
    half_rate,
    payment_status,
)
from viveka_pos.printing.shop import ShopView, state_label
from viveka_pos.printing.text import fit, format_number, wrap
from viveka_pos.printing.upi import upi_payment_uri
from viveka_pos.resources import font_file, resources_dir

ROOT = Path(__file__).resolve().parents[3]


def test_fonts_are_bundled_with_their_licence_and_have_the_rupee_sign():
    fonts.register_fonts()
    fonts.register_fonts()  # idempotent
    for name in (fonts.REGULAR, fonts.BOLD):
        path = font_file(name)
        assert path.parent == ROOT / "resources" / "fonts"
        assert path.is_file()
        face = pdfmetrics.getFont(name).face
        assert 0x20B9 in face.charToGlyph  # ₹
    assert (ROOT / "resources" / "fonts" / "LICENSE-DejaVu.txt").is_file()


def test_resources_are_found_inside_a_pyinstaller_bundle(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources_dir() == tmp_path / "resources"
    assert font_file(fonts.BOLD) == tmp_path / "resources" / "fonts" / "DejaVuSans-Bold.ttf"


def test_missing_font_files_give_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    monkeypatch.setattr(fonts, "_registered", False)
    with pytest.raises(fonts.FontsMissingError, match=r"DejaVuSans\.ttf is missing"):
        fonts.register_fonts()


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (2, "2"),
        (2.0, "2"),
        (1.5, "1.5"),
        (0.125, "0.125"),
        ("18", "18"),
        (100, "100"),
        (0.1 + 0.2, "0.30000000000000004"),
        (None, ""),
    ],
)
def test_format_number(value, text):
    assert format_number(value) == text


def test_half_rate():
    assert [half_rate(r) for r in ("18", "5", "0", "28", "x")] == ["9", "2.5", "0", "14", ""]


def test_wrap_never_exceeds_the_width_and_keeps_every_word():
    text = "Finolex 4 sq mm house wire " + "Z" * 60 + " yellow"
    lines = wrap(text, 100, size=8)
    assert all(fonts.text_width(line, size=8) <= 100 for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert wrap("", 100, size=8) == [""]
    assert wrap("a\nb", 100, size=8) == ["a", "b"]


def test_fit_shortens_with_an_ellipsis():
    assert fit("short", 100, size=8) == "short"
    cut = fit("a rather long shop name that cannot fit", 60, size=8)
    assert cut.endswith("…") and fonts.text_width(cut, size=8) <= 60


def test_dates_print_on_the_shop_calendar():
    zone = shop_zone("Asia/Kolkata")
    assert format_document_date("2025-07-14") == "14 Jul 2025"
    assert format_document_date(datetime(2025, 7, 14, 19, 0), zone) == "15 Jul 2025"
    assert format_document_date(datetime(2025, 7, 14, 18, 0, tzinfo=UTC), zone) == "14 Jul 2025"
    assert format_document_date("2025-07-14T20:15:00Z", zone) == "15 Jul 2025"
    assert format_document_date(None) == ""
    assert format_document_date("next week") == "next week"
    assert shop_zone("Not/AZone").utcoffset(None).total_seconds() == 5.5 * 3600


def test_upi_link_is_encoded_and_carries_the_balance():
    uri = upi_payment_uri(
        "sharma.traders@okaxis", "Sharma Hardware & Electricals", 869_688, "A1/2526/00042"
    )
    parts = urlsplit(uri)
    assert parts.scheme == "upi" and parts.netloc == "pay"
    assert "pa=sharma.traders@okaxis&" in uri
    assert "pn=Sharma%20Hardware%20%26%20Electricals&" in uri
    assert dict(parse_qsl(parts.query)) == {
        "pa": "sharma.traders@okaxis",
        "pn": "Sharma Hardware & Electricals",
        "am": "8696.88",
        "cu": "INR",
        "tn": "A1/2526/00042",
    }
    assert "am=5.00&" in upi_payment_uri("a@b", "x", 500, "n")


def test_payment_status():
    assert payment_status(100, 100) == PAID
    assert payment_status(100, 150) == PAID
    assert payment_status(100, 1) == PARTLY_PAID
    assert payment_status(100, 0) == UNPAID
    assert payment_status(0, 0) == PAID


def test_invoice_view_reads_paise_and_payments():
    invoice = make_invoice(paid=2_000_00)
    view = InvoiceView.from_documents(invoice)
    assert view.total == 9_696_88 and view.paid == 2_000_00 and view.balance == 7_696_88
    assert view.taxable == view.subtotal - view.discount
    assert sum(line.total for line in view.lines) == view.total
    assert view.cgst + view.sgst + view.igst == view.total_tax
    with_payments = InvoiceView.from_documents(invoice, make_payments(invoice, 300_00, 200_00))
    assert with_payments.paid == 500_00
    assert InvoiceView.from_documents(invoice, []).paid == 0


def test_invoice_view_builds_a_tax_summary_when_none_is_stored():
    invoice = make_invoice()
    stored = InvoiceView.from_documents(invoice).tax_rows
    invoice["taxSummary"] = []
    assert InvoiceView.from_documents(invoice).tax_rows == stored


def test_shop_view():
    shop = ShopView.from_document(
        {
            "businessName": "Sharma Traders Pvt Ltd",
            "shopName": "",
            "gstin": "29aabcv1234f1z5",
            "location": "No. 14\nChickpet",
            "city": "Bengaluru",
            "state": "Karnataka",
            "clientSettings": {"logoPath": "/no/such/logo.png"},
        }
    )
    assert shop.name == "Sharma Traders Pvt Ltd" and shop.legal_name == ""
    assert shop.state == "Karnataka (29)"  # from the GSTIN when no stateCode is set
    assert shop.address_lines == ("No. 14", "Chickpet", "Bengaluru, Karnataka")
    assert shop.logo is None
    assert state_label("99") == "State code 99"
    assert state_label("", "Goa") == "Goa"


def test_printing_package_does_not_load_qt():
    import subprocess

    code = (
        "import sys, viveka_pos.printing as p; "
        "assert p.render_invoice_a4 and not any(m.startswith('PySide6') for m in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
