"""PDF commands: an invoice (A4 or thermal roll) and a dealer purchase order."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..printing.dealer_order import render_dealer_order
from ..printing.invoice_view import COPIES
from ..printing.paper import PAPERS, invoice_on, paper_of
from ..printing.printer import save_pdf
from .common import CommandError, opened_store, run_command
from .core import shop_services

FORMATS = PAPERS


def register(subparsers: Any) -> None:
    invoice = subparsers.add_parser("invoice", help="invoice documents").add_subparsers(
        dest="invoice_command", metavar="ACTION", required=True)
    p = invoice.add_parser("pdf", help="write an invoice as PDF (the same every time)")
    p.add_argument("invoice_number")
    p.add_argument("out", help="PDF file to write")
    p.add_argument("--format", choices=FORMATS, default=None,
                   help="a4 tax invoice or a thermal receipt (default: the shop's paper size)")
    p.add_argument("--copy", choices=sorted(COPIES), default="original",
                   help="which copy to mark (GST Rule 48)")
    p.set_defaults(func=cmd_invoice_pdf)

    order = subparsers.add_parser("order", help="dealer purchase orders").add_subparsers(
        dest="order_command", metavar="ACTION", required=True)
    p = order.add_parser("pdf", help="write a purchase order as PDF")
    p.add_argument("order_number")
    p.add_argument("out", help="PDF file to write")
    p.set_defaults(func=cmd_order_pdf)


def _target(path: str) -> Path:
    out = Path(path)
    if not out.parent.exists():
        raise CommandError(f"{out.parent}: no such folder")
    return out


def render_invoice(svc: Any, invoice: dict[str, Any], paper: str | None = None,
                   copy: str | None = "original") -> bytes:
    """The invoice as PDF bytes in the shop's (or the given) paper size."""
    shop = svc.scope.shop()
    payments = svc.payments.for_invoice(invoice["_id"])
    return invoice_on(paper_of(shop, paper), invoice, shop, payments, copy=copy)


def cmd_invoice_pdf(args: argparse.Namespace) -> int:
    def body() -> int:
        out = _target(args.out)
        with opened_store(args) as store:
            svc = shop_services(store)
            invoice = svc.invoices.get(args.invoice_number)
            pdf = render_invoice(svc, invoice, args.format, args.copy)
        save_pdf(pdf, out)
        print(f"wrote {out}")
        return 0
    return run_command(body)


def cmd_order_pdf(args: argparse.Namespace) -> int:
    def body() -> int:
        out = _target(args.out)
        with opened_store(args) as store:
            svc = shop_services(store)
            detail = svc.dealers.order_detail(args.order_number)
            pdf = render_dealer_order(detail.order, detail.lines, detail.dealer,
                                      svc.scope.shop())
        save_pdf(pdf, out)
        print(f"wrote {out}")
        return 0
    return run_command(body)
