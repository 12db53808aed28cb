"""``viveka-pos report NAME``: every report as a table, CSV, JSON or PDF.

JSON output is stable: ``{"report", "title", "subtitle", "columns", "rows", "totals"}``
where each row maps the CSV column names to values; amounts are numbers in rupees.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from itertools import chain, islice
from pathlib import Path
from typing import Any

from ..domain import validation as v
from ..printing.printer import save_pdf
from ..printing.report_pdf import render_report
from ..services.csv_io import write_csv
from ..services.report_tables import (
    BuiltReport,
    ReportRequest,
    day_book,
    dealer_dues,
    gst_by_hsn,
    gst_by_rate,
    payments,
    pending,
    purchase_history,
    stock,
    this_month,
)
from .common import CommandError, opened_store, run_command
from .core import shop_services
from .returns import gstr1_export

BUILDERS = {
    "pending": pending,
    "payments": payments,
    "history": purchase_history,
    "daybook": day_book,
    "stock": stock,
    "dealer-dues": dealer_dues,
    "gst": gst_by_rate,
    "gst-hsn": gst_by_hsn,
}


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("report", help="print a report (table, CSV, JSON or PDF)")
    p.add_argument("name", choices=sorted([*BUILDERS, "gstr1"]))
    p.add_argument("--month", default="", metavar="YYYY-MM", help="gstr1: the return's month")
    p.add_argument("--from", dest="date_from", default=None, metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", default=None, metavar="YYYY-MM-DD")
    p.add_argument(
        "--customer",
        default="",
        metavar="PHONE",
        help="history: whose; pending: only this customer's invoices",
    )
    p.add_argument("--method", default="", help="payments: one method only")
    p.add_argument("--low-first", action="store_true", help="stock: low stock first")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--csv", metavar="FILE", help="write CSV to FILE (gstr1: a folder)")
    out.add_argument(
        "--json",
        nargs="?",
        const=True,
        default=False,
        metavar="FILE",
        help="print JSON (gstr1: or write the portal's JSON to FILE)",
    )
    out.add_argument("--pdf", metavar="FILE", help="write a PDF to FILE")
    p.set_defaults(func=cmd_report)


#: reports over a period of days (the others show things as they stand now)
PERIOD_REPORTS = frozenset({"payments", "daybook", "gst", "gst-hsn"})


def _request(args: argparse.Namespace, today: date) -> ReportRequest:
    """What to report. ``today`` is the shop's date: with neither --from nor --to a period
    report covers this month so far, as the app's Reports screen does; with one of them,
    that single day."""
    date_from = v.parse_date(args.date_from, "from") if args.date_from else None
    date_to = v.parse_date(args.date_to, "to") if args.date_to else None
    if args.name == "history" and not args.customer:
        raise CommandError("report history needs --customer PHONE (whose purchases)")
    if args.name in PERIOD_REPORTS and date_from is None and date_to is None:
        date_from, date_to = this_month(today)
    if (date_from is None) != (date_to is None):
        date_from, date_to = date_from or date_to, date_to or date_from
    return ReportRequest(
        date_from=date_from,
        date_to=date_to,
        method=v.payment_method(args.method) if args.method else "",
        low_stock_first=args.low_first,
        customer=args.customer,
    )


#: rows turned into JSON text at once
JSON_CHUNK = 1000

_AMOUNT = re.compile(r"-?\d+\.\d{2}")
_COUNT = re.compile(r"-?\d{1,6}")


def _number_or_text(value: str) -> Any:
    """CSV cell -> JSON value: amounts (``1234.50``) and small counts become numbers;
    phones, codes and everything else stay text."""
    if _AMOUNT.fullmatch(value):
        return float(Decimal(value))
    if _COUNT.fullmatch(value):
        return int(value)
    return value


def report_json(name: str, built: BuiltReport) -> dict[str, Any]:
    """The report as one JSON object, every row in it."""
    document = _json_head(name, built)
    document["rows"] = list(_json_rows(built))
    return document


def _json_head(name: str, built: BuiltReport) -> dict[str, Any]:
    return {
        "report": name,
        "title": built.table.title,
        "subtitle": built.table.subtitle,
        "columns": built.csv_header,
        "rows": [],
        "totals": [_number_or_text(c) for c in built.csv_totals] if built.csv_totals else None,
    }


def _json_rows(built: BuiltReport) -> Iterator[dict[str, Any]]:
    for row in built.all_csv_rows():
        yield dict(zip(built.csv_header, (_number_or_text(c) for c in row), strict=True))


def print_report_json(name: str, built: BuiltReport) -> int:
    """Print :func:`report_json`'s text (as ``print_json`` would) a chunk of rows at a
    time: a report of 100k rows never holds them all. Returns the rows printed."""
    head = json.dumps(
        _json_head(name, built), ensure_ascii=False, indent=2, sort_keys=True, default=str
    )
    before, after = head.split('\n  "rows": [],\n', 1)
    out = sys.stdout
    out.write(before + '\n  "rows": [')
    printed = 0
    rows = _json_rows(built)
    while chunk := list(islice(rows, JSON_CHUNK)):
        text = json.dumps(chunk, ensure_ascii=False, indent=2, sort_keys=True, default=str)
        # the chunk's rows, one level deeper: inside "rows" of the document
        out.write(("," if printed else "") + "\n    " + text[4:-2].replace("\n", "\n  "))
        printed += len(chunk)
    out.write(("\n  ]" if printed else "]") + ",\n" + after + "\n")
    return printed


def _print_table(built: BuiltReport) -> None:
    table = built.whole_table()
    header = [c.name for c in table.columns]
    lines = [header, *table.rows, *([table.totals] if table.totals else [])]
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(header))]
    aligns = [c.align for c in table.columns]
    print(f"{table.title}  {table.subtitle}".rstrip())
    for number, line in enumerate(lines):
        cells = [
            str(cell).rjust(w) if a == "right" else str(cell).ljust(w)
            for cell, w, a in zip(line, widths, aligns, strict=True)
        ]
        print("  ".join(cells).rstrip())
        if number == 0 or (table.totals and number == len(lines) - 2):
            print("  ".join("-" * w for w in widths))
    if built.summary:
        print(built.summary)


def cmd_report(args: argparse.Namespace) -> int:
    if args.name == "gstr1":
        return gstr1_export(args)

    def body() -> int:
        _request(args, date.today())  # bad options are refused before the data is opened
        with opened_store(args, read_only=True) as store:
            svc = shop_services(store)
            request = _request(args, svc.scope.today())
            built = BUILDERS[args.name](svc, request)
            # a long report reads its rows on from the store as it is written out
            if args.json:
                print_report_json(args.name, built)
            elif args.csv:
                written = 0

                def counted() -> Iterator[list[str]]:
                    nonlocal written
                    for row in built.all_csv_rows():
                        written += 1
                        yield row

                rows = chain(counted(), [built.csv_totals] if built.csv_totals else [])
                write_csv(args.csv, built.csv_header, rows, example=f"{args.name}.csv")
                print(f"wrote {written} rows to {args.csv}", file=sys.stderr)
            elif args.pdf:
                shop = svc.shop.document_for_print()
                save_pdf(render_report(built.whole_table(), shop), Path(args.pdf))
                print(f"wrote {args.pdf}", file=sys.stderr)
            else:
                _print_table(built)
        return 0

    return run_command(body)
