"""The shop's reports: pending bills, payments, customer history, day book, stock, dealer
dues, GST summary and the dashboard.

Period reports read the shop's day-grouped ledger (:mod:`.report_ledger`) and the stock
book (:mod:`.report_stock`), both built on first use and kept current by commits, so a
report costs what its period holds, not what the whole store holds. Call :meth:`warm_up`
from a background thread after start-up to pay the one-time build before anyone waits.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from bson import ObjectId

from ..domain import validation as v
from ..domain.errors import ValidationError
from ..domain.money import Paise
from .context import ShopScope
from .customers import CustomerService
from .dealers import DealerService
from .report_ledger import SalesLedger, amount_paise, method_of, sales_ledger
from .report_stock import StockBook, stock_book
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
)

DASHBOARD_DAYS = 30
_NO_INVOICE: dict[str, Any] = {}


class ReportService:
    def __init__(self, scope: ShopScope):
        self.scope = scope

    # --------------------------------------------------------------- plumbing
    def _ledger(self) -> SalesLedger:
        ledger = sales_ledger(self.scope.store)
        ledger.ensure_current(self.scope.store, self.scope.client_id)
        return ledger

    def _stock(self) -> StockBook:
        book = stock_book(self.scope.store)
        book.ensure_current(self.scope.store)
        return book

    def warm_up(self) -> None:
        """Build the ledger and stock book and every day's totals (seconds on a big store)."""
        ledger = self._ledger()
        self._stock()
        days = ledger.all_days(self.scope.client_id)
        ledger.day_totals(self.scope.store, self.scope.client_id, days)
        ledger.gst_rows(self.scope.store, self.scope.client_id, days)

    def _period(self, date_from: Any, date_to: Any) -> tuple[str, str]:
        """Both days included; a missing one is today."""
        first = self.scope.today() if date_from is None else v.parse_date(date_from, "dateFrom")
        last = self.scope.today() if date_to is None else v.parse_date(date_to, "dateTo")
        if last < first:
            raise ValidationError("dateTo", f"{last.isoformat()} is before the start of the "
                                  f"period ({first.isoformat()})")
        return first.isoformat(), last.isoformat()

    # ---------------------------------------------------------------- reports
    def pending_invoices(self, customer: Any = None) -> PendingReport:
        """Invoices not fully paid, oldest first; of one customer (id or phone) if given."""
        store = self.scope.store
        if customer is None or customer == "":
            balances, _ = self._ledger().pending(self.scope.client_id)
            docs = [doc for doc in (store.get("invoices", key) for key in balances)
                    if doc is not None]
        else:
            customer_id = self._customer(customer)["_id"]
            docs = [doc for doc in self.scope.db.invoices.find({"clientCustomerId": customer_id})
                    if doc.get("clientId") == self.scope.client_id
                    and not doc.get("isFinalized")]
        docs.sort(key=lambda d: (_moment(d), str(d.get("invoiceNumber", ""))))
        today = self.scope.today()
        rows = []
        for doc in docs:
            total = amount_paise(doc.get("totalAmount"))
            paid = amount_paise(doc.get("paidAmount"))
            due = str(doc.get("dueDate") or "")
            rows.append(PendingInvoiceRow(
                invoice_id=doc["_id"], invoice_number=str(doc.get("invoiceNumber", "")),
                invoice_date=str(doc.get("invoiceDate") or ""), due_date=due,
                customer_name=str(doc.get("clientCustomerName") or ""),
                customer_phone=str(doc.get("clientCustomerPhone") or ""),
                total=total, paid=paid, balance=total - paid,
                overdue_days=_days_after(today, due)))
        return PendingReport(rows, sum(r.balance for r in rows))

    def _customer(self, customer: Any) -> dict[str, Any]:
        customers = CustomerService(self.scope)
        if isinstance(customer, dict):
            return customers.get(customer.get("_id"))
        if isinstance(customer, ObjectId) or (isinstance(customer, str)
                                               and ObjectId.is_valid(customer.strip())):
            return customers.get(customer)
        found = customers.by_phone(customer)
        if found is None:
            raise ValidationError("phoneNumber", f"no customer with phone {customer}")
        return found

    def payment_report(self, date_from: Any = None, date_to: Any = None,
                       method: Any = None) -> PaymentReport:
        """Payments received from ``date_from`` to ``date_to`` (shop days, both included)."""
        first, last = self._period(date_from, date_to)
        wanted = None if method is None or method == "" else v.payment_method(method)
        ledger = self._ledger()
        days = ledger.days(self.scope.client_id, first, last)
        get = self.scope.store.get
        by_method: dict[str, Paise] = dict.fromkeys(v.PAYMENT_METHODS, 0)
        keyed = []
        for day, key in ledger.payment_keys(self.scope.client_id, days):
            payment = get("payments", key)
            if payment is None:
                continue
            payment_method = method_of(payment)
            if wanted is not None and payment_method != wanted:
                continue
            amount = amount_paise(payment.get("amount"))
            by_method[payment_method] = by_method.get(payment_method, 0) + amount
            invoice = get("invoices", payment.get("invoiceId")) or _NO_INVOICE
            keyed.append(((payment["paidAt"], key), PaymentRow(
                payment["_id"], payment["paidAt"], day, invoice.get("invoiceNumber", ""),
                invoice.get("clientCustomerName") or "", invoice.get("clientCustomerPhone") or "",
                payment_method, amount, payment.get("note") or "")))
        keyed.sort(key=_first)
        rows = [row for _, row in keyed]
        if wanted is not None:
            by_method = {wanted: by_method[wanted]}
        return PaymentReport(first, last, wanted, rows, by_method, sum(by_method.values()))

    def purchase_history(self, phone: Any) -> PurchaseHistoryReport:
        """A customer's bills (found by phone), newest first."""
        customer = CustomerService(self.scope).by_phone(phone)
        if customer is None:
            raise ValidationError("phoneNumber", f"no customer with phone {phone}")
        docs = [d for d in self.scope.db.invoices.find({"clientCustomerId": customer["_id"]})
                if d.get("clientId") == self.scope.client_id]
        docs.sort(key=lambda d: (_moment(d), str(d.get("invoiceNumber", ""))), reverse=True)
        rows = []
        for doc in docs:
            total = amount_paise(doc.get("totalAmount"))
            paid = amount_paise(doc.get("paidAmount"))
            rows.append(CustomerInvoiceRow(
                invoice_id=doc["_id"], invoice_number=str(doc.get("invoiceNumber", "")),
                invoice_date=str(doc.get("invoiceDate") or ""), total=total, paid=paid,
                balance=total - paid, is_finalized=bool(doc.get("isFinalized"))))
        return PurchaseHistoryReport(
            customer_id=customer["_id"], name=str(customer.get("name") or ""),
            phone=customer["phoneNumber"], rows=rows,
            purchased=sum(r.total for r in rows), paid=sum(r.paid for r in rows),
            due=sum(max(r.balance, 0) for r in rows),
            last_purchase_at=customer.get("lastPurchaseAt"))

    def day_book(self, date_from: Any = None, date_to: Any = None) -> DayBook:
        """Per day of the period with any bill or payment: bills, sales, tax, collections by
        method and dues created; with the period's totals."""
        first, last = self._period(date_from, date_to)
        ledger = self._ledger()
        days = ledger.days(self.scope.client_id, first, last)
        rows = [DayBookRow(t.day, t.bills, t.sales, t.tax, dict(t.collections), t.dues_created)
                for t in ledger.day_totals(self.scope.store, self.scope.client_id, days)]
        collections: dict[str, Paise] = dict.fromkeys(v.PAYMENT_METHODS, 0)
        for row in rows:
            for method_name, amount in row.collections.items():
                collections[method_name] = collections.get(method_name, 0) + amount
        totals = DayBookRow("", sum(r.bills for r in rows), sum(r.sales for r in rows),
                            sum(r.tax for r in rows), collections,
                            sum(r.dues_created for r in rows))
        return DayBook(first, last, rows, totals)

    def stock_report(self, *, low_stock_first: bool = False) -> StockReport:
        """Every active item with its stock and its value at the selling price."""
        book = self._stock()
        rows = book.rows(self.scope.client_id, low_first=bool(low_stock_first))
        items, low, value = book.summary(self.scope.client_id)
        return StockReport(rows, items, low, value)

    def dealer_dues(self) -> DealerDuesReport:
        rows = DealerService(self.scope).all_dues()
        return DealerDuesReport(rows, sum(r.due for r in rows), sum(r.advance for r in rows))

    def gst_summary(self, date_from: Any = None, date_to: Any = None) -> GstSummary:
        """Taxable value and CGST/SGST/IGST of the period's invoices, by rate and by HSN."""
        first, last = self._period(date_from, date_to)
        ledger = self._ledger()
        store, client_id = self.scope.store, self.scope.client_id
        days = ledger.days(client_id, first, last)
        invoices = sum(t.bills for t in ledger.day_totals(store, client_id, days))
        by_hsn: dict[tuple[int, str], list[Paise]] = {}
        for day_rows in ledger.gst_rows(store, client_id, days):
            for group, amounts in day_rows.items():
                sums = by_hsn.get(group)
                if sums is None:
                    by_hsn[group] = list(amounts)
                else:
                    for i in range(4):
                        sums[i] += amounts[i]
        by_rate: dict[int, list[Paise]] = {}
        for (rate, _hsn), amounts in by_hsn.items():
            sums = by_rate.setdefault(rate, [0, 0, 0, 0])
            for i in range(4):
                sums[i] += amounts[i]
        totals = [sum(amounts[i] for amounts in by_rate.values()) for i in range(4)]
        return GstSummary(
            first, last, invoices,
            by_rate=[GstRow(rate, "", *by_rate[rate]) for rate in sorted(by_rate)],
            by_hsn=[GstRow(rate, hsn, *by_hsn[(rate, hsn)])
                    for rate, hsn in sorted(by_hsn, key=lambda g: (g[1], g[0]))],
            totals=GstRow(None, "", *totals))

    def dashboard(self) -> Dashboard:
        today = self.scope.today()
        ledger = self._ledger()
        days = [(today - timedelta(days=back)).isoformat()
                for back in range(DASHBOARD_DAYS - 1, -1, -1)]
        totals = ledger.day_totals(self.scope.store, self.scope.client_id, days)
        pending_count, pending_total = ledger.pending_total(self.scope.client_id)
        _, low, _ = self._stock().summary(self.scope.client_id)
        return Dashboard(
            day=today.isoformat(), bills_today=totals[-1].bills, sales_today=totals[-1].sales,
            collections_today=totals[-1].collected, pending_invoices=pending_count,
            pending_dues=pending_total, low_stock_items=low,
            sales_by_day=[(t.day, t.sales) for t in totals])


def _days_after(today: date, due: str) -> int:
    try:
        return max((today - date.fromisoformat(due)).days, 0)
    except ValueError:
        return 0


def _first(pair: tuple[Any, Any]) -> Any:
    return pair[0]


def _moment(doc: dict[str, Any]) -> datetime:
    """When an invoice was made, for ordering (a document without it sorts first)."""
    moment = doc.get("generatedAt")
    return moment if isinstance(moment, datetime) else datetime.min
