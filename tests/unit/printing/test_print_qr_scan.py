"""The UPI QR code, rendered and scanned back (needs pdftoppm and zbarimg; skipped without)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.unit.printing.documents import make_invoice, make_shop
from viveka_pos.printing.invoice_a4 import render_invoice_a4
from viveka_pos.printing.receipt_thermal import render_receipt

TOOLS = shutil.which("pdftoppm"), shutil.which("zbarimg")
pytestmark = pytest.mark.skipif(None in TOOLS, reason="needs pdftoppm and zbarimg (zbar-tools)")


def scan(pdf: bytes, folder) -> list[str]:
    source = folder / "doc.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [TOOLS[0], "-r", "150", "-png", "-singlefile", str(source), str(folder / "page")],
        check=True,
    )
    done = subprocess.run(
        [TOOLS[1], "-q", "--raw", str(folder / "page.png")],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.split()


@pytest.mark.parametrize("kind", ["a4", "58mm"])
def test_qr_scans_to_the_upi_payment_link(tmp_path, kind):
    invoice = make_invoice(paid=1_000_00)
    shop = make_shop()
    pdf = (
        render_invoice_a4(invoice, shop)
        if kind == "a4"
        else render_receipt(invoice, shop, width_mm=58)
    )
    assert scan(pdf, tmp_path) == [
        "upi://pay?pa=sharmatraders@okaxis&pn=Sharma%20Hardware%20%26%20Electricals"
        "&am=8696.88&cu=INR&tn=A1/2526/00042"
    ]
