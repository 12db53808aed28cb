"""``viveka-pos return`` (a credit note for goods taken back), ``cancel`` (a bill of today)
and the GSTR-1 export behind ``report gstr1``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..domain.entities.credit_note import CreditNote
from ..domain.money import format_inr, to_rupees
from ..files import write_file
from ..printing.paper import credit_note_on, paper_of
from ..services.convert import stored_quantity, stored_rate
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


def credit_note_json(note: CreditNote) -> dict[str, Any]:
    """The stable JSON shape of a credit note (amounts in rupees as numbers)."""
    return {
        "creditNoteNumber": note.number,
        "creditNoteDate": note.note_date,
        "invoiceNumber": note.invoice_number,
        "invoiceDate": note.invoice_date,
        "clientCustomerName": note.customer_name,
        "reason": note.reason,
        "totalTaxable": to_rupees(note.total_taxable),
        "totalCgst": to_rupees(note.total_cgst),
        "totalSgst": to_rupees(note.total_sgst),
        "totalIgst": to_rupees(note.total_igst),
        "totalTax": to_rupees(note.total_tax),
        "totalAmount": to_rupees(note.total_amount),
        "refundAmount": to_rupees(note.refund_amount),
        "refundMethod": note.refund_method,
        "adjustedAmount": to_rupees(note.adjusted_amount),
        "taxSummary": [
            {
                "hsnCode": row.hsn_code,
                "gstRate": stored_rate(row.gst_rate),
                "taxableValue": to_rupees(row.taxable),
                "cgst": to_rupees(row.cgst),
                "sgst": to_rupees(row.sgst),
                "igst": to_rupees(row.igst),
            }
            for row in note.tax_summary
        ],
        "products": [
            {
                "itemCode": line.code,
                "itemName": line.name,
                "quantity": stored_quantity(line.quantity),
                "gstRate": stored_rate(line.gst_rate),
                "taxableValue": to_rupees(line.taxable),
                "cgst": to_rupees(line.cgst),
                "sgst": to_rupees(line.sgst),
                "igst": to_rupees(line.igst),
                "lineTotal": to_rupees(line.line_total),
            }
            for line in note.lines
        ],
    }


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
        refund = note.refund_amount
        print(
            f"{note.number}: {format_inr(note.total_amount)} on {note.invoice_number}"
            + (f", refund {format_inr(refund)} by {note.refund_method}" if refund else "")
            + (
                f", {format_inr(note.adjusted_amount)} set against dues"
                if note.adjusted_amount
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
        refund = invoice.cancel_refund
        print(
            f"{invoice.number}: cancelled"
            + (f", refund {format_inr(refund)} by {invoice.cancel_refund_method}" if refund else "")
        )
        return 0

    return run_command(body)


def cmd_credit_note_pdf(args: argparse.Namespace) -> int:
    def render(svc: Any) -> bytes:
        shop = svc.shop.document_for_print()
        return credit_note_on(
            paper_of(shop, args.format), svc.returns.document(args.number), shop, copy=args.copy
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
