"""Turn the report service's results into tables for the screen, the PDF and CSV.

The screen and the PDF show formatted text (₹ with Indian grouping); CSV gets plain numbers
(``1234.50``) so a spreadsheet can add them up. Each builder runs on a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from ..domain import validation as v
from ..domain.money import to_decimal
from ..printing.report_pdf import Column, ReportTable
from .facade import ShopServices
from .formatting import day, moment, money, quantity

METHODS = v.PAYMENT_METHODS
METHOD_TITLES = {"cash": "Cash", "upi": "UPI", "card": "Card", "bank": "Bank", "other": "Other"}


#: rows read at once when a paged report is written out whole
CHUNK_ROWS = 5000


@dataclass(frozen=True)
class ReportPages:
    """How a long report reads on past its first page: its row count, and its display
    and CSV rows from an offset (the report service's paged queries)."""

    count: int
    table_rows: Callable[[int, int], list[list[str]]]
    csv_rows: Callable[[int, int], list[list[str]]]


@dataclass
class BuiltReport:
    """A report's table (text as shown), CSV header and rows (plain numbers), totals and
    a summary line. A long report (``pages``) holds only its first page of rows; the
    ``all_*`` methods read the rest a chunk at a time."""

    table: ReportTable
    csv_header: list[str]
    csv_rows: list[list[str]]
    summary: str = ""
    csv_totals: list[str] | None = field(default=None)
    pages: ReportPages | None = field(default=None)

    @property
    def row_count(self) -> int:
        return self.pages.count if self.pages is not None else len(self.table.rows)

    def all_csv_rows(self) -> Iterator[list[str]]:
        if self.pages is None:
            return iter(self.csv_rows)
        return _chunks(self.pages.csv_rows)

    def all_table_rows(self) -> Iterator[list[str]]:
        if self.pages is None:
            return iter(self.table.rows)
        return _chunks(self.pages.table_rows)

    def whole_table(self) -> ReportTable:
        """The table with every row (a PDF prints them all)."""
        if self.pages is None:
            return self.table
        return replace(self.table, rows=list(self.all_table_rows()))


def _chunks(read: Callable[[int, int], list[list[str]]]) -> Iterator[list[str]]:
    offset = 0
    while True:
        rows = read(offset, CHUNK_ROWS)
        yield from rows
        if len(rows) < CHUNK_ROWS:
            return
        offset += len(rows)


@dataclass(frozen=True)
class ReportRequest:
    date_from: date | None = None
    date_to: date | None = None
    method: str = ""
    low_stock_first: bool = False
    #: a customer's phone: pending invoices of that customer only, or whose history
    customer: str = ""


@dataclass(frozen=True)
class ReportSpec:
    key: str
    title: str
    uses_period: bool
    build: Callable[[ShopServices, ReportRequest], BuiltReport]
    uses_method: bool = False
    uses_low_first: bool = False


def plain(paise: int) -> str:
    return f"{to_decimal(paise)}"


def _amounts(*titles: str) -> list[Column]:
    """Right-aligned money columns of the usual width."""
    return [Column(title, "right", 1.1) for title in titles]


#: a report's cells of one row: as shown (``csv`` False) or plain for CSV (``csv`` True)
Cells = Callable[[Any, bool], list[str]]


def _pages(count: int, page: Callable[[int, int], list[Any]], cells: Cells) -> ReportPages:
    """A paged report's rows past its first page, read ``page(offset, limit)`` at a time."""
    return ReportPages(
        count,
        lambda o, n: [cells(r, False) for r in page(o, n)],
        lambda o, n: [cells(r, True) for r in page(o, n)],
    )


def this_month(today: date) -> tuple[date, date]:
    """The period a report shows when none is chosen: this month up to today (the GUI's
    first choice and the CLI's default, so both answer the same question)."""
    return today.replace(day=1), today


def _period(request: ReportRequest) -> str:
    if request.date_from is None or request.date_to is None:
        return ""
    if request.date_from == request.date_to:
        return day(request.date_from)
    return f"{day(request.date_from)} – {day(request.date_to)}"


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


# ------------------------------------------------------------------------- day book
def day_book(services: ShopServices, request: ReportRequest) -> BuiltReport:
    book = services.reports.day_book(_iso(request.date_from), _iso(request.date_to))
    columns = [
        Column("Day", width=1.3),
        Column("Bills", "right", 0.6),
        Column("Sales", "right", 1.3),
        Column("GST", "right", 1.1),
    ]
    columns += [Column(METHOD_TITLES[m], "right", 1.1) for m in METHODS]
    columns += [Column("Collected", "right", 1.3), Column("Credit given", "right", 1.2)]

    def cells(row: Any, text: Callable[[int], str], first: str) -> list[str]:
        return [
            first,
            str(row.bills),
            text(row.sales),
            text(row.tax),
            *[text(row.collections.get(m, 0)) for m in METHODS],
            text(row.collected),
            text(row.dues_created),
        ]

    rows = [cells(r, money, day(r.day)) for r in book.rows]
    table = ReportTable(
        "Day book", _period(request), columns, rows, cells(book.totals, money, "Total")
    )
    header = ["day", "bills", "sales", "gst", *METHODS, "collected", "credit_given"]
    return BuiltReport(
        table,
        header,
        [cells(r, plain, r.day) for r in book.rows],
        f"{book.totals.bills} bill(s) · sales {money(book.totals.sales)} · "
        f"collected {money(book.totals.collected)}",
        cells(book.totals, plain, "total"),
    )


# ------------------------------------------------------------------------- payments
def payments(services: ShopServices, request: ReportRequest) -> BuiltReport:
    reports = services.reports
    period = (_iso(request.date_from), _iso(request.date_to), request.method or None)
    report = reports.payment_report(*period)
    zone = services.scope.settings().get("timeZone") or "Asia/Kolkata"
    columns = [
        Column("When", width=1.5),
        Column("Invoice", width=1.3),
        Column("Customer", width=1.6),
        Column("Phone", width=1.1),
        Column("Method", width=0.7),
        Column("Amount", "right", 1.1),
        Column("Note", width=1.4),
    ]

    def cells(r: Any, csv: bool) -> list[str]:
        if csv:
            when, method = (r.paid_at.isoformat() if r.paid_at else ""), r.method
        else:
            when, method = moment(r.paid_at, zone), METHOD_TITLES.get(r.method, r.method)
        text = plain if csv else money
        return [
            when,
            r.invoice_number,
            r.customer_name,
            r.customer_phone,
            method,
            text(r.amount),
            r.note,
        ]

    def page(offset: int, limit: int) -> list[Any]:
        return reports.payment_rows(*period, offset=offset, limit=limit)

    split = " · ".join(
        f"{METHOD_TITLES.get(m, m)} {money(a)}" for m, a in report.by_method.items() if a
    )
    title = "Payments received" + (
        f" — {METHOD_TITLES.get(report.method, '')}" if report.method else ""
    )
    table = ReportTable(
        title,
        _period(request),
        columns,
        [cells(r, False) for r in report.rows],
        ["Total", "", "", "", "", money(report.total), ""],
    )
    return BuiltReport(
        table,
        ["paid_at_utc", "invoice", "customer", "phone", "method", "amount", "note"],
        [cells(r, True) for r in report.rows],
        f"{report.count} payment(s) · {money(report.total)}" + (f" ({split})" if split else ""),
        pages=_pages(report.count, page, cells),
    )


# ------------------------------------------------------------------------- pending
def _who(row: Any) -> str:
    """The customer's name; a bill owed by nobody named (walk-in credit, which the app no
    longer allows, or a customer saved without a name) says so instead of a blank."""
    return row.customer_name or ("Walk-in (no customer)" if not row.customer_phone else "(no name)")


def pending(services: ShopServices, request: ReportRequest) -> BuiltReport:
    report = services.reports.pending_invoices(request.customer or None)
    columns = [
        Column("Invoice", width=1.3),
        Column("Date", width=1.0),
        Column("Due", width=1.0),
        Column("Customer", width=1.6),
        Column("Phone", width=1.1),
        *_amounts("Total", "Paid", "Balance"),
        Column("Days overdue", "right", 0.8),
    ]

    def cells(r: Any, csv: bool) -> list[str]:
        if csv:
            dates, who, overdue = [r.invoice_date, r.due_date], r.customer_name, str(r.overdue_days)
        else:
            dates, who = [day(r.invoice_date), day(r.due_date)], _who(r)
            overdue = str(r.overdue_days) if r.overdue_days else ""
        text = plain if csv else money
        amounts = [text(r.total), text(r.paid), text(r.balance)]
        return [r.invoice_number, *dates, who, r.customer_phone, *amounts, overdue]

    table = ReportTable(
        "Pending invoices (dues)",
        f"as of {day(services.scope.today())}",
        columns,
        [cells(r, False) for r in report.rows],
        ["Total", "", "", "", "", "", "", money(report.total_balance), ""],
    )
    csv_rows = [cells(r, True) for r in report.rows]
    return BuiltReport(
        table,
        [
            "invoice",
            "date",
            "due_date",
            "customer",
            "phone",
            "total",
            "paid",
            "balance",
            "overdue_days",
        ],
        csv_rows,
        f"{report.count} unpaid invoice(s) · {money(report.total_balance)} due",
    )


# ----------------------------------------------------------------------------- GST
def _gst(services: ShopServices, request: ReportRequest, by_hsn: bool) -> BuiltReport:
    summary = services.reports.gst_summary(_iso(request.date_from), _iso(request.date_to))
    lines = summary.by_hsn if by_hsn else summary.by_rate
    lead = [Column("HSN", width=1.2)] if by_hsn else []
    columns = [
        *lead,
        Column("GST rate", "right", 0.8),
        Column("Taxable value", "right", 1.3),
        *_amounts("CGST", "SGST", "IGST", "Total tax"),
    ]

    def cells(row: Any, text: Callable[[int], str]) -> list[str]:
        first = [row.hsn_code or "—"] if by_hsn else []
        rate = "" if row.gst_rate is None else f"{row.gst_rate}%"
        return [
            *first,
            rate,
            text(row.taxable),
            text(row.cgst),
            text(row.sgst),
            text(row.igst),
            text(row.total_tax),
        ]

    totals = cells(summary.totals, money)
    totals[0] = "Total"
    title = "GST summary by HSN" if by_hsn else "GST summary by rate"
    table = ReportTable(title, _period(request), columns, [cells(r, money) for r in lines], totals)
    header = [
        *(["hsn"] if by_hsn else []),
        "gst_rate",
        "taxable",
        "cgst",
        "sgst",
        "igst",
        "total_tax",
    ]
    return BuiltReport(
        table,
        header,
        [cells(r, plain) for r in lines],
        f"{summary.invoices} invoice(s) · taxable "
        f"{money(summary.totals.taxable)} · tax "
        f"{money(summary.totals.total_tax)}",
    )


def gst_by_rate(services: ShopServices, request: ReportRequest) -> BuiltReport:
    return _gst(services, request, by_hsn=False)


def gst_by_hsn(services: ShopServices, request: ReportRequest) -> BuiltReport:
    return _gst(services, request, by_hsn=True)


# --------------------------------------------------------------------------- stock
def stock(services: ShopServices, request: ReportRequest) -> BuiltReport:
    reports, low_first = services.reports, request.low_stock_first
    report = reports.stock_report(low_stock_first=low_first)
    columns = [
        Column("Item", width=2.6),
        Column("Code", width=1.1),
        Column("Unit", width=0.6),
        Column("Stock", "right", 0.8),
        Column("Low at", "right", 0.7),
        Column("Price", "right", 1.0),
        Column("Value", "right", 1.2),
        Column("", width=0.5),
    ]

    def cells(r: Any, csv: bool) -> list[str]:
        text = plain if csv else money
        low = ("yes" if r.is_low else "no") if csv else ("LOW" if r.is_low else "")
        counts = [quantity(r.stock), quantity(r.low_stock_quantity)]
        return [r.name, r.code, r.unit, *counts, text(r.price), text(r.value), low]

    def page(offset: int, limit: int) -> list[Any]:
        return reports.stock_rows(low_stock_first=low_first, offset=offset, limit=limit)

    table = ReportTable(
        "Stock",
        f"as of {day(services.scope.today())}",
        columns,
        [cells(r, False) for r in report.rows],
        ["Total", "", "", "", "", "", money(report.total_value), ""],
    )
    return BuiltReport(
        table,
        ["item", "code", "unit", "stock", "low_stock_quantity", "price", "value", "is_low"],
        [cells(r, True) for r in report.rows],
        f"{report.items} item(s) · {report.low_stock_items} low on stock · "
        f"value at selling price {money(report.total_value)}",
        pages=_pages(report.items, page, cells),
    )


# --------------------------------------------------------------------------- dealers
def dealer_dues(services: ShopServices, request: ReportRequest) -> BuiltReport:
    report = services.reports.dealer_dues()
    columns = [
        Column("Dealer", width=2.2),
        *_amounts("Billed", "Paid", "Owed", "Advance"),
        Column("Pending orders", "right", 0.8),
        Column("Delivered, no bill", "right", 0.9),
    ]

    def cells(r: Any, text: Callable[[int], str]) -> list[str]:
        amounts = [text(r.billed), text(r.paid), text(r.due), text(r.advance)]
        return [r.name, *amounts, str(r.pending_orders), str(r.unbilled_orders)]

    rows = [cells(r, money) for r in report.rows]
    table = ReportTable(
        "Dealer dues",
        f"as of {day(services.scope.today())}",
        columns,
        rows,
        ["Total", "", "", money(report.total_due), money(report.total_advance), "", ""],
    )
    csv_rows = [cells(r, plain) for r in report.rows]
    return BuiltReport(
        table,
        ["dealer", "billed", "paid", "owed", "advance", "pending_orders", "unbilled_orders"],
        csv_rows,
        f"{len(rows)} dealer(s) · owed {money(report.total_due)}",
    )


def _history_status(row: Any) -> str:
    if row.is_cancelled:
        return "Cancelled"
    return "Paid" if row.is_finalized else "Due"


def purchase_history(services: ShopServices, request: ReportRequest) -> BuiltReport:
    report = services.reports.purchase_history(request.customer)
    columns = [
        Column("Invoice", width=1.3),
        Column("Date", width=1.0),
        *_amounts("Billed", "Returned", "Net", "Paid", "Balance"),
        Column("Status", width=0.9),
    ]

    def cells(r: Any, csv: bool) -> list[str]:
        text = plain if csv else money
        if csv:
            when, returned, status = r.invoice_date, plain(r.returned), _history_status(r).lower()
        else:
            when, status = day(r.invoice_date), _history_status(r)
            returned = money(r.returned) if r.returned else "—"
        amounts = [text(r.total), returned, text(r.net), text(r.paid), text(r.balance)]
        return [r.invoice_number, when, *amounts, status]

    rows = [cells(r, False) for r in report.rows]
    who = " · ".join(part for part in (report.name, report.phone) if part)
    table = ReportTable(
        "Purchase history",
        who,
        columns,
        rows,
        [
            "Total",
            "",
            money(report.purchased + report.returned),
            money(report.returned),
            money(report.purchased),
            money(report.paid),
            money(report.due),
            "",
        ],
    )
    csv_rows = [cells(r, True) for r in report.rows]
    return BuiltReport(
        table,
        ["invoice", "date", "total", "returned", "net", "paid", "balance", "status"],
        csv_rows,
        f"{len(rows)} bill(s) · bought {money(report.purchased)} net of "
        f"returns · {money(report.due)} due",
    )


REPORTS: tuple[ReportSpec, ...] = (
    ReportSpec("daybook", "Day book", True, day_book),
    ReportSpec("payments", "Payments received", True, payments, uses_method=True),
    ReportSpec("pending", "Pending invoices", False, pending),
    ReportSpec("gst_rate", "GST by rate", True, gst_by_rate),
    ReportSpec("gst_hsn", "GST by HSN", True, gst_by_hsn),
    ReportSpec("stock", "Stock", False, stock, uses_low_first=True),
    ReportSpec("dealers", "Dealer dues", False, dealer_dues),
)
