"""Customers: find by phone or name, see details, purchases and dues, take payments, take
goods back on an invoice (Ctrl+R: credit note, or cancel a bill of today)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bson import ObjectId
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QLabel,
    QPushButton,
    QTableView,
    QWidget,
)

from ...domain.entities.customer import Customer
from ...domain.entities.invoice import Invoice
from ...domain.errors import ValidationError
from ...domain.states import state_by_code
from ...services.facade import ShopServices
from ...services.formatting import day, moment, money
from ..dialogs.customer_editor import CustomerDialog
from ..dialogs.record_payment import RecordPaymentDialog
from ..dialogs.sales_return import run_return
from ..errors import show_error
from ..models.rows import Column, RowStyle, RowTableModel
from ..print_jobs import print_invoice
from ..widgets.tables import record_table
from .list_detail import ListDetailScreen, primary

LIST_LIMIT = 500


def status(invoice: Invoice) -> str:
    if invoice.is_cancelled:
        return "Cancelled"
    if invoice.balance <= 0:
        return "Paid"
    return "Unpaid" if invoice.paid_amount == 0 else "Part paid"


def invoice_columns() -> list[Column[Invoice]]:
    return [
        Column("Invoice", lambda d: d.number),
        Column("Date", lambda d: day(d.invoice_date), sort_key=lambda d: d.invoice_date),
        Column("Items", lambda d: str(len(d.lines)), right=True),
        Column("Total", lambda d: money(d.total_amount), right=True),
        Column("Paid", lambda d: money(d.paid_amount), right=True),
        Column("Balance", lambda d: money(d.balance) if d.balance > 0 else "—", right=True),
        Column("Due date", lambda d: day(d.due_date) if d.balance > 0 else ""),
    ]


class CustomersScreen(ListDetailScreen[Customer]):
    title = "Customers"

    def __init__(self, services: ShopServices, parent: QWidget | None = None):
        super().__init__(services, parent)
        self.customers = services.customers
        self._build()
        self.refresh()

    def _build(self) -> None:
        self.query = self._build_list(
            placeholder="Search by phone or name",
            on_search=lambda *_: self._search(),
            add_text="Add customer",
            on_add=self.add_customer,
            width=430,
            columns=[
                Column("Name", lambda c: c.name or "—"),
                Column("Phone", lambda c: c.phone_number),
                Column(
                    "Last purchase",
                    lambda c: moment(c.last_purchase_at, self._zone()),
                    sort_key=lambda c: (c.last_purchase_at is not None, c.last_purchase_at or 0),
                ),
            ],
        )
        self.dues = QLabel()
        self.edit_button = QPushButton("Edit details")
        self.edit_button.clicked.connect(self.edit_customer)
        self._build_detail(
            figure=self.dues, buttons=[self.edit_button], placeholder="Pick a customer on the left."
        )

        self.pending_model: RowTableModel[Invoice] = RowTableModel(invoice_columns())
        self.pending = record_table(self.pending_model)
        self.pay_button = primary(QPushButton("Record payment…"))
        self.pay_button.clicked.connect(self.record_payment)
        self.print_pending = QPushButton("Print invoice")
        self.print_pending.clicked.connect(
            lambda: self.print_selected(self.pending, self.pending_model)
        )
        self.add_tab("Pending invoices", self.pending, None, self.print_pending, self.pay_button)

        self.returned: dict[Any, int] = {}  # invoice id -> credit notes on it (paise)
        self.history_model: RowTableModel[Invoice] = RowTableModel(
            [
                *invoice_columns()[:4],
                Column(
                    "Returned",
                    lambda d: money(self.returned[d.id]) if self.returned.get(d.id) else "—",
                    right=True,
                ),
                invoice_columns()[4],
                Column("Status", status),
            ],
            style=lambda d: RowStyle(foreground="#9a3412") if d.balance > 0 else None,
        )
        self.history = record_table(self.history_model)
        self.return_button = QPushButton("Return / cancel…  Ctrl+R")
        self.return_button.clicked.connect(self.take_back)
        print_history = QPushButton("Print invoice")
        print_history.clicked.connect(lambda: self.print_selected(self.history, self.history_model))
        self.add_tab("Purchase history", self.history, None, self.return_button, print_history)
        self._show_customer(None)
        shortcut = QShortcut(QKeySequence("Ctrl+R"), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.take_back)

    # ------------------------------------------------------------------ data
    def refresh(self, changed: set[str] | None = None) -> None:
        if changed is not None and not changed & {
            "clientCustomers",
            "invoices",
            "payments",
            "clients",
            "creditnotes",
        }:
            return
        self._search()

    def _search(self) -> None:
        keep = self.current.id if self.current else None
        rows = self.customers.search(self.query.text(), LIST_LIMIT)
        self.list_model.set_rows(rows)
        self.list_hint.setText(
            f"{len(rows)} customer(s)"
            + (
                f" — showing the first {LIST_LIMIT}; type to narrow"
                if len(rows) == LIST_LIMIT
                else ""
            )
        )
        self._reselect(keep)

    def _selected(self) -> None:
        self._show_customer(self.selected_record())

    def select_customer(self, customer_id: ObjectId) -> bool:
        """Show this customer, clearing the search when it hides them."""
        if self.select_record(customer_id):
            return True
        self.query.clear()
        return self.select_record(customer_id)

    def _show_customer(self, customer: Customer | None) -> None:
        self.current = customer
        for widget in (self.edit_button, self.pay_button, self.print_pending, self.tabs):
            widget.setEnabled(customer is not None)
        if customer is None:
            self.details.setText("Pick a customer on the left, or add one.")
            self.dues.setText("")
            self.pending_model.set_rows([])
            self.history_model.set_rows([])
            return
        state = state_by_code(customer.state_code)
        lines = [customer.name or "(no name)", f"Phone: {customer.phone_number}"]
        for label, value in (
            ("Address", customer.address),
            ("Email", customer.email),
            ("GSTIN", customer.gst_no),
        ):
            if value:
                lines.append(f"{label}: {value}")
        if state is not None:
            lines.append(f"State: {state.name}")
        lines.append(f"Customer since {moment(customer.first_seen_at, self._zone())}")
        self.details.setText("\n".join(lines))
        invoices = self.services.invoices.for_customer(customer.id)
        pending = sorted(
            (d for d in invoices if not d.is_finalized),
            key=lambda d: d.generated_at or datetime.min,
        )
        dues = sum(d.balance for d in pending)
        self.show_figure(self.dues, f"Dues\n{money(dues)}" if dues else "No dues", owing=bool(dues))
        self.pending_model.set_rows(pending)
        self.returned = self.customers.returns_by_invoice(customer.id)[0]
        self.history_model.set_rows(invoices)
        if pending:
            self.pending.selectRow(0)
        if invoices:
            self.history.selectRow(0)
        self.tabs.setTabText(0, f"Pending invoices ({len(pending)})")
        self.tabs.setTabText(1, f"Purchase history ({len(invoices)})")

    # --------------------------------------------------------------- actions
    def add_customer(self) -> None:
        dialog = CustomerDialog(self, self.customers)
        if dialog.exec() and dialog.saved is not None:
            self.query.clear()
            self._search()
            self.select_customer(dialog.saved.id)

    def edit_customer(self) -> None:
        if self.current is None:
            return
        dialog = CustomerDialog(self, self.customers, self.current)
        if dialog.exec() and dialog.saved is not None:
            self._search()
            self.select_customer(dialog.saved.id)

    def record_payment(self, invoice: Invoice | None = None) -> None:
        invoice = invoice or self.pending_model.row_at(self.pending.currentIndex().row())
        if invoice is None:
            self.message.setText("No pending invoice selected.")
            return
        dialog = RecordPaymentDialog(self, self.services.payments, invoice)
        if dialog.exec() and dialog.updated is not None:
            updated = dialog.updated
            left = updated.balance
            self.say(
                f"Invoice {updated.number} is now fully paid."
                if updated.is_finalized
                else f"Payment recorded; {money(left)} still due on {updated.number}."
            )
            if self.current is not None:
                self._show_customer(self.customers.get(self.current.id))

    def take_back(self) -> None:
        """Return goods on (or cancel) the invoice selected in the open tab."""
        if self.current is None:
            return
        view, model = (
            (self.pending, self.pending_model)
            if self.tabs.currentIndex() == 0
            else (self.history, self.history_model)
        )
        invoice = model.row_at(view.currentIndex().row())
        message = run_return(self, self.services, invoice=invoice, on_message=self.message.setText)
        if message:
            self.say(message)
            self._show_customer(self.customers.get(self.current.id))

    def print_selected(self, view: QTableView, model: RowTableModel[Invoice]) -> None:
        invoice = model.row_at(view.currentIndex().row())
        if invoice is None:
            return
        try:
            print_invoice(self, self.services, invoice, ask=True, on_finished=self.message.setText)
        except ValidationError as exc:
            show_error(self, exc)
