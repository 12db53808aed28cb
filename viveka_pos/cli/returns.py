"""``viveka-pos return`` (a credit note for goods taken back), ``cancel`` (a bill of today)
and the GSTR-1 export behind ``report gstr1``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..domain.money import format_inr
from ..files import write_file
from ..printing.paper import credit_note_on, paper_of
from ..services.convert import paise_of
from ..services.gstr1 import portal_json
from ..services.gstr1_sheets import write_csv
from .common import CommandError, link_note, opened_store, print_json, run_command
from .core import _parse_line, shop_services
from .documents import add_pdf_options, pdf_command


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "return",
        help="take goods back on an invoice: makes a credit note",
        description="Take goods back on an invoice. The credit note is first set against "
        "what is still due on the invoice; the rest is paid out (--refund to "
        "choose how much is paid out).",
    )
    p.add_argument("invoice", help="invoice number, e.g. A/2627/00042")
    p.add_argument(
        "--item",
        action="append",
        required=True,
        metavar="CODE=QTY",
        help="item code and quantity taken back; repeat for more lines",
    )
    p.add_argument(
        "--refund",
        default=None,
        metavar="AMOUNT",
        help="rupees paid out to the customer (default: what the dues do not take)",
    )
    p.add_argument("--method", default="cash", help="how the refund is paid: cash, upi, ...")
    p.add_argument("--reason", default="", help="why the goods came back")
    p.add_argument("--json", action="store_true", help="print the credit note as JSON")
    p.set_defaults(func=cmd_return)

    p = subparsers.add_parser(
        "cancel", help="cancel a bill made today (its number stays, marked cancelled)"
    )
    p.add_argument("invoice", help="invoice number")
    p.add_argument("--reason", required=True, help="why the bill is cancelled")
    p.add_argument(
        "--refund",
        action="store_true",
        help="give back everything paid on it (needed when it was paid)",
    )
    p.add_argument("--method", default="cash", help="how the refund is paid")
    p.set_defaults(func=cmd_cancel)

    note = subparsers.add_parser("creditnote", help="credit note documents").add_subparsers(
        dest="creditnote_command", metavar="ACTION", required=True
    )
    p = note.add_parser("pdf", help="write a credit note as PDF")
    p.add_argument("number", help="credit note number, e.g. CN-A/2627/00001")
    add_pdf_options(p, "a4 or a thermal roll")
    p.set_defaults(func=cmd_credit_note_pdf)


def credit_note_json(note: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "creditNoteNumber",
        "creditNoteDate",
        "invoiceNumber",
        "invoiceDate",
        "clientCustomerName",
        "reason",
        "totalTaxable",
        "totalCgst",
        "totalSgst",
        "totalIgst",
        "totalTax",
        "totalAmount",
        "refundAmount",
        "refundMethod",
        "adjustedAmount",
        "taxSummary",
    )
    lines = [
        {
            key: line.get(key)
            for key in (
                "itemCode",
                "itemName",
                "quantity",
                "gstRate",
                "taxableValue",
                "cgst",
                "sgst",
                "igst",
                "lineTotal",
            )
        }
        for line in note.get("products") or []
    ]
    return {**{key: note.get(key) for key in keys}, "products": lines}


def cmd_return(args: argparse.Namespace) -> int:
    def body() -> int:
        wanted = dict(_parse_line(text) for text in args.item)
        with opened_store(args) as store:
            returns = shop_services(store).returns
            lines = returns.lines_by_code(args.invoice, wanted)
            note = returns.create(
                args.invoice, lines, refund=args.refund, method=args.method, reason=args.reason
            )
        if args.json:
            print_json(credit_note_json(note))
            return 0
        refund = paise_of(note["refundAmount"])
        print(
            f"{note['creditNoteNumber']}: {format_inr(paise_of(note['totalAmount']))} "
            f"on {note['invoiceNumber']}"
            + (f", refund {format_inr(refund)} by {note['refundMethod']}" if refund else "")
            + (
                f", {format_inr(paise_of(note['adjustedAmount']))} set against dues"
                if paise_of(note["adjustedAmount"])
                else ""
            )
        )
        return 0

    return run_command(body)


def cmd_cancel(args: argparse.Namespace) -> int:
    def body() -> int:
        with opened_store(args) as store:
            invoice = shop_services(store).returns.cancel(
                args.invoice, reason=args.reason, refund=args.refund, refund_method=args.method
            )
        refund = paise_of(invoice.get("cancelRefund"))
        print(
            f"{invoice['invoiceNumber']}: cancelled"
            + (
                f", refund {format_inr(refund)} by {invoice['cancelRefundMethod']}"
                if refund
                else ""
            )
        )
        return 0

    return run_command(body)


def cmd_credit_note_pdf(args: argparse.Namespace) -> int:
    def render(svc: Any) -> bytes:
        shop = svc.shop.document_for_print()
        return credit_note_on(
            paper_of(shop, args.format), svc.returns.get(args.number), shop, copy=args.copy
        )

    return pdf_command(args, args.number, render)


def gstr1_export(args: argparse.Namespace) -> int:
    """``report gstr1 --month YYYY-MM [--json [FILE] | --csv DIR]``."""

    def body() -> int:
        if not args.month:
            raise CommandError("report gstr1 needs --month YYYY-MM")
        if args.pdf:
            raise CommandError("report gstr1 writes --json FILE or --csv DIR, not a PDF")
        with opened_store(args, read_only=True) as store:
            report = shop_services(store).gstr1.build(args.month)
        data = portal_json(report)
        if args.csv:
            files = write_csv(report, Path(args.csv))
            print(f"wrote {len(files)} sheets to {args.csv}", file=sys.stderr)
        elif isinstance(args.json, str):
            text = json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
            written = write_file(args.json, text, example=f"gstr1-{args.month}.json")
            print(f"wrote {args.json}{link_note(args.json, written)}", file=sys.stderr)
        else:
            print_json(data)
        return 0

    return run_command(body)
