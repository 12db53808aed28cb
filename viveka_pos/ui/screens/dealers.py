"""Dealers: suppliers, their purchase orders (create, receive, cancel, print), the shop's
payments to them and what is still owed."""

from __future__ import annotations

import copy
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ...domain.errors import ValidationError
from ...services.dealers import DealerDues, DealerService
from ...services.facade import ShopServices
from ...services.formatting import day, moment, money, stored_money
from ..dialogs.dealer_forms import (
    DealerDialog,
    DealerPaymentDialog,
    DeliveryDialog,
    OrderBillDialog,
)
from ..dialogs.dealer_order import OrderDialog
from ..errors import show_error
from ..models.rows import Column, RowStyle, RowTableModel
from ..print_jobs import send_to_printer
from ..theme import polish
from ..workers import start_job

STATUS_TEXT = {"pending": "Pending", "delivered": "Delivered", "cancelled": "Cancelled"}


def dealer_service(services: ShopServices) -> DealerService:
    """The shop's dealer service (from the services bundle when it carries one)."""
    found = getattr(services, "dealers", None)
    return found if isinstance(found, DealerService) else DealerService(services.scope)


def _table(model: RowTableModel[Any], stretch: int) -> QTableView:
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


class DealersScreen(QWidget):
    title = "Dealers"

    def __init__(self, services: ShopServices, parent: QWidget | None = None):
        super().__init__(parent)
        self.services = services
        self.dealers = dealer_service(services)
        self.current: dict[str, Any] | None = None
        self.dues: dict[Any, DealerDues] = {}
        self.last_message = ""
        self._build()
        self.refresh()

    def _zone(self) -> str:
        return self.services.scope.settings().get("timeZone") or "Asia/Kolkata"

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        outer = QHBoxLayout(self)
        outer.setContentsMargins(12, 12, 12, 12)
        outer.setSpacing(12)

        left = QVBoxLayout()
        top = QHBoxLayout()
        self.filter = QLineEdit()
        self.filter.setObjectName("searchBox")
        self.filter.setPlaceholderText("Filter dealers")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(lambda text: self.list_model.set_filter(text))
        top.addWidget(self.filter, 1)
        add = QPushButton("Add dealer")
        add.setObjectName("primary")
        add.clicked.connect(self.add_dealer)
        top.addWidget(add)
        left.addLayout(top)
        self.show_inactive = QCheckBox("Show inactive dealers")
        self.show_inactive.toggled.connect(lambda *_: self.refresh())
        left.addWidget(self.show_inactive)
        self.list_model: RowTableModel[dict[str, Any]] = RowTableModel([
            Column("Dealer", lambda d: d.get("name", ""), searchable=True),
            Column("Phone", lambda d: d.get("phoneNumber", ""), searchable=True),
            Column("Owed", lambda d: self._owed_text(d),
                   sort_key=lambda d: self._owed(d), right=True),
        ], style=lambda d: None if d.get("isActive", True) else RowStyle(foreground="#9aa3ad"))
        self.list = _table(self.list_model, 0)
        self.list.setSortingEnabled(True)
        self.list.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.list.selectionModel().currentRowChanged.connect(lambda *_: self._selected())
        left.addWidget(self.list, 1)
        self.list_hint = QLabel()
        self.list_hint.setObjectName("hint")
        left.addWidget(self.list_hint)
        holder = QWidget()
        holder.setLayout(left)
        holder.setFixedWidth(380)
        outer.addWidget(holder)

        right = QVBoxLayout()
        right.setSpacing(8)
        card = QFrame()
        card.setObjectName("card")
        card_layout = QHBoxLayout(card)
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setObjectName("customerDetails")
        card_layout.addWidget(self.details, 1)
        side = QVBoxLayout()
        self.owed_label = QLabel()
        self.owed_label.setObjectName("duesFigure")
        self.owed_label.setAlignment(Qt.AlignmentFlag.AlignRight)
        side.addWidget(self.owed_label)
        buttons = QHBoxLayout()
        self.edit_button = QPushButton("Edit")
        self.edit_button.clicked.connect(self.edit_dealer)
        self.active_button = QPushButton("Deactivate")
        self.active_button.clicked.connect(self.toggle_active)
        buttons.addWidget(self.edit_button)
        buttons.addWidget(self.active_button)
        side.addLayout(buttons)
        side.addStretch(1)
        card_layout.addLayout(side)
        right.addWidget(card)

        self.tabs = QTabWidget()
        orders_page = QWidget()
        orders_layout = QVBoxLayout(orders_page)
        self.orders_model: RowTableModel[dict[str, Any]] = RowTableModel([
            Column("Order", lambda o: o.get("orderNumber", "")),
            Column("Placed", lambda o: moment(o.get("createdAt"), self._zone()),
                   sort_key=lambda o: o.get("createdAt")),
            Column("Status", lambda o: STATUS_TEXT.get(o.get("status") or "pending", "")),
            Column("Urgent", lambda o: "Urgent" if o.get("isUrgent") else ""),
            Column("Dealer bill", lambda o: stored_money(o["totalAmount"])
                   if o.get("totalAmount") is not None else "not yet", right=True),
            Column("Pay by", lambda o: day(o.get("dueDate")) if o.get("dueDate") else ""),
        ], style=_order_style)
        self.orders = _table(self.orders_model, 0)
        self.orders.selectionModel().currentRowChanged.connect(lambda *_: self._order_buttons())
        orders_layout.addWidget(self.orders, 1)
        order_buttons = QHBoxLayout()
        self.order_actions: dict[str, QPushButton] = {}
        for key, text, action in (
            ("new", "New order…", self.new_order),
            ("deliver", "Mark delivered…", self.deliver_order),
            ("cancel", "Cancel order", self.cancel_order),
            ("bill", "Dealer bill…", self.order_bill),
            ("print", "Print order", self.print_order),
        ):
            button = QPushButton(text)
            button.clicked.connect(action)
            if key == "new":
                button.setObjectName("primary")
            order_buttons.addWidget(button)
            self.order_actions[key] = button
            if key == "new":
                order_buttons.addStretch(1)
        orders_layout.addLayout(order_buttons)
        self.tabs.addTab(orders_page, "Orders")

        payments_page = QWidget()
        payments_layout = QVBoxLayout(payments_page)
        self.payments_model: RowTableModel[dict[str, Any]] = RowTableModel([
            Column("Paid on", lambda p: moment(p.get("paidAt"), self._zone()),
                   sort_key=lambda p: p.get("paidAt")),
            Column("Amount", lambda p: stored_money(p.get("amount")), right=True),
            Column("Method", lambda p: str(p.get("method", "")).upper()),
            Column("Order", lambda p: self._order_number(p.get("orderId"))),
            Column("Note", lambda p: p.get("note", "")),
        ])
        self.payments = _table(self.payments_model, 4)
        payments_layout.addWidget(self.payments, 1)
        pay_row = QHBoxLayout()
        pay_row.addStretch(1)
        self.pay_button = QPushButton("Record payment…")
        self.pay_button.setObjectName("primary")
        self.pay_button.clicked.connect(self.pay)
        pay_row.addWidget(self.pay_button)
        payments_layout.addLayout(pay_row)
        self.tabs.addTab(payments_page, "Payments")
        right.addWidget(self.tabs, 1)
        self.message = QLabel()
        self.message.setObjectName("hint")
        right.addWidget(self.message)
        outer.addLayout(right, 1)

    # -------------------------------------------------------------------- data
    def _owed(self, dealer: dict[str, Any]) -> int:
        dues = self.dues.get(dealer["_id"])
        return dues.balance if dues is not None else 0

    def _owed_text(self, dealer: dict[str, Any]) -> str:
        balance = self._owed(dealer)
        if balance > 0:
            return money(balance)
        return f"advance {money(-balance)}" if balance < 0 else "—"

    def _order_number(self, order_id: Any) -> str:
        if order_id is None:
            return ""
        found = next((o for o in self.orders_model.all_rows() if o["_id"] == order_id), None)
        return found.get("orderNumber", "") if found else ""

    def refresh(self, changed: set[str] | None = None) -> None:
        if changed is not None and not changed & {"dealers", "dealerorders", "dealerpayments",
                                                  "dealerorderitems", "clients"}:
            return
        keep = self.current["_id"] if self.current else None
        include_inactive = self.show_inactive.isChecked()
        dealers = self.dealers.dealers(include_inactive=include_inactive)
        self.dues = {d.dealer_id: d for d in self.dealers.all_dues(include_inactive=True)}
        self.list_model.set_rows(dealers)
        self.list_model.set_filter(self.filter.text())
        owed = sum(d.due for d in self.dues.values())
        self.list_hint.setText(f"{len(dealers)} dealer(s) · owed in all {money(owed)}")
        row = self.list_model.find_row(lambda d: d["_id"] == keep) if keep is not None else -1
        if row < 0 and self.list_model.rowCount():
            row = 0
        if row >= 0:
            self.list.selectRow(row)
        self._selected()

    def _selected(self) -> None:
        dealer = self.list_model.row_at(self.list.currentIndex().row())
        self.current = dealer
        for widget in (self.edit_button, self.active_button, self.tabs):
            widget.setEnabled(dealer is not None)
        if dealer is None:
            self.details.setText("Add your suppliers here to order from them and keep track "
                                 "of what you owe.")
            self.owed_label.setText("")
            self.orders_model.set_rows([])
            self.payments_model.set_rows([])
            return
        lines = [dealer.get("name", "")]
        for label, key in (("Contact", "contactPerson"), ("Phone", "phoneNumber"),
                           ("Email", "email"), ("Address", "address")):
            if dealer.get(key):
                lines.append(f"{label}: {dealer[key]}")
        dues = self.dues.get(dealer["_id"])
        if dues is not None:
            lines.append(f"Billed {money(dues.billed)} · paid {money(dues.paid)} · "
                         f"{dues.pending_orders} pending order(s)"
                         + (f" · {dues.unbilled_orders} delivered without a bill"
                            if dues.unbilled_orders else ""))
        if not dealer.get("isActive", True):
            lines.append("Inactive")
        self.details.setText("\n".join(lines))
        balance = dues.balance if dues is not None else 0
        self.owed_label.setText(f"Owed\n{money(balance)}" if balance > 0 else
                                (f"Advance\n{money(-balance)}" if balance < 0 else "Nothing owed"))
        self.owed_label.setProperty("owing", balance > 0)
        polish(self.owed_label)
        self.active_button.setText("Deactivate" if dealer.get("isActive", True)
                                   else "Reactivate")
        orders = self.dealers.orders(dealer["_id"])
        self.orders_model.set_rows(orders)
        if orders:
            self.orders.selectRow(0)
        self.payments_model.set_rows(self.dealers.payments(dealer["_id"]))
        self.tabs.setTabText(0, f"Orders ({len(orders)})")
        self._order_buttons()

    def select_dealer(self, dealer_id: Any) -> bool:
        row = self.list_model.find_row(lambda d: d["_id"] == dealer_id)
        if row >= 0:
            self.list.selectRow(row)
            self._selected()
        return row >= 0

    def selected_order(self) -> dict[str, Any] | None:
        return self.orders_model.row_at(self.orders.currentIndex().row())

    def select_order(self, order_id: Any) -> bool:
        row = self.orders_model.find_row(lambda o: o["_id"] == order_id)
        if row >= 0:
            self.orders.selectRow(row)
        return row >= 0

    def _order_buttons(self) -> None:
        order = self.selected_order()
        status = (order or {}).get("status") or "pending"
        self.order_actions["new"].setEnabled(self.current is not None
                                             and self.current.get("isActive", True))
        self.order_actions["deliver"].setEnabled(order is not None and status == "pending")
        self.order_actions["cancel"].setEnabled(order is not None and status == "pending")
        self.order_actions["bill"].setEnabled(order is not None and status != "cancelled")
        self.order_actions["print"].setEnabled(order is not None)

    def say(self, text: str) -> None:
        self.last_message = text
        self.message.setText(text)

    def _after(self, text: str, order_id: Any = None) -> None:
        self.refresh()
        if order_id is not None:
            self.select_order(order_id)
            self._order_buttons()
        self.say(text)

    # ----------------------------------------------------------------- dealers
    def add_dealer(self) -> None:
        dialog = DealerDialog(self, self.dealers.create)
        if dialog.exec() and dialog.result_doc is not None:
            self.refresh()
            self.select_dealer(dialog.result_doc["_id"])
            self.say(f"Added {dialog.result_doc['name']}.")

    def edit_dealer(self) -> None:
        if self.current is None:
            return
        dealer_id = self.current["_id"]
        dialog = DealerDialog(self, lambda **fields: self.dealers.update(dealer_id, **fields),
                              self.current)
        if dialog.exec() and dialog.result_doc is not None:
            self._after(f"Saved {dialog.result_doc['name']}.")

    def toggle_active(self) -> None:
        if self.current is None:
            return
        active = self.current.get("isActive", True)
        try:
            self.dealers.set_active(self.current["_id"], not active)
        except ValidationError as exc:
            show_error(self, exc)
            return
        if active and not self.show_inactive.isChecked():
            self.current = None
        self._after("Dealer deactivated." if active else "Dealer active again.")

    # ------------------------------------------------------------------ orders
    def new_order(self) -> None:
        if self.current is None:
            return
        dealer = self.current

        def create(items: list[tuple[Any, str]], urgent: bool, instructions: str, notes: str,
                   bill: str, due: str) -> dict[str, Any]:
            return self.dealers.create_order(
                dealer["_id"], items, is_urgent=urgent, delivery_instructions=instructions,
                notes=notes, total_amount=bill or None, due_date=due or None)

        dialog = OrderDialog(self, dealer, self.services.search,
                             self.services.catalog.low_stock(), create)
        if dialog.exec() and dialog.result_doc is not None:
            order = dialog.result_doc
            self._after(f"Order {order['orderNumber']} placed.", order["_id"])

    def deliver_order(self) -> None:
        order = self.selected_order()
        if order is None:
            return
        lines = self.dealers.order_lines(order["_id"])
        dialog = DeliveryDialog(self, order, lines, lambda who, note: self.dealers.mark_delivered(
            order["_id"], received_by=who, note=note))
        if dialog.exec() and dialog.result_doc is not None:
            self._after(f"Order {order['orderNumber']} received: stock updated for "
                        f"{len(lines)} item(s).", order["_id"])

    def cancel_order(self) -> None:
        order = self.selected_order()
        if order is None:
            return
        answer = QMessageBox.question(self, "Cancel order",
                                      f"Cancel order {order['orderNumber']}?")
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            self.dealers.cancel_order(order["_id"])
        except ValidationError as exc:
            show_error(self, exc)
            return
        self._after(f"Order {order['orderNumber']} cancelled.", order["_id"])

    def order_bill(self) -> None:
        order = self.selected_order()
        if order is None:
            return
        dialog = OrderBillDialog(self, order, lambda amount, due: self.dealers.set_order_bill(
            order["_id"], amount, due))
        if dialog.exec() and dialog.result_doc is not None:
            self._after(f"Dealer bill of {stored_money(dialog.result_doc['totalAmount'])} "
                        f"recorded on {order['orderNumber']}.", order["_id"])

    def print_order(self) -> None:
        order = self.selected_order()
        if order is None:
            return
        detail = self.dealers.order_detail(order["_id"])
        shop = copy.deepcopy(dict(self.services.scope.shop()))

        def render(_progress: Any) -> bytes:
            from ...printing import render_dealer_order

            return render_dealer_order(detail.order, detail.lines, detail.dealer, shop)

        def done(pdf: bytes) -> None:
            result = send_to_printer(self, self.services, pdf, paper="a4", ask=True,
                                     suggested_name=f"{order['orderNumber'].replace('/', '-')}"
                                                    ".pdf")
            self.say(result)

        start_job(render, on_done=done, on_failed=lambda exc: show_error(self, exc, "Print"))

    # ---------------------------------------------------------------- payments
    def pay(self) -> None:
        if self.current is None:
            return
        dealer = self.current
        dues = self.dues.get(dealer["_id"])

        def save(amount: str, method: str, note: str, order_id: Any) -> dict[str, Any]:
            return self.dealers.pay_dealer(dealer["_id"], amount, method=method, note=note,
                                           order=order_id)

        dialog = DealerPaymentDialog(self, dealer, dues.due if dues else 0,
                                     self.orders_model.all_rows(), save)
        if dialog.exec() and dialog.result_doc is not None:
            self._after(f"Paid {stored_money(dialog.result_doc['amount'])} to "
                        f"{dealer['name']}.")
            self.tabs.setCurrentIndex(1)


def _order_style(order: dict[str, Any]) -> RowStyle | None:
    status = order.get("status") or "pending"
    if status == "cancelled":
        return RowStyle(foreground="#9aa3ad")
    if status == "pending" and order.get("isUrgent"):
        return RowStyle(background="#fdecea")
    if status == "delivered" and order.get("totalAmount") is None:
        return RowStyle(background="#fff1cc")
    return None

