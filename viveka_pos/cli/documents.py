"""PDF commands: an invoice (A4 or thermal roll) and a dealer purchase order."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from ..files import destination
from ..printing.dealer_order import render_dealer_order
from ..printing.invoice_view import COPIES
from ..printing.paper import PAPERS, invoice_on, paper_of
from ..printing.printer import save_pdf
from .common import link_note, opened_store, run_command
from .core import shop_services

FORMATS = PAPERS


def register(subparsers: Any) -> None:
    invoice = subparsers.add_parser("invoice", help="invoice documents").add_subparsers(
        dest="invoice_command", metavar="ACTION", required=True
    )
    p = invoice.add_parser("pdf", help="write an invoice as PDF (the same every time)")
    p.add_argument("invoice_number")
    add_pdf_options(p, "a4 tax invoice or a thermal receipt")
    p.set_defaults(func=cmd_invoice_pdf)

    order = subparsers.add_parser("order", help="dealer purchase orders").add_subparsers(
        dest="order_command", metavar="ACTION", required=True
    )
    p = order.add_parser("pdf", help="write a purchase order as PDF")
    p.add_argument("order_number")
    p.add_argument("out", help="PDF file to write")
    p.set_defaults(func=cmd_order_pdf)


def add_pdf_options(p: argparse.ArgumentParser, formats: str) -> None:
    """The output file, paper (``formats`` says which) and copy of a tax document's PDF."""
    p.add_argument("out", help="PDF file to write")
    p.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help=f"{formats} (default: the shop's paper size)",
    )
    p.add_argument(
        "--copy",
        choices=sorted(COPIES),
        default="original",
        help="which copy to mark (GST Rule 48)",
    )


def _file_name(number: str) -> str:
    """A file name for a document number (``A1/2526/00042`` -> ``A1-2526-00042.pdf``)."""
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in number) + ".pdf"


def render_invoice(
    svc: Any, number: str, paper: str | None = None, copy: str | None = "original"
) -> bytes:
    """The invoice of ``number`` as PDF bytes in the shop's (or the given) paper size."""
    shop = svc.shop.document_for_print()
    invoice = svc.invoices.document(number)
    payments = svc.payments.documents_for_invoice(number)
    return invoice_on(paper_of(shop, paper), invoice, shop, payments, copy=copy)


def pdf_command(args: argparse.Namespace, number: str, render: Callable[[Any], bytes]) -> int:
    """``… pdf NUMBER OUT``: check the path first (before any work), render the document
    from a read-only store (``render(services)``), write it whole, say where it went."""

    def body() -> int:
        example = _file_name(number)
        destination(args.out, example=example)  # a bad path is said before any work is done
        with opened_store(args, read_only=True) as store:
            pdf = render(shop_services(store))
        written = save_pdf(pdf, args.out, example=example)
        print(f"wrote {args.out}{link_note(args.out, written)}")
        return 0

    return run_command(body)


def cmd_invoice_pdf(args: argparse.Namespace) -> int:
    return pdf_command(
        args,
        args.invoice_number,
        lambda svc: render_invoice(svc, args.invoice_number, args.format, args.copy),
    )


def cmd_order_pdf(args: argparse.Namespace) -> int:
    def render(svc: Any) -> bytes:
        detail = svc.dealers.order_for_print(args.order_number)
        shop = svc.shop.document_for_print()
        return render_dealer_order(detail.order, detail.lines, detail.dealer, shop)

    return pdf_command(args, args.order_number, render)
