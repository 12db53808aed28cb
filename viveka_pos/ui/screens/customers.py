"""Customers: find by phone or name, see details, purchases and dues, take payments, take
goods back on an invoice (Ctrl+R: credit note, or cancel a bill of today)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ...domain.errors import ValidationError
from ...domain.states import state_by_code
from ...services.convert import paise_of
from ...services.facade import ShopServices
from ...services.formatting import day, moment, money, stored_money
from ..dialogs.customer_editor import CustomerDialog
from ..dialogs.record_payment import RecordPaymentDialog
from ..dialogs.sales_return import run_return
from ..errors import show_error
from ..models.rows import Column, RowStyle, RowTableModel
from ..print_jobs import print_invoice
from ..theme import polish

LIST_LIMIT = 500


def balance(invoice: dict[str, Any]) -> int:
    """What is still due on an invoice (nothing on a cancelled one)."""
    if invoice.get("isCancelled"):
        return 0
    return paise_of(invoice.get("totalAmount")) - paise_of(invoice.get("paidAmount"))


def status(invoice: dict[str, Any]) -> str:
    if invoice.get("isCancelled"):
        return "Cancelled"
    if balance(invoice) <= 0:
        return "Paid"
    return "Unpaid" if paise_of(invoice.get("paidAmount")) == 0 else "Part paid"


def _table(model: RowTableModel[Any], stretch: int = 0) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(28)
    view.setWordWrap(False)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return view


def invoice_columns() -> list[Column[dict[str, Any]]]:
    return [
        Column("Invoice", lambda d: d.get("invoiceNumber", "")),
        Column("Date", lambda d: day(d.get("invoiceDate")),
               sort_key=lambda d: d.get("invoiceDate", "")),
        Column("Items", lambda d: str(len(d.get("products") or [])), right=True),
        Column("Total", lambda d: stored_money(d.get("totalAmount")), right=True),
        Column("Paid", lambda d: stored_money(d.get("paidAmount")), right=True),
        Column("Balance", lambda d: money(balance(d)) if balance(d) > 0 else "—", right=True),
        Column("Due date", lambda d: day(d.get("dueDate")) if balance(d) > 0 else ""),
    ]


class CustomersScreen(QWidget):
    title = "Customers"

    def __init__(self, services: ShopServices, parent: QWidget | None = None):
        super().__init__(parent)
        self.services = services
        self.customers = services.customers
        self.current: dict[str, Any] | None = None
        self.last_message = ""
        self._build()
        self.refresh()

    def _zone(self) -> str:
        return self.services.scope.settings().get("timeZone") or "Asia/Kolkata"

    def _build(self) -> None:
        outer = QHBoxLayout(self)
        outer.setContentsMargins(12, 12, 12, 12)
        outer.setSpacing(12)

        left = QVBoxLayout()
        top = QHBoxLayout()
        self.query = QLineEdit()
        self.query.setObjectName("searchBox")
        self.query.setPlaceholderText("Search by phone or name")
        self.query.setClearButtonEnabled(True)
        self.query.textChanged.connect(lambda *_: self._search())
        top.addWidget(self.query, 1)
        add = QPushButton("Add customer")
        add.setObjectName("primary")
        add.clicked.connect(self.add_customer)
        top.addWidget(add)
        left.addLayout(top)
        self.list_model: RowTableModel[dict[str, Any]] = RowTableModel([
            Column("Name", lambda c: c.get("name") or "—"),
            Column("Phone", lambda c: c.get("phoneNumber", "")),
            Column("Last purchase", lambda c: moment(c.get("lastPurchaseAt"), self._zone()),
                   sort_key=lambda c: (c.get("lastPurchaseAt") is not None,
                                       c.get("lastPurchaseAt") or 0)),
        ])
        self.list = _table(self.list_model)
        self.list.setSortingEnabled(True)
        self.list.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.list.selectionModel().currentRowChanged.connect(lambda *_: self._selected())
        left.addWidget(self.list, 1)
        self.list_hint = QLabel()
        self.list_hint.setObjectName("hint")
        left.addWidget(self.list_hint)
        holder = QWidget()
        holder.setLayout(left)
        holder.setFixedWidth(430)
        outer.addWidget(holder)

        right = QVBoxLayout()
        right.setSpacing(8)
        card = QFrame()
        card.setObjectName("card")
        card_layout = QHBoxLayout(card)
        self.details = QLabel("Pick a customer on the left.")
        self.details.setObjectName("customerDetails")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        card_layout.addWidget(self.details, 1)
        side = QVBoxLayout()
        self.dues = QLabel()
        self.dues.setObjectName("duesFigure")
        self.dues.setAlignment(Qt.AlignmentFlag.AlignRight)
        side.addWidget(self.dues)
        self.edit_button = QPushButton("Edit details")
        self.edit_button.clicked.connect(self.edit_customer)
        side.addWidget(self.edit_button)
        side.addStretch(1)
        card_layout.addLayout(side)
        right.addWidget(card)

        self.tabs = QTabWidget()
        pending_page = QWidget()
        pending_layout = QVBoxLayout(pending_page)
        self.pending_model: RowTableModel[dict[str, Any]] = RowTableModel(
            invoice_columns())
        self.pending = _table(self.pending_model)
        pending_layout.addWidget(self.pending, 1)
        buttons = QHBoxLayout()
        self.pay_button = QPushButton("Record payment…")
        self.pay_button.setObjectName("primary")
        self.pay_button.clicked.connect(self.record_payment)
        self.print_pending = QPushButton("Print invoice")
        self.print_pending.clicked.connect(lambda: self.print_selected(self.pending,
                                                                       self.pending_model))
        buttons.addStretch(1)
        buttons.addWidget(self.print_pending)
        buttons.addWidget(self.pay_button)
        pending_layout.addLayout(buttons)
        self.tabs.addTab(pending_page, "Pending invoices")

        history_page = QWidget()
        history_layout = QVBoxLayout(history_page)
        self.returned: dict[Any, int] = {}  # invoice id -> credit notes on it (paise)
        self.history_model: RowTableModel[dict[str, Any]] = RowTableModel(
            [*invoice_columns()[:4],
             Column("Returned", lambda d: money(self.returned[d["_id"]])
                    if self.returned.get(d["_id"]) else "—", right=True),
             invoice_columns()[4], Column("Status", status)],
            style=lambda d: RowStyle(foreground="#9a3412") if balance(d) > 0 else None)
        self.history = _table(self.history_model)
        history_layout.addWidget(self.history, 1)
        history_buttons = QHBoxLayout()
        history_buttons.addStretch(1)
        self.return_button = QPushButton("Return / cancel…  Ctrl+R")
        self.return_button.clicked.connect(self.take_back)
        history_buttons.addWidget(self.return_button)
        print_history = QPushButton("Print invoice")
        print_history.clicked.connect(lambda: self.print_selected(self.history,
                                                                  self.history_model))
        history_buttons.addWidget(print_history)
        history_layout.addLayout(history_buttons)
        self.tabs.addTab(history_page, "Purchase history")
        right.addWidget(self.tabs, 1)
        self.message = QLabel()
        self.message.setObjectName("hint")
        right.addWidget(self.message)
        outer.addLayout(right, 1)
        self._show_customer(None)
        shortcut = QShortcut(QKeySequence("Ctrl+R"), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.take_back)

    # ------------------------------------------------------------------ data
    def refresh(self, changed: set[str] | None = None) -> None:
        if changed is not None and not changed & {"clientCustomers", "invoices", "payments",
                                                  "clients", "creditnotes"}:
            return
        self._search()

    def _search(self) -> None:
        keep = self.current["_id"] if self.current else None
        rows = self.customers.search(self.query.text(), LIST_LIMIT)
        self.list_model.set_rows(rows)
        self.list_hint.setText(f"{len(rows)} customer(s)" + (
            f" — showing the first {LIST_LIMIT}; type to narrow" if len(rows) == LIST_LIMIT
            else ""))
        row = self.list_model.find_row(lambda c: c["_id"] == keep) if keep else -1
        if row < 0 and rows:
            row = 0
        if row >= 0:
            self.list.selectRow(row)
            self._selected()
        else:
            self._show_customer(None)

    def _selected(self) -> None:
        self._show_customer(self.list_model.row_at(self.list.currentIndex().row()))

    def select_customer(self, customer_id: Any) -> bool:
        row = self.list_model.find_row(lambda c: c["_id"] == customer_id)
        if row < 0:
            self.query.clear()
            row = self.list_model.find_row(lambda c: c["_id"] == customer_id)
        if row >= 0:
            self.list.selectRow(row)
            self._selected()
        return row >= 0

    def _show_customer(self, customer: dict[str, Any] | None) -> None:
        self.current = customer
        for widget in (self.edit_button, self.pay_button, self.print_pending, self.tabs):
            widget.setEnabled(customer is not None)
        if customer is None:
            self.details.setText("Pick a customer on the left, or add one.")
            self.dues.setText("")
            self.pending_model.set_rows([])
            self.history_model.set_rows([])
            return
        state = state_by_code(customer.get("stateCode") or "")
        lines = [customer.get("name") or "(no name)", f"Phone: {customer.get('phoneNumber')}"]
        for label, key in (("Address", "address"), ("Email", "emailId"), ("GSTIN", "gstNo")):
            if customer.get(key):
                lines.append(f"{label}: {customer[key]}")
        if state is not None:
            lines.append(f"State: {state.name}")
        lines.append(f"Customer since {moment(customer.get('firstSeenAt'), self._zone())}")
        self.details.setText("\n".join(lines))
        invoices = self.customers.invoices(customer["_id"])
        pending = sorted((d for d in invoices if not d.get("isFinalized")),
                         key=lambda d: d["generatedAt"])
        dues = sum(balance(d) for d in pending)
        self.dues.setText(f"Dues\n{money(dues)}" if dues else "No dues")
        self.dues.setProperty("owing", bool(dues))
        polish(self.dues)
        self.pending_model.set_rows(pending)
        self.returned = self.customers.returns_by_invoice(customer["_id"])[0]
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
            self.select_customer(dialog.saved["_id"])

    def edit_customer(self) -> None:
        if self.current is None:
            return
        dialog = CustomerDialog(self, self.customers, self.current)
        if dialog.exec() and dialog.saved is not None:
            self._search()
            self.select_customer(dialog.saved["_id"])

    def record_payment(self, invoice: dict[str, Any] | None = None) -> None:
        invoice = invoice or self.pending_model.row_at(self.pending.currentIndex().row())
        if invoice is None:
            self.message.setText("No pending invoice selected.")
            return
        dialog = RecordPaymentDialog(self, self.services.payments, invoice)
        if dialog.exec() and dialog.updated is not None:
            updated = dialog.updated
            left = balance(updated)
            self.last_message = (f"Invoice {updated['invoiceNumber']} is now fully paid."
                                 if updated.get("isFinalized") else
                                 f"Payment recorded; {money(left)} still due on "
                                 f"{updated['invoiceNumber']}.")
            self.message.setText(self.last_message)
            if self.current is not None:
                self._show_customer(self.customers.get(self.current["_id"]))

    def take_back(self) -> None:
        """Return goods on (or cancel) the invoice selected in the open tab."""
        if self.current is None:
            return
        view, model = ((self.pending, self.pending_model) if self.tabs.currentIndex() == 0
                       else (self.history, self.history_model))
        invoice = model.row_at(view.currentIndex().row())
        message = run_return(self, self.services, invoice=invoice,
                             on_message=self.message.setText)
        if message:
            self.last_message = message
            self.message.setText(message)
            self._show_customer(self.customers.get(self.current["_id"]))

    def print_selected(self, view: QTableView, model: RowTableModel[dict[str, Any]]) -> None:
        invoice = model.row_at(view.currentIndex().row())
        if invoice is None:
            return
        try:
            print_invoice(self, self.services, invoice, ask=True,
                          on_finished=self.message.setText)
        except ValidationError as exc:
            show_error(self, exc)
