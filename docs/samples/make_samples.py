"""Render the sample documents to PNG (80 dpi) beside this script.

    .venv/bin/python docs/samples/make_samples.py

Needs ``pdftoppm`` (Debian/Ubuntu: poppler-utils). The documents come from the printing
tests' builders (tests/unit/printing/documents.py).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from tests.unit.printing.documents import (  # noqa: E402 - needs the path above
    LONG_NAME,
    STANDARD_LINES,
    LineSpec,
    make_dealer,
    make_dealer_order,
    make_invoice,
    make_payments,
    make_shop,
)
from viveka_pos.domain.money import format_inr, to_paise  # noqa: E402
from viveka_pos.printing.dealer_order import render_dealer_order  # noqa: E402
from viveka_pos.printing.invoice_a4 import render_invoice_a4  # noqa: E402
from viveka_pos.printing.receipt_thermal import render_receipt  # noqa: E402
from viveka_pos.printing.report_pdf import Column, ReportTable, render_report  # noqa: E402

DPI = 80


def money(rupees: float) -> str:
    return format_inr(to_paise(rupees), symbol=False)


def sales_register() -> ReportTable:
    """A month's GST sales register from a few sample bills (nine columns: landscape)."""
    invoices = [
        make_invoice(STANDARD_LINES[: 2 + n % 6], inter=n % 4 == 3, number=f"A1/2526/{n:05d}",
                     paid=0)
        for n in range(1, 25)
    ]
    rows = [
        [f"{n:02d} Jul 2025", doc["invoiceNumber"], doc["clientCustomerName"],
         doc["customerGstin"] or "—", money(doc["subtotal"] - doc["totalDiscount"]),
         money(doc["totalCgst"]), money(doc["totalSgst"]), money(doc["totalIgst"]),
         money(doc["totalAmount"])]
        for n, doc in enumerate(invoices, 1)
    ]

    def total(field: str) -> str:
        return format_inr(sum(to_paise(doc[field]) for doc in invoices), symbol=False)

    taxable = sum(to_paise(d["subtotal"]) - to_paise(d["totalDiscount"]) for d in invoices)
    return ReportTable(
        title="GST sales register",
        subtitle="1 Jul 2025 – 31 Jul 2025",
        columns=[Column("Date"), Column("Invoice"), Column("Customer", width=2),
                 Column("Customer GSTIN", width=1.5), Column("Taxable (₹)", "right"),
                 Column("CGST (₹)", "right"), Column("SGST (₹)", "right"),
                 Column("IGST (₹)", "right"), Column("Total (₹)", "right")],
        rows=rows,
        totals=["Total", f"{len(rows)} bills", "", "", format_inr(taxable, symbol=False),
                total("totalCgst"), total("totalSgst"), total("totalIgst"),
                total("totalAmount")],
    )


def documents() -> dict[str, bytes]:
    shop = make_shop()
    invoice = make_invoice(paid=1_000_00)
    receipt_lines = (*STANDARD_LINES[:4],
                     LineSpec(LONG_NAME, Decimal(1), "coil", 5_210_00, 18, "85444920"))
    receipt = make_invoice(receipt_lines, paid=1_000_00)
    order, items = make_dealer_order(items=9)
    return {
        "invoice-a4": render_invoice_a4(invoice, shop, make_payments(invoice, 600_00, 400_00)),
        "invoice-a4-inter": render_invoice_a4(make_invoice(inter=True), shop),
        "receipt-80mm": render_receipt(receipt, shop, width_mm=80),
        "receipt-58mm": render_receipt(receipt, shop, width_mm=58),
        "dealer-order": render_dealer_order(order, items, make_dealer(), shop),
        "report": render_report(sales_register(), shop),
    }


def main() -> None:
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        sys.exit("pdftoppm is needed: apt-get install poppler-utils")
    with tempfile.TemporaryDirectory() as folder:
        for name, pdf in documents().items():
            source = Path(folder) / f"{name}.pdf"
            source.write_bytes(pdf)
            subprocess.run(
                [pdftoppm, "-r", str(DPI), "-png", "-f", "1", "-l", "1", "-singlefile",
                 str(source), str(HERE / name)],
                check=True,
            )
            print(f"{name}.png  {(HERE / f'{name}.png').stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
