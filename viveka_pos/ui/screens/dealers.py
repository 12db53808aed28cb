"""Dealers: suppliers, their purchase orders (create, receive, cancel, print), the shop's
payments to them and what is still owed."""

from __future__ import annotations

from typing import Any

from bson import ObjectId
from PySide6.QtWidgets import (
    QCheckBox,
    QLabel,
    QMessageBox,
    QPushButton,
    QWidget,
)

from ...domain.entities.dealer import Dealer, DealerPayment
from ...domain.entities.dealer_order import DealerOrder
from ...domain.errors import ValidationError
from ...services.dealers import DealerDues, DealerService
from ...services.facade import ShopServices
from ...services.formatting import day, moment, money
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
from ..widgets.tables import record_table
from ..workers import start_job
from .list_detail import ListDetailScreen, primary

STATUS_TEXT = {"pending": "Pending", "delivered": "Delivered", "cancelled": "Cancelled"}


def dealer_service(services: ShopServices) -> DealerService:
    """The shop's dealer service (from the services bundle when it carries one)."""
    found = getattr(services, "dealers", None)
    return found if isinstance(found, DealerService) else DealerService(services.scope)


class DealersScreen(ListDetailScreen[Dealer]):
    title = "Dealers"

    def __init__(self, services: ShopServices, parent: QWidget | None = None):
        super().__init__(services, parent)
        self.dealers = dealer_service(services)
        self.dues: dict[ObjectId, DealerDues] = {}
        self._build()
        self.refresh()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.show_inactive = QCheckBox("Show inactive dealers")
        self.show_inactive.toggled.connect(lambda *_: self.refresh())
        self.filter = self._build_list(
            placeholder="Filter dealers",
            on_search=lambda text: self.list_model.set_filter(text),
            add_text="Add dealer",
            on_add=self.add_dealer,
            width=380,
            under_search=[self.show_inactive],
            columns=[
                Column("Dealer", lambda d: d.name, searchable=True),
                Column("Phone", lambda d: d.phone_number, searchable=True),
                Column(
                    "Owed",
                    lambda d: self._owed_text(d),
                    sort_key=lambda d: self._owed(d),
                    right=True,
                ),
            ],
            style=lambda d: None if d.is_active else RowStyle(foreground="#9aa3ad"),
        )
        self.owed_label = QLabel()
        self.edit_button = QPushButton("Edit")
        self.edit_button.clicked.connect(self.edit_dealer)
        self.active_button = QPushButton("Deactivate")
        self.active_button.clicked.connect(self.toggle_active)
        self._build_detail(figure=self.owed_label, buttons=[self.edit_button, self.active_button])

        self.orders_model: RowTableModel[DealerOrder] = RowTableModel(
            [
                Column("Order", lambda o: o.order_number),
                Column(
                    "Placed",
                    lambda o: moment(o.created_at, self._zone()),
                    sort_key=lambda o: o.created_at,
                ),
                Column("Status", lambda o: STATUS_TEXT.get(o.status, "")),
                Column("Urgent", lambda o: "Urgent" if o.is_urgent else ""),
                Column(
                    "Dealer bill",
                    lambda o: money(o.total_amount) if o.total_amount is not None else "not yet",
                    right=True,
                ),
                Column("Pay by", lambda o: day(o.due_date) if o.due_date else ""),
            ],
            style=_order_style,
        )
        self.orders = record_table(self.orders_model)
        self.orders.selectionModel().currentRowChanged.connect(lambda *_: self._order_buttons())
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
            self.order_actions[key] = button
        primary(self.order_actions["new"])
        new, *others = self.order_actions.values()
        self.add_tab("Orders", self.orders, new, None, *others)

        self.payments_model: RowTableModel[DealerPayment] = RowTableModel(
            [
                Column(
                    "Paid on",
                    lambda p: moment(p.paid_at, self._zone()),
                    sort_key=lambda p: p.paid_at,
                ),
                Column("Amount", lambda p: money(p.amount), right=True),
                Column("Method", lambda p: p.method.upper()),
                Column("Order", lambda p: self._order_number(p.order_id)),
                Column("Note", lambda p: p.note),
            ]
        )
        self.payments = record_table(self.payments_model, 4)
        self.pay_button = primary(QPushButton("Record payment…"))
        self.pay_button.clicked.connect(self.pay)
        self.add_tab("Payments", self.payments, None, self.pay_button)

    # -------------------------------------------------------------------- data
    def _owed(self, dealer: Dealer) -> int:
        dues = self.dues.get(dealer.id)
        return dues.balance if dues is not None else 0

    def _owed_text(self, dealer: Dealer) -> str:
        balance = self._owed(dealer)
        if balance > 0:
            return money(balance)
        return f"advance {money(-balance)}" if balance < 0 else "—"

    def _order_number(self, order_id: ObjectId | None) -> str:
        if order_id is None:
            return ""
        found = next((o for o in self.orders_model.all_rows() if o.id == order_id), None)
        return found.order_number if found else ""

    def refresh(self, changed: set[str] | None = None) -> None:
        if changed is not None and not changed & {
            "dealers",
            "dealerorders",
            "dealerpayments",
            "dealerorderitems",
            "clients",
        }:
            return
        keep = self.current.id if self.current else None
        include_inactive = self.show_inactive.isChecked()
        dealers = self.dealers.dealers(include_inactive=include_inactive)
        self.dues = {d.dealer_id: d for d in self.dealers.all_dues(include_inactive=True)}
        self.list_model.set_rows(dealers)
        self.list_model.set_filter(self.filter.text())
        owed = sum(d.due for d in self.dues.values())
        self.list_hint.setText(f"{len(dealers)} dealer(s) · owed in all {money(owed)}")
        self._reselect(keep)

    def _selected(self) -> None:
        dealer = self.selected_record()
        self.current = dealer
        for widget in (self.edit_button, self.active_button, self.tabs):
            widget.setEnabled(dealer is not None)
        if dealer is None:
            self.details.setText(
                "Add your suppliers here to order from them and keep track of what you owe."
            )
            self.owed_label.setText("")
            self.orders_model.set_rows([])
            self.payments_model.set_rows([])
            return
        lines = [dealer.name]
        for label, value in (
            ("Contact", dealer.contact_person),
            ("Phone", dealer.phone_number),
            ("Email", dealer.email),
            ("Address", dealer.address),
        ):
            if value:
                lines.append(f"{label}: {value}")
        dues = self.dues.get(dealer.id)
        if dues is not None:
            lines.append(
                f"Billed {money(dues.billed)} · paid {money(dues.paid)} · "
                f"{dues.pending_orders} pending order(s)"
                + (
                    f" · {dues.unbilled_orders} delivered without a bill"
                    if dues.unbilled_orders
                    else ""
                )
            )
        if not dealer.is_active:
            lines.append("Inactive")
        self.details.setText("\n".join(lines))
        balance = dues.balance if dues is not None else 0
        self.show_figure(
            self.owed_label,
            f"Owed\n{money(balance)}"
            if balance > 0
            else (f"Advance\n{money(-balance)}" if balance < 0 else "Nothing owed"),
            owing=balance > 0,
        )
        self.active_button.setText("Deactivate" if dealer.is_active else "Reactivate")
        orders = self.dealers.orders(dealer.id)
        self.orders_model.set_rows(orders)
        if orders:
            self.orders.selectRow(0)
        self.payments_model.set_rows(self.dealers.payments(dealer.id))
        self.tabs.setTabText(0, f"Orders ({len(orders)})")
        self._order_buttons()

    def select_dealer(self, dealer_id: ObjectId) -> bool:
        return self.select_record(dealer_id)

    def selected_order(self) -> DealerOrder | None:
        return self.orders_model.row_at(self.orders.currentIndex().row())

    def select_order(self, order_id: ObjectId) -> bool:
        row = self.orders_model.find_row(lambda o: o.id == order_id)
        if row >= 0:
            self.orders.selectRow(row)
        return row >= 0

    def _order_buttons(self) -> None:
        order = self.selected_order()
        self.order_actions["new"].setEnabled(self.current is not None and self.current.is_active)
        self.order_actions["deliver"].setEnabled(order is not None and order.is_pending)
        self.order_actions["cancel"].setEnabled(order is not None and order.is_pending)
        self.order_actions["bill"].setEnabled(order is not None and not order.is_cancelled)
        self.order_actions["print"].setEnabled(order is not None)

    def _after(self, text: str, order_id: ObjectId | None = None) -> None:
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
            self.select_dealer(dialog.result_doc.id)
            self.say(f"Added {dialog.result_doc.name}.")

    def edit_dealer(self) -> None:
        if self.current is None:
            return
        dealer_id = self.current.id
        dialog = DealerDialog(
            self, lambda **fields: self.dealers.update(dealer_id, **fields), self.current
        )
        if dialog.exec() and dialog.result_doc is not None:
            self._after(f"Saved {dialog.result_doc.name}.")

    def toggle_active(self) -> None:
        if self.current is None:
            return
        active = self.current.is_active
        try:
            self.dealers.set_active(self.current.id, not active)
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

        def create(
            items: list[tuple[Any, str]],
            urgent: bool,
            instructions: str,
            notes: str,
            bill: str,
            due: str,
        ) -> DealerOrder:
            return self.dealers.create_order(
                dealer.id,
                items,
                is_urgent=urgent,
                delivery_instructions=instructions,
                notes=notes,
                total_amount=bill or None,
                due_date=due or None,
            )

        dialog = OrderDialog(
            self, dealer, self.services.search, self.services.catalog.low_stock(), create
        )
        if dialog.exec() and dialog.result_doc is not None:
            order = dialog.result_doc
            self._after(f"Order {order.order_number} placed.", order.id)

    def deliver_order(self) -> None:
        order = self.selected_order()
        if order is None:
            return
        lines = self.dealers.order_lines(order.id)
        dialog = DeliveryDialog(
            self,
            order,
            lines,
            lambda who, note: self.dealers.mark_delivered(order.id, received_by=who, note=note),
        )
        if dialog.exec() and dialog.result_doc is not None:
            self._after(
                f"Order {order.order_number} received: stock updated for {len(lines)} item(s).",
                order.id,
            )

    def cancel_order(self) -> None:
        order = self.selected_order()
        if order is None:
            return
        answer = QMessageBox.question(self, "Cancel order", f"Cancel order {order.order_number}?")
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            self.dealers.cancel_order(order.id)
        except ValidationError as exc:
            show_error(self, exc)
            return
        self._after(f"Order {order.order_number} cancelled.", order.id)

    def order_bill(self) -> None:
        order = self.selected_order()
        if order is None:
            return
        dialog = OrderBillDialog(
            self, order, lambda amount, due: self.dealers.set_order_bill(order.id, amount, due)
        )
        if dialog.exec() and dialog.result_doc is not None:
            self._after(
                f"Dealer bill of {money(dialog.result_doc.total_amount or 0)} "
                f"recorded on {order.order_number}.",
                order.id,
            )

    def print_order(self) -> None:
        order = self.selected_order()
        if order is None:
            return
        detail = self.dealers.order_for_print(order.id)
        shop = self.services.shop.document_for_print()

        def render(_progress: Any) -> bytes:
            from ...printing import render_dealer_order

            return render_dealer_order(detail.order, detail.lines, detail.dealer, shop)

        def done(pdf: bytes) -> None:
            result = send_to_printer(
                self,
                self.services,
                pdf,
                paper="a4",
                ask=True,
                suggested_name=f"{order.order_number.replace('/', '-')}.pdf",
            )
            self.say(result)

        start_job(render, on_done=done, on_failed=lambda exc: show_error(self, exc, "Print"))

    # ---------------------------------------------------------------- payments
    def pay(self) -> None:
        if self.current is None:
            return
        dealer = self.current
        dues = self.dues.get(dealer.id)

        def save(amount: str, method: str, note: str, order_id: ObjectId | None) -> DealerPayment:
            return self.dealers.pay_dealer(
                dealer.id, amount, method=method, note=note, order=order_id
            )

        dialog = DealerPaymentDialog(
            self, dealer, dues.due if dues else 0, self.orders_model.all_rows(), save
        )
        if dialog.exec() and dialog.result_doc is not None:
            self._after(f"Paid {money(dialog.result_doc.amount)} to {dealer.name}.")
            self.tabs.setCurrentIndex(1)


def _order_style(order: DealerOrder) -> RowStyle | None:
    if order.is_cancelled:
        return RowStyle(foreground="#9aa3ad")
    if order.is_pending and order.is_urgent:
        return RowStyle(background="#fdecea")
    if order.status == "delivered" and order.total_amount is None:
        return RowStyle(background="#fff1cc")
    return None
