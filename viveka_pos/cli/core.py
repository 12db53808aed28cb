"""Headless shop commands: demo, items, customers, bills, payments, import/export,
backup/restore and the tamper check."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..config import resolve_data_dir
from ..domain.entities.invoice import Invoice
from ..domain.errors import ValidationError
from ..domain.money import format_inr, to_rupees
from ..files import destination
from ..services.backups import restore_data_dir
from ..services.context import ServiceContext
from ..services.convert import stored_quantity, stored_rate
from ..services.csv_io import export_items, import_items
from ..services.demo import create_demo_shop, log_in_demo
from ..services.facade import ShopServices
from ..services.otp import MOCK_OTP
from ..services.shop import ShopService
from ..store import Store
from .common import (
    NO_SHOP,
    CommandError,
    context_for,
    link_note,
    opened_store,
    print_json,
    run_command,
)


def shop_services(store: Store, ctx: ServiceContext | None = None) -> ShopServices:
    ctx = ctx or context_for(store)
    shop = ShopService(ctx).local_shop()
    if shop is None:
        raise CommandError(NO_SHOP)
    return ShopServices(ctx, shop.id)


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("demo", help="create a demo shop with sample data")
    p.add_argument("--empty", action="store_true", help="create the shop only, no data")
    p.set_defaults(func=cmd_demo)

    item = subparsers.add_parser("item", help="manage items").add_subparsers(
        dest="item_command", metavar="ACTION", required=True
    )
    p = item.add_parser("add", help="add an item")
    p.add_argument("--name", required=True)
    p.add_argument("--price", required=True, help="unit price in rupees, e.g. 250.50")
    p.add_argument("--code", default="", help="shop code or barcode (unique)")
    p.add_argument("--stock", default="0")
    p.add_argument("--unit", default="nos", help="nos, pcs, kg, litre or meter")
    p.add_argument(
        "--gst",
        default=None,
        help="GST rate in %%: 0, 0.1, 0.25, 1.5, 3, 5, 6, 7.5, 12, 18, 28 or 40",
    )
    p.add_argument("--hsn", default="")
    p.add_argument("--group", default="", help="item group name (created if new)")
    p.set_defaults(func=cmd_item_add)

    customer = subparsers.add_parser("customer", help="manage customers").add_subparsers(
        dest="customer_command", metavar="ACTION", required=True
    )
    p = customer.add_parser("add", help="add a customer")
    p.add_argument("--phone", required=True)
    p.add_argument("--name", default="")
    p.add_argument("--state", default="", help="state name or GST state code")
    p.add_argument("--gstin", default="")
    p.add_argument("--address", default="")
    p.add_argument("--email", default="")
    p.set_defaults(func=cmd_customer_add)

    p = subparsers.add_parser("bill", help="make a bill and print its invoice number")
    p.add_argument("--customer", default=None, help="customer phone (omit for walk-in)")
    p.add_argument(
        "--item",
        action="append",
        required=True,
        metavar="CODE=QTY",
        help="item code and quantity; repeat for more lines",
    )
    p.add_argument("--discount", default="0", help="bill discount in rupees")
    p.add_argument(
        "--pay",
        default=None,
        help="amount paid now in rupees (default: the whole bill); less than the "
        "total is a credit sale, which needs --customer",
    )
    p.add_argument("--method", default="cash", help="cash, card, upi, bank or other")
    p.add_argument("--note", default="", help="invoice notes")
    p.add_argument("--json", action="store_true", help="print the invoice as JSON")
    p.set_defaults(func=cmd_bill)

    p = subparsers.add_parser("pay", help="record a payment against an invoice")
    p.add_argument("invoice_number")
    p.add_argument("amount")
    p.add_argument("--method", default="cash")
    p.add_argument("--note", default="")
    p.set_defaults(func=cmd_pay)

    p = subparsers.add_parser("import-items", help="import items from a CSV file")
    p.add_argument("file")
    p.set_defaults(func=cmd_import)
    p = subparsers.add_parser("export-items", help="export items to a CSV file")
    p.add_argument("file")
    p.add_argument("--all", action="store_true", help="include inactive items")
    p.set_defaults(func=cmd_export)

    p = subparsers.add_parser("backup", help="write a verified backup into an empty folder")
    p.add_argument("dir")
    p.set_defaults(func=cmd_backup)
    p = subparsers.add_parser("restore", help="replace this computer's data with a backup")
    p.add_argument("dir")
    p.add_argument(
        "--other-shop",
        action="store_true",
        help="allow restoring a backup of a different shop over this one",
    )
    p.set_defaults(func=cmd_restore)
    p = subparsers.add_parser("verify", help="check every invoice against its hash chain")
    p.set_defaults(func=cmd_verify)


def cmd_demo(args: argparse.Namespace) -> int:
    def body() -> int:
        with opened_store(args) as store:
            ctx = context_for(store)
            shop = create_demo_shop(ctx, empty=args.empty)
            session = log_in_demo(ctx, shop)
            print(shop.phone_number)
        if session is None:
            print(
                "not logged in: SMS mode is set, log in with viveka-pos login --phone "
                f"{shop.phone_number}",
                file=sys.stderr,
            )
        else:
            print(
                f"logged in as {shop.shop_name} (demo OTP {MOCK_OTP}); valid until "
                f"{session.expires_at:%Y-%m-%d} (UTC)",
                file=sys.stderr,
            )
        return 0

    return run_command(body)


def cmd_item_add(args: argparse.Namespace) -> int:
    def body() -> int:
        with opened_store(args) as store:
            svc = shop_services(store)
            item = svc.catalog.create_item(
                name=args.name,
                price=args.price,
                code=args.code,
                stock=args.stock,
                unit=args.unit,
                gst_rate=args.gst,
                hsn_code=args.hsn,
                group_name=args.group,
            )
            print(f"added {item.name} ({item.code or item.id})")
        return 0

    return run_command(body)


def cmd_customer_add(args: argparse.Namespace) -> int:
    def body() -> int:
        with opened_store(args) as store:
            svc = shop_services(store)
            customer = svc.customers.create(
                args.phone,
                name=args.name,
                address=args.address,
                email=args.email,
                gst_no=args.gstin,
                state_code=args.state,
            )
            print(f"added customer {customer.phone_number} {customer.name}".rstrip())
        return 0

    return run_command(body)


def _parse_line(text: str) -> tuple[str, str]:
    code, sep, qty = text.partition("=")
    if not sep or not code.strip() or not qty.strip():
        raise CommandError(f"--item {text!r}: write it as CODE=QUANTITY, e.g. 8901001=2")
    return code.strip(), qty.strip()


def invoice_json(invoice: Invoice) -> dict[str, Any]:
    """The stable JSON shape of an invoice (amounts in rupees as numbers)."""
    return {
        "invoiceNumber": invoice.number,
        "invoiceDate": invoice.invoice_date,
        "dueDate": invoice.due_date,
        "customerPhone": invoice.customer_phone,
        "customerName": invoice.customer_name,
        "subtotal": to_rupees(invoice.subtotal),
        "totalDiscount": to_rupees(invoice.total_discount),
        "totalTax": to_rupees(invoice.total_tax),
        "totalAmount": to_rupees(invoice.total_amount),
        "paidAmount": to_rupees(invoice.paid_amount),
        "balance": to_rupees(invoice.balance),
        # The spec's isFinalized means "paid in full"; "status" says it in words.
        "isFinalized": invoice.is_finalized,
        "status": payment_status(invoice),
        "supplyType": invoice.supply_type,
        "lines": [
            {
                "code": line.code,
                "name": line.name,
                "quantity": stored_quantity(line.quantity),
                "rate": to_rupees(line.unit_price),
                "taxableValue": to_rupees(line.taxable),
                "gstRate": stored_rate(line.gst_rate),
                "lineTotal": to_rupees(line.line_total),
            }
            for line in invoice.lines
        ],
    }


def payment_status(invoice: Invoice) -> str:
    """``paid``, ``part-paid`` or ``credit`` (nothing paid yet)."""
    if invoice.balance <= 0:
        return "paid"
    return "part-paid" if invoice.paid_amount > 0 else "credit"


def cmd_bill(args: argparse.Namespace) -> int:
    def body() -> int:
        lines = [_parse_line(text) for text in args.item]
        # One unit of work: a refused bill leaves no trace, not even its cart.
        with opened_store(args) as store, store.unit_of_work():
            svc = shop_services(store)
            cart = svc.carts.create(customer=args.customer)
            try:
                for code, qty in lines:
                    svc.carts.add_item(cart.cart_id, code, qty)
                if args.discount not in ("", "0"):
                    svc.carts.set_bill_discount(cart.cart_id, args.discount)
                invoice = svc.invoices.generate(
                    cart.cart_id, paid_amount=args.pay, method=args.method, notes=args.note
                )
            except ValidationError as exc:
                svc.carts.discard(cart.cart_id)
                if exc.field == "paidAmount" and args.customer is None and args.pay:
                    raise ValidationError("pay", f"{exc.message} (--customer PHONE)") from None
                raise
            except BaseException:
                svc.carts.discard(cart.cart_id)
                raise
            if args.json:
                print_json(invoice_json(invoice))
            else:
                print(invoice.number)
                if payment_status(invoice) != "paid":
                    print(
                        f"due {format_inr(invoice.balance)} from "
                        f"{invoice.customer_name or invoice.customer_phone}",
                        file=sys.stderr,
                    )
        return 0

    return run_command(body)


def cmd_pay(args: argparse.Namespace) -> int:
    def body() -> int:
        with opened_store(args) as store:
            svc = shop_services(store)
            invoice = svc.payments.record(
                args.invoice_number, args.amount, method=args.method, note=args.note
            )
            balance = invoice.balance
            state = "paid in full" if invoice.is_finalized else f"balance {format_inr(balance)}"
            print(f"{invoice.number}: {state}")
        return 0

    return run_command(body)


def cmd_import(args: argparse.Namespace) -> int:
    def body() -> int:
        path = Path(args.file)
        if path.is_dir():
            raise CommandError(f"{path} is a folder: give the CSV file to import")
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        with opened_store(args) as store:
            report = import_items(shop_services(store).scope, path)
        if not report.ok:
            for row in report.rejected:
                print(f"rejected {row}", file=sys.stderr)
            raise CommandError(f"{len(report.rejected)} row(s) rejected; nothing was imported")
        print(f"imported: {report.created} new, {report.updated} updated")
        return 0

    return run_command(body)


def cmd_export(args: argparse.Namespace) -> int:
    def body() -> int:
        final = destination(args.file, example="items.csv")  # a bad path: said first
        with opened_store(args, read_only=True) as store:
            count = export_items(shop_services(store).scope, args.file, include_inactive=args.all)
        print(f"exported {count} items to {args.file}{link_note(args.file, final)}")
        return 0

    return run_command(body)


def cmd_backup(args: argparse.Namespace) -> int:
    def body() -> int:
        if not args.dir.strip():
            raise CommandError("backup: name a new or empty folder for the backup")
        with opened_store(args, read_only=True) as store:
            manifest = store.backup(args.dir)
        print(f"backup written to {args.dir}: {manifest.total_documents} documents, verified")
        return 0

    return run_command(body)


def cmd_restore(args: argparse.Namespace) -> int:
    def body() -> int:
        if not args.dir.strip():
            raise CommandError("restore: name the backup folder to restore")
        done = restore_data_dir(
            resolve_data_dir(args.data_dir), args.dir, allow_other_shop=args.other_shop
        )
        restored = done.backup
        print(
            f"restored backup of {restored.created_at:%Y-%m-%d %H:%M} UTC "
            f"({restored.shop_name}): {restored.total} documents"
        )
        if done.damaged and done.kept_in is not None:
            print(f"the damaged data was kept as it was in {done.kept_in}")
        elif done.kept_in is not None:
            print(f"a safety copy of the data it replaced is in {done.kept_in}")
        return 0

    return run_command(body)


def cmd_verify(args: argparse.Namespace) -> int:
    def body() -> int:
        with opened_store(args, read_only=True) as store:
            svc = shop_services(store)
            # Reading every invoice proves none was changed (and fails on a damaged page of
            # them); `doctor` checks the whole data file, the tables derived from them too.
            problems = svc.invoices.verify() + svc.returns.verify()
            # the chain table holds one row per invoice (the check above confirms it):
            # counting it does not walk the invoices again
            count, notes = store.chains.invoice_count(), store.count("creditnotes")
        if problems:
            for problem in problems:
                print(problem)
            raise CommandError(
                f"{len(problems)} problem(s) found in {count} invoices and {notes} credit notes"
            )
        print(
            f"all {count} invoices intact"
            + (f"; all {notes} credit notes intact" if notes else "")
            + " (for a check of the whole data file: viveka-pos doctor)"
        )
        return 0

    return run_command(body)
