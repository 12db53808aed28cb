"""Render sample documents of the demo shop to PNG (80 dpi) beside this script.

    .venv/bin/python docs/samples/make_samples.py

Needs ``pdftoppm`` (Debian/Ubuntu: poppler-utils). The demo shop is made in a temporary
folder on a fixed date, so the samples come out the same every time.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from viveka_pos.domain.clock import FixedClock
from viveka_pos.printing.dealer_order import render_dealer_order
from viveka_pos.printing.invoice_a4 import render_credit_note_a4, render_invoice_a4
from viveka_pos.printing.receipt_thermal import render_credit_note_receipt, render_receipt
from viveka_pos.printing.report_pdf import render_report
from viveka_pos.services.context import ServiceContext
from viveka_pos.services.demo import create_demo_shop
from viveka_pos.services.facade import ShopServices
from viveka_pos.services.report_tables import ReportRequest, day_book
from viveka_pos.store import open_store

HERE = Path(__file__).resolve().parent
DPI = 80
TODAY = datetime(2026, 7, 31, 12, 30, tzinfo=UTC)


def _pick(invoices: list[dict[str, Any]], test: Any) -> dict[str, Any]:
    return next(doc for doc in invoices if test(doc))


def documents(svc: ShopServices) -> dict[str, bytes]:
    shop = svc.scope.shop()
    invoices = sorted(svc.ctx.store.iter_docs("invoices"), key=lambda d: d["invoiceNumber"])
    part_paid = _pick(
        invoices,
        lambda d: (
            d["clientCustomerId"]
            and not d["isFinalized"]
            and d["paidAmount"] > 0
            and d["supplyType"] == "intra"
        ),
    )
    inter = _pick(invoices, lambda d: d["supplyType"] == "inter")
    walk_in = _pick(invoices, lambda d: d["clientCustomerId"] is None)
    b2b = _pick(
        invoices,
        lambda d: d["customerGstin"] and len(d["products"]) >= 2 and d["supplyType"] == "intra",
    )
    returned = _pick(
        invoices, lambda d: d["customerGstin"] and len(d["products"]) >= 2 and d is not b2b
    )
    made = svc.returns.create(returned["_id"], {0: 1, 1: 1}, reason="Wrong model supplied")
    note = svc.returns.document(made.id)

    def payments(doc: dict[str, Any]) -> list[dict[str, Any]]:
        return svc.payments.documents_for_invoice(doc["_id"])

    order = next(o for o in svc.dealers.orders() if o.status == "delivered")
    detail = svc.dealers.order_for_print(order)
    report = day_book(svc, ReportRequest(date(2026, 7, 1), date(2026, 7, 31)))
    return {
        "invoice-a4": render_invoice_a4(part_paid, shop, payments(part_paid)),
        "invoice-a4-inter": render_invoice_a4(inter, shop, payments(inter)),
        "receipt-80mm": render_receipt(walk_in, shop, payments(walk_in), width_mm=80),
        "receipt-58mm": render_receipt(walk_in, shop, payments(walk_in), width_mm=58),
        "receipt-80mm-b2b": render_receipt(b2b, shop, payments(b2b), width_mm=80),
        "credit-note-a4": render_credit_note_a4(note, shop),
        "credit-note-80mm": render_credit_note_receipt(note, shop, width_mm=80),
        "dealer-order": render_dealer_order(detail.order, detail.lines, detail.dealer, shop),
        "report": render_report(report.table, shop),
    }


def main() -> None:
    if shutil.which("pdftoppm") is None:
        raise SystemExit("pdftoppm is missing: apt-get install poppler-utils")
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "data")
        try:
            ctx = ServiceContext(store, "pc-demo", FixedClock(TODAY))
            shop = create_demo_shop(ctx)
            rendered = documents(ShopServices(ctx, shop.id))
        finally:
            store.close()
        for name, pdf in rendered.items():
            source = Path(tmp) / f"{name}.pdf"
            source.write_bytes(pdf)
            subprocess.run(
                ["pdftoppm", "-r", str(DPI), "-png", "-singlefile", str(source), str(HERE / name)],
                check=True,
            )
            print(f"docs/samples/{name}.png")


if __name__ == "__main__":
    main()
