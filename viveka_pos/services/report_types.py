"""What the reports return: plain, read-only data.

Every amount is integer paise (``domain.money.Paise``); format with ``money.format_inr`` or
convert with ``money.to_decimal`` for display, CSV and JSON. Days are ``YYYY-MM-DD`` on the
shop's calendar; datetimes are naive UTC as stored. Rows are named tuples (a report can
have 100k of them, and they are several times cheaper to make than frozen dataclasses);
``row._asdict()`` gives a dict, and the fields' order is the natural column order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from bson import ObjectId

from ..domain.money import Paise
from .dealers import DealerDues


class StockRow(NamedTuple):
    """One item's stock; ``value`` is stock × selling price, in paise, rounded half-up."""

    item_id: ObjectId
    name: str
    code: str
    unit: str
    stock: Decimal
    low_stock_quantity: Decimal
    price: Paise
    value: Paise
    is_low: bool


class PendingInvoiceRow(NamedTuple):
    invoice_id: ObjectId
    invoice_number: str
    invoice_date: str
    due_date: str
    customer_name: str
    customer_phone: str
    total: Paise
    paid: Paise
    balance: Paise
    #: days past the due date (0 when not yet due)
    overdue_days: int


@dataclass(frozen=True)
class PendingReport:
    """Unpaid and part-paid invoices, oldest first."""

    rows: list[PendingInvoiceRow]
    total_balance: Paise

    @property
    def count(self) -> int:
        return len(self.rows)


class PaymentRow(NamedTuple):
    payment_id: ObjectId
    paid_at: datetime | None  # None: a payment stored without its time
    day: str
    invoice_number: str
    customer_name: str
    customer_phone: str
    method: str
    amount: Paise
    note: str


@dataclass(frozen=True)
class PaymentReport:
    """Payments received in a period (both days included), oldest first."""

    date_from: str
    date_to: str
    #: the one method asked for, or None for all
    method: str | None
    #: the first page of the payments (``ReportService.payment_rows`` reads on)
    rows: list[PaymentRow]
    #: how many payments the period holds
    count: int
    by_method: dict[str, Paise]
    total: Paise


class CustomerInvoiceRow(NamedTuple):
    """One bill of a customer: its total as billed, what came back (credit notes; all of
    a cancelled bill), the money received less what was paid back, and what is due."""

    invoice_id: ObjectId
    invoice_number: str
    invoice_date: str
    total: Paise
    returned: Paise
    paid: Paise
    balance: Paise
    is_finalized: bool
    is_cancelled: bool = False

    @property
    def net(self) -> Paise:
        """What the customer bought on this bill, returns taken off."""
        return self.total - self.returned


@dataclass(frozen=True)
class PurchaseHistoryReport:
    """One customer's bills, newest first, with what they bought (net of returns), paid
    (less money paid back) and still owe."""

    customer_id: ObjectId
    name: str
    phone: str
    rows: list[CustomerInvoiceRow]
    #: net of returns and cancellations
    purchased: Paise
    returned: Paise
    paid: Paise
    due: Paise
    last_purchase_at: datetime | None


class DayBookRow(NamedTuple):
    """One day: bills made, their value and tax, money received (any bill), credit given."""

    day: str
    bills: int
    sales: Paise
    tax: Paise
    collections: dict[str, Paise]
    dues_created: Paise

    @property
    def collected(self) -> Paise:
        return sum(self.collections.values())


@dataclass(frozen=True)
class DayBook:
    """Days of a period with a bill or a payment, in order, and the period's totals."""

    date_from: str
    date_to: str
    rows: list[DayBookRow]
    totals: DayBookRow


@dataclass(frozen=True)
class StockReport:
    #: the first page of the items by name (``ReportService.stock_rows`` reads on)
    rows: list[StockRow]
    #: how many active items there are
    items: int
    low_stock_items: int
    total_value: Paise


@dataclass(frozen=True)
class DealerDuesReport:
    rows: list[DealerDues]
    total_due: Paise
    total_advance: Paise


class GstRow(NamedTuple):
    """Taxable value and tax of one GST rate (``hsn_code`` '') or one HSN code at a rate.

    In the totals row ``gst_rate`` is None.
    """

    gst_rate: int | None
    hsn_code: str
    taxable: Paise
    cgst: Paise
    sgst: Paise
    igst: Paise

    @property
    def total_tax(self) -> Paise:
        return self.cgst + self.sgst + self.igst


@dataclass(frozen=True)
class GstSummary:
    """Outward supplies of a period by GST rate and by HSN code, from the invoices' tax
    summaries."""

    date_from: str
    date_to: str
    invoices: int
    by_rate: list[GstRow]
    by_hsn: list[GstRow]
    totals: GstRow


@dataclass(frozen=True)
class Dashboard:
    day: str
    bills_today: int
    sales_today: Paise
    collections_today: Paise
    pending_invoices: int
    pending_dues: Paise
    low_stock_items: int
    #: (day, sales) for the last 30 days up to today, oldest first, days without bills as 0
    sales_by_day: list[tuple[str, Paise]]
