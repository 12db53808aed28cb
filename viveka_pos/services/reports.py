"""The shop's reports: pending bills, payments, customer history, day book, stock, dealer
dues, GST summary and the dashboard.

Period reports read the store's ledger tables (``store.ledger``: rows per invoice, payment,
GST line and item, written in the same unit of work as the documents), so a report costs
what its period holds, not what the whole store holds, and its first call what its tenth.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from bson import ObjectId

from ..domain import validation as v
from ..domain.errors import ValidationError
from ..domain.money import Paise
from ..store.ledger import LedgerQueries, amount_paise, moment_of
from ..store.values import key_to_id
from .context import ShopScope
from .customers import CustomerService
from .dealers import DealerService
from .report_types import (
    CustomerInvoiceRow,
    Dashboard,
    DayBook,
    DayBookRow,
    DealerDuesReport,
    GstRow,
    GstSummary,
    PaymentReport,
    PaymentRow,
    PendingInvoiceRow,
    PendingReport,
    PurchaseHistoryReport,
    StockReport,
    StockRow,
)

DASHBOARD_DAYS = 30
#: rows of a long report read at once: what a screen shows before it is scrolled
PAGE_ROWS = 500


class ReportService:
    def __init__(self, scope: ShopScope):
        self.scope = scope

    # --------------------------------------------------------------- plumbing
    def _ledger(self) -> LedgerQueries:
        return self.scope.store.ledger

    def _period(self, date_from: Any, date_to: Any) -> tuple[str, str]:
        """Both days included; a missing one is today."""
        first = self.scope.today() if date_from is None else v.parse_date(date_from, "dateFrom")
        last = self.scope.today() if date_to is None else v.parse_date(date_to, "dateTo")
        if last < first:
            raise ValidationError(
                "dateTo",
                f"{last.isoformat()} is before the start of the period ({first.isoformat()})",
            )
        return first.isoformat(), last.isoformat()

    # ---------------------------------------------------------------- reports
    def pending_invoices(self, customer: Any = None) -> PendingReport:
        """Invoices not fully paid, oldest first; of one customer (id or phone) if given."""
        today = self.scope.today()
        rows = []
        if customer is None or customer == "":
            for key, number, day, due, name, phone, total, paid in self._ledger().unpaid(
                self.scope.client_id
            ):
                rows.append(
                    PendingInvoiceRow(
                        invoice_id=key_to_id(key),
                        invoice_number=number,
                        invoice_date=day,
                        due_date=due,
                        customer_name=name,
                        customer_phone=phone,
                        total=total,
                        paid=paid,
                        balance=total - paid,
                        overdue_days=_days_after(today, due),
                    )
                )
            return PendingReport(rows, sum(r.balance for r in rows))
        customer_id = self._customer(customer)["_id"]
        docs = list(
            self.scope.db.invoices.find(
                {
                    "clientCustomerId": customer_id,
                    "clientId": self.scope.client_id,
                    "isFinalized": {"$ne": True},
                }
            )
        )
        docs.sort(key=lambda d: (_moment(d), str(d.get("invoiceNumber", ""))))
        for doc in docs:
            total = amount_paise(doc.get("totalAmount"))
            paid = amount_paise(doc.get("paidAmount"))
            due = str(doc.get("dueDate") or "")
            rows.append(
                PendingInvoiceRow(
                    invoice_id=doc["_id"],
                    invoice_number=str(doc.get("invoiceNumber", "")),
                    invoice_date=str(doc.get("invoiceDate") or ""),
                    due_date=due,
                    customer_name=str(doc.get("clientCustomerName") or ""),
                    customer_phone=str(doc.get("clientCustomerPhone") or ""),
                    total=total,
                    paid=paid,
                    balance=total - paid,
                    overdue_days=_days_after(today, due),
                )
            )
        return PendingReport(rows, sum(r.balance for r in rows))

    def _customer(self, customer: Any) -> dict[str, Any]:
        customers = CustomerService(self.scope)
        if isinstance(customer, dict):
            return customers.document(customer.get("_id"))
        if isinstance(customer, ObjectId) or (
            isinstance(customer, str) and ObjectId.is_valid(customer.strip())
        ):
            return customers.document(customer)
        found = customers.document_by_phone(customer)
        if found is None:
            raise ValidationError("phoneNumber", f"no customer with phone {customer}")
        return found

    def payment_report(
        self,
        date_from: Any = None,
        date_to: Any = None,
        method: Any = None,
        *,
        limit: int = PAGE_ROWS,
    ) -> PaymentReport:
        """Payments received from ``date_from`` to ``date_to`` (shop days, both included):
        the totals of all of them, and the first ``limit`` rows (the rest by
        :meth:`payment_rows`)."""
        first, last = self._period(date_from, date_to)
        wanted = self._method(method)
        by_method: dict[str, Paise] = dict.fromkeys(v.PAYMENT_METHODS, 0)
        count = 0
        for payment_method, (payments, amount) in (
            self._ledger().payment_totals(self.scope.client_id, first, last, wanted).items()
        ):
            by_method[payment_method] = by_method.get(payment_method, 0) + amount
            count += payments
        if wanted is not None:
            by_method = {wanted: by_method[wanted]}
        rows = self.payment_rows(first, last, wanted, limit=limit)
        return PaymentReport(first, last, wanted, rows, count, by_method, sum(by_method.values()))

    @staticmethod
    def _method(method: Any) -> str | None:
        return None if method is None or method == "" else v.payment_method(method)

    def payment_rows(
        self,
        date_from: Any = None,
        date_to: Any = None,
        method: Any = None,
        *,
        offset: int = 0,
        limit: int = PAGE_ROWS,
    ) -> list[PaymentRow]:
        """Rows ``offset`` to ``offset + limit`` of the period's payments, in time order."""
        first, last = self._period(date_from, date_to)
        return [
            PaymentRow(
                _payment_id(key),
                moment_of(moment),
                day,
                number,
                name,
                phone,
                payment_method,
                amount,
                note,
            )
            for (
                key,
                moment,
                day,
                payment_method,
                amount,
                note,
                number,
                name,
                phone,
            ) in self._ledger().payments(
                self.scope.client_id, first, last, self._method(method), offset=offset, limit=limit
            )
        ]

    def purchase_history(self, phone: Any) -> PurchaseHistoryReport:
        """A customer's bills (found by phone), newest first, net of returns: each bill's
        credit notes and a cancelled bill's whole amount are taken off what was bought,
        and what was paid is money received less money paid back (a credit set against
        dues is no payment)."""
        customer = CustomerService(self.scope).document_by_phone(phone)
        if customer is None:
            raise ValidationError("phoneNumber", f"no customer with phone {phone}")
        owner = {"clientCustomerId": customer["_id"], "clientId": self.scope.client_id}
        returned, paid_back = CustomerService(self.scope).returns_by_invoice(customer["_id"])
        docs = list(self.scope.db.invoices.find(owner))
        docs.sort(key=lambda d: (_moment(d), str(d.get("invoiceNumber", ""))), reverse=True)
        rows = []
        for doc in docs:
            total = amount_paise(doc.get("totalAmount"))
            paid = amount_paise(doc.get("paidAmount"))
            cancelled = bool(doc.get("isCancelled"))
            rows.append(
                CustomerInvoiceRow(
                    invoice_id=doc["_id"],
                    invoice_number=str(doc.get("invoiceNumber", "")),
                    invoice_date=str(doc.get("invoiceDate") or ""),
                    total=total,
                    returned=total if cancelled else returned.get(doc["_id"], 0),
                    paid=paid
                    - paid_back.get(doc["_id"], 0)
                    - (amount_paise(doc.get("cancelRefund")) if cancelled else 0),
                    balance=0 if cancelled else total - paid,
                    is_finalized=bool(doc.get("isFinalized")),
                    is_cancelled=cancelled,
                )
            )
        return PurchaseHistoryReport(
            customer_id=customer["_id"],
            name=str(customer.get("name") or ""),
            phone=customer["phoneNumber"],
            rows=rows,
            purchased=sum(r.net for r in rows),
            returned=sum(r.returned for r in rows),
            paid=sum(r.paid for r in rows),
            due=sum(max(r.balance, 0) for r in rows),
            last_purchase_at=customer.get("lastPurchaseAt"),
        )

    def _day_rows(self, first: str, last: str, days: list[str]) -> list[DayBookRow]:
        ledger, client_id = self._ledger(), self.scope.client_id
        sales = ledger.day_sales(client_id, first, last)
        collections = ledger.day_collections(client_id, first, last)
        rows = []
        for day in days:
            bills, sold, tax, dues = sales.get(day, (0, 0, 0, 0))
            rows.append(DayBookRow(day, bills, sold, tax, dict(collections.get(day, {})), dues))
        return rows

    def day_book(self, date_from: Any = None, date_to: Any = None) -> DayBook:
        """Per day of the period with any bill or payment: bills, sales, tax, collections by
        method and dues created; with the period's totals."""
        first, last = self._period(date_from, date_to)
        rows = self._day_rows(first, last, self._ledger().days(self.scope.client_id, first, last))
        collections: dict[str, Paise] = dict.fromkeys(v.PAYMENT_METHODS, 0)
        for row in rows:
            for method_name, amount in row.collections.items():
                collections[method_name] = collections.get(method_name, 0) + amount
        totals = DayBookRow(
            "",
            sum(r.bills for r in rows),
            sum(r.sales for r in rows),
            sum(r.tax for r in rows),
            collections,
            sum(r.dues_created for r in rows),
        )
        return DayBook(first, last, rows, totals)

    def stock_report(self, *, low_stock_first: bool = False, limit: int = PAGE_ROWS) -> StockReport:
        """The count, low count and value of the active items, and the first ``limit`` of
        them by name (the rest by :meth:`stock_rows`)."""
        items, low_count, value = self._ledger().stock_summary(self.scope.client_id)
        rows = self.stock_rows(low_stock_first=low_stock_first, limit=limit)
        return StockReport(rows, items, low_count, value)

    def stock_rows(
        self, *, low_stock_first: bool = False, offset: int = 0, limit: int = PAGE_ROWS
    ) -> list[StockRow]:
        """Rows ``offset`` to ``offset + limit`` of the active items with their stock and
        its value at the selling price, by name (the low ones first if asked)."""
        return [
            StockRow(
                key_to_id(key),
                name,
                code,
                unit,
                Decimal(stock),
                Decimal(low),
                price,
                value,
                bool(is_low),
            )
            for key, name, code, unit, stock, low, price, value, is_low in self._ledger().stock(
                self.scope.client_id, bool(low_stock_first), offset=offset, limit=limit
            )
        ]

    def dealer_dues(self) -> DealerDuesReport:
        rows = DealerService(self.scope).all_dues()
        return DealerDuesReport(rows, sum(r.due for r in rows), sum(r.advance for r in rows))

    def gst_summary(self, date_from: Any = None, date_to: Any = None) -> GstSummary:
        """Taxable value and CGST/SGST/IGST of the period's invoices, by rate and by HSN."""
        first, last = self._period(date_from, date_to)
        ledger, client_id = self._ledger(), self.scope.client_id
        by_hsn: dict[tuple[Any, str], list[Paise]] = {}
        for rate, hsn, *amounts in ledger.gst(client_id, first, last):
            by_hsn[(_rate(rate), hsn)] = list(amounts)
        by_rate: dict[Any, list[Paise]] = {}
        for (rate, _hsn), amounts in by_hsn.items():
            sums = by_rate.setdefault(rate, [0, 0, 0, 0])
            for i in range(4):
                sums[i] += amounts[i]
        totals = [sum(amounts[i] for amounts in by_rate.values()) for i in range(4)]
        return GstSummary(
            first,
            last,
            ledger.bills(client_id, first, last),
            by_rate=[GstRow(rate, "", *by_rate[rate]) for rate in sorted(by_rate)],
            by_hsn=[
                GstRow(rate, hsn, *by_hsn[(rate, hsn)])
                for rate, hsn in sorted(by_hsn, key=lambda g: (g[1], g[0]))
            ],
            totals=GstRow(None, "", *totals),
        )

    def dashboard(self) -> Dashboard:
        today = self.scope.today()
        ledger, client_id = self._ledger(), self.scope.client_id
        days = [
            (today - timedelta(days=back)).isoformat() for back in range(DASHBOARD_DAYS - 1, -1, -1)
        ]
        totals = self._day_rows(days[0], days[-1], days)
        pending_count, pending_total = ledger.unpaid_total(client_id)
        _, low, _ = ledger.stock_summary(client_id)
        return Dashboard(
            day=today.isoformat(),
            bills_today=totals[-1].bills,
            sales_today=totals[-1].sales,
            collections_today=totals[-1].collected,
            pending_invoices=pending_count,
            pending_dues=pending_total,
            low_stock_items=low,
            sales_by_day=[(t.day, t.sales) for t in totals],
        )


def _payment_id(key: str) -> Any:
    """The payment's id; for money paid back (``<key>:refund``) the id of the credit note
    or cancelled bill it was paid for."""
    return key_to_id(key.removesuffix(":refund"))


def _rate(value: float) -> int | float:
    """A GST rate as the reports show it: whole rates as int (18), others as they are."""
    return int(value) if float(value).is_integer() else value


def _days_after(today: date, due: str) -> int:
    try:
        return max((today - date.fromisoformat(due)).days, 0)
    except ValueError:
        return 0


def _moment(doc: dict[str, Any]) -> datetime:
    """When an invoice was made, for ordering (a document without it sorts first)."""
    moment = doc.get("generatedAt")
    return moment if isinstance(moment, datetime) else datetime.min
