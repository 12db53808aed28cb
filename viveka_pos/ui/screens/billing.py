"""The billing screen: keyboard first, scanner aware, totals with the GST split in view.

Keys (shown in the row at the bottom):
  typing       search items by name, code or barcode; Enter adds the highlighted match
  ↑ ↓          move in the matches while searching, else in the bill
  + / −        quantity of the highlighted line up or down by one
  F4 or *      set the quantity of the highlighted line
  Delete       remove the highlighted line
  F2 customer · F6 line discount · F7 bill discount · F8 park · F9 resume parked bill
  F10 pay · F12 save and print · Ctrl+S save · Ctrl+P print the last bill again
  Ctrl+R       goods taken back on a bill (credit note), or cancel a bill of today
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...domain.entities.cart import Cart, CartCustomer, CartLine, CartView
from ...domain.entities.invoice import Invoice
from ...domain.entities.item import Item
from ...domain.errors import ValidationError
from ...domain.money import MoneyError, percent_of, round_half_up
from ...domain.states import state_by_code
from ...domain.tax import LineTotals
from ...services.facade import ShopServices
from ...services.formatting import money, percent_or_amount, quantity, rupees_text
from ...services.invoices import WALK_IN_CREDIT
from ..dialogs.customer_lookup import CustomerLookupDialog
from ..dialogs.parked import ParkedBillsDialog
from ..dialogs.payment import PaymentDialog
from ..dialogs.value import ValueDialog
from ..errors import user_message
from ..models.rows import Column, RowTableModel
from ..print_jobs import print_invoice
from ..scanner import ScannerFilter
from ..theme import polish
from ..widgets.fields import amount_edit, quantity_edit
from ..widgets.key_hints import KeyHints
from ..widgets.totals import TotalsPanel

T = TypeVar("T")
RESULT_LIMIT = 40
CartRow = tuple[CartLine, LineTotals]

HINTS = (
    ("F2", "Customer"),
    ("F4", "Qty"),
    ("F6", "Line disc."),
    ("F7", "Bill disc."),
    ("F8", "Park"),
    ("F9", "Resume"),
    ("F10", "Pay"),
    ("F12", "Save & print"),
    ("Ctrl+S", "Save"),
    ("Del", "Remove"),
    ("+/−", "Qty ±1"),
)


class CartTable(QTableView):
    """The bill's lines; + − * and Delete act on the highlighted line."""

    step = Signal(int)
    ask_quantity = Signal()
    remove = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, text = event.key(), event.text()
        if text == "+" or key == Qt.Key.Key_Plus:
            self.step.emit(1)
        elif text == "-" or key == Qt.Key.Key_Minus:
            self.step.emit(-1)
        elif text == "*" or key == Qt.Key.Key_Asterisk:
            self.ask_quantity.emit()
        elif key == Qt.Key.Key_Delete:
            self.remove.emit()
        else:
            super().keyPressEvent(event)


TableView = TypeVar("TableView", bound=QTableView)


def _table(view: TableView) -> TableView:
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(30)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    return view


class BillingScreen(QWidget):
    title = "Billing"

    def __init__(self, services: ShopServices, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("billingScreen")
        self.services = services
        self.cart_id: Any = None
        self.view: CartView | None = None
        self.last_invoice: Invoice | None = None
        self.last_message = ""
        self._build()
        self.scanner = ScannerFilter(self, self.search, self.scan)
        self.scanner.install()
        self._shortcuts()
        self._show_view(None)
        self._update_parked_hint()
        self._say_parked_at_start()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 12, 12, 6)
        outer.setSpacing(8)
        body = QHBoxLayout()
        body.setSpacing(12)
        outer.addLayout(body, 1)

        left = QVBoxLayout()
        left.setSpacing(6)
        body.addLayout(left, 1)
        top = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setObjectName("billingSearch")
        self.search.setPlaceholderText("Search item by name, code or barcode — or scan")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._search_changed)
        self.search.returnPressed.connect(self.add_highlighted)
        self.search.installEventFilter(self)
        top.addWidget(self.search, 1)
        self.bill_label = QLabel()
        self.bill_label.setObjectName("billLabel")
        top.addWidget(self.bill_label)
        left.addLayout(top)

        self.results_model: RowTableModel[Item] = RowTableModel(
            [
                Column("Item", lambda i: i.name),
                Column("Code", lambda i: i.code),
                Column("Price", lambda i: money(i.price), right=True),
                Column("GST", lambda i: f"{i.gst_rate}%", right=True),
                Column("Stock", lambda i: quantity(i.stock), right=True),
            ]
        )
        self.results = _table(QTableView())
        self.results.setObjectName("searchResults")
        self.results.setModel(self.results_model)
        self.results.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.results.doubleClicked.connect(lambda _i: self.add_highlighted())
        self._size_columns(self.results, stretch=0)
        self.results.setFixedHeight(6 * 30 + 32)
        self.results_hint = QLabel("Type to search items, or scan a barcode.")
        self.results_hint.setObjectName("hint")
        left.addWidget(self.results)
        left.addWidget(self.results_hint)

        self.cart_model: RowTableModel[CartRow] = RowTableModel(
            [
                Column("#", lambda r: str(r[0].position or ""), right=True),
                Column("Item", lambda r: r[0].name),
                Column("Qty", lambda r: _quantity_text(r), right=True),
                Column("Price", lambda r: money(r[1].unit_price), right=True),
                Column(
                    "Discount", lambda r: money(r[1].discount) if r[1].discount else "", right=True
                ),
                Column("GST", lambda r: f"{r[1].gst_rate}%", right=True),
                Column("Amount", lambda r: money(r[1].line_total), right=True),
            ]
        )
        self.cart_table = _table(CartTable())
        self.cart_table.setObjectName("cartTable")
        self.cart_table.setModel(self.cart_model)
        self.cart_table.step.connect(self.step_quantity)
        self.cart_table.ask_quantity.connect(self.ask_quantity)
        self.cart_table.remove.connect(self.remove_line)
        self._size_columns(self.cart_table, stretch=1)
        left.addWidget(self.cart_table, 1)

        right = QVBoxLayout()
        right.setSpacing(10)
        side = QWidget()
        side.setObjectName("billingSide")
        side.setLayout(right)
        side.setFixedWidth(340)
        body.addWidget(side)
        self.customer_card = QLabel()
        self.customer_card.setObjectName("customerCard")
        self.customer_card.setWordWrap(True)
        self.customer_card.setTextFormat(Qt.TextFormat.PlainText)
        right.addWidget(self.customer_card)
        self.totals = TotalsPanel()
        right.addWidget(self.totals)
        right.addStretch(1)
        buttons = [
            ("Customer  F2", self.choose_customer, ""),
            ("Park  F8", self.park, ""),
            ("Resume  F9", self.resume, ""),
            ("Discard bill", self.discard, ""),
            ("Pay  F10", lambda: self.pay(print_after=True), "primary"),
        ]
        grid = QVBoxLayout()
        grid.setSpacing(6)
        row = QHBoxLayout()
        for n, (text, action, kind) in enumerate(buttons):
            button = QPushButton(text)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(action)
            if kind:
                button.setObjectName(kind)
                button.setMinimumHeight(44)
                grid.addWidget(button)
            else:
                row.addWidget(button)
                if n % 2 == 1:
                    grid.addLayout(row)
                    row = QHBoxLayout()
        if row.count():
            grid.addLayout(row)
        right.addLayout(grid)

        self.message = QLabel()
        self.message.setObjectName("messageLine")
        self.message.setProperty("kind", "info")
        outer.addWidget(self.message)
        self.hints = KeyHints(HINTS)
        outer.addWidget(self.hints)

    @staticmethod
    def _size_columns(view: QTableView, *, stretch: int) -> None:
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        header.setHighlightSections(False)

    def _shortcuts(self) -> None:
        keys: list[tuple[QKeySequence | Qt.Key, Callable[[], Any]]] = [
            (Qt.Key.Key_F2, self.choose_customer),
            (Qt.Key.Key_F4, self.ask_quantity),
            (Qt.Key.Key_F6, self.ask_line_discount),
            (Qt.Key.Key_F7, self.ask_bill_discount),
            (Qt.Key.Key_F8, self.park),
            (Qt.Key.Key_F9, self.resume),
            (Qt.Key.Key_F10, lambda: self.pay(print_after=True)),
            (Qt.Key.Key_F12, lambda: self.pay(print_after=True)),
            (QKeySequence("Ctrl+S"), lambda: self.pay(print_after=False)),
            (QKeySequence("Ctrl+P"), self.reprint_last),
            (QKeySequence("Ctrl+R"), self.take_back),
        ]
        for key, action in keys:
            sequence = key if isinstance(key, QKeySequence) else QKeySequence(key)
            shortcut = QShortcut(sequence, self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(action)

    # ---------------------------------------------------------------- helpers
    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.focus_search()

    def focus_search(self) -> None:
        window = self.window()
        if window.isVisible() and QApplication.activeModalWidget() is None:
            window.activateWindow()  # back from a dialog: the keyboard belongs here again
        self.search.setFocus(Qt.FocusReason.OtherFocusReason)

    def say(self, text: str, kind: str = "info") -> None:
        self.last_message = text
        self.message.setText(text)
        self.message.setProperty("kind", kind)
        polish(self.message)

    def _attempt(self, action: Callable[[], T]) -> T | None:
        """Run a service call; a rule it breaks becomes the message line, with a beep."""
        try:
            return action()
        except (ValidationError, MoneyError) as exc:
            if isinstance(exc, ValidationError) and exc.field == "cartId":
                self._forget_cart()
            QApplication.beep()
            self.say(user_message(exc), "error")
            return None

    def _forget_cart(self) -> None:
        self.cart_id = None
        self._show_view(None)

    def _ensure_cart(self) -> Any:
        if self.cart_id is None:
            view = self.services.carts.create()
            self.cart_id = view.cart_id
            self.view = view
        return self.cart_id

    def selected_row(self) -> CartRow | None:
        return self.cart_model.row_at(self.cart_table.currentIndex().row())

    def _selected_line(self) -> CartRow | None:
        row = self.selected_row()
        if row is None:
            self.say("Pick a line of the bill first (↑ ↓ to move).", "error")
        return row

    # ----------------------------------------------------------------- search
    def _search_changed(self, text: str) -> None:
        rows = self.services.search.search(text, RESULT_LIMIT) if text.strip() else []
        self.results_model.set_rows(rows)
        if rows:
            self.results.selectRow(0)
            self.results_hint.setText(
                f"{len(rows)}{'+' if len(rows) == RESULT_LIMIT else ''} "
                "match(es) — Enter adds the highlighted item"
            )
        elif text.strip():
            self.results_hint.setText(f"No item matches “{text.strip()}”.")
        else:
            self.results_hint.setText("Type to search items, or scan a barcode.")

    def highlighted_item(self) -> Item | None:
        row = self.results.currentIndex().row()
        return self.results_model.row_at(row if row >= 0 else 0)

    def add_highlighted(self) -> None:
        if not self.search.text().strip():
            return
        item = self.highlighted_item()
        if item is None:
            QApplication.beep()
            self.say(f"No item matches “{self.search.text().strip()}”.", "error")
            return
        self.add_item(item)

    def scan(self, code: str) -> None:
        """A code from the barcode scanner: exact match on code or barcode only."""
        item = self.services.search.by_code(code)
        if item is None:
            QApplication.beep()
            self.say(f"No item has the code {code}. Add it in Inventory first.", "error")
            return
        self.add_item(item, scanned=True)

    def add_item(self, item: Item, *, scanned: bool = False) -> None:
        def add() -> CartView:
            cart_id = self._ensure_cart()
            return self.services.carts.add_item(cart_id, item.id)

        view = self._attempt(add)
        if view is None:
            return
        self._show_view(view, select_item=item.id)
        if not scanned or self.search.text().strip() == "":
            self.search.clear()
        added = f"Added {item.name}" + (" (scanned)" if scanned else "")
        self._say_change(view, added)

    def _say_change(self, view: CartView, text: str) -> None:
        """What a change did, or the stock warning it raised (with a beep: the eyes of the
        person at the counter are on the customer)."""
        if view.warning:
            QApplication.beep()
            self.say(view.warning, "warning")
        else:
            self.say(text)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.search and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            return self._search_key(event)
        return super().eventFilter(watched, event)

    def _search_key(self, event: QKeyEvent) -> bool:
        key, empty = event.key(), not self.search.text()
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
            table = self.cart_table if empty else self.results
            model = table.model()
            if model.rowCount() == 0:
                return True
            page = 6 if key in (Qt.Key.Key_PageUp, Qt.Key.Key_PageDown) else 1
            step = -page if key in (Qt.Key.Key_Up, Qt.Key.Key_PageUp) else page
            current = table.currentIndex().row()
            target = max(0, min(model.rowCount() - 1, (current if current >= 0 else -1) + step))
            table.selectRow(target)
            return True
        if key == Qt.Key.Key_Escape and not empty:
            self.search.clear()
            return True
        if empty and event.text() in ("+", "-"):
            self.step_quantity(1 if event.text() == "+" else -1)
            return True
        if empty and event.text() == "*":
            self.ask_quantity()
            return True
        if empty and key == Qt.Key.Key_Delete:
            self.remove_line()
            return True
        return False

    # ------------------------------------------------------------- cart view
    def _show_view(
        self, view: CartView | None, *, select_item: Any = None, select_row: int | None = None
    ) -> None:
        self.view = view
        previous = self.cart_table.currentIndex().row()
        rows: list[CartRow] = list(zip(view.lines, view.totals.lines, strict=True)) if view else []
        self.cart_model.set_rows(rows)
        if rows:
            if select_item is not None:
                target = self.cart_model.find_row(lambda r: r[0].item_id == select_item)
            elif select_row is not None:
                target = select_row
            else:
                target = previous
            target = max(0, min(len(rows) - 1, target if target is not None else 0))
            self.cart_table.selectRow(target)
            self.cart_table.scrollTo(self.cart_model.index(target, 0))
        self.totals.show_totals(view.totals if view else None, supply_text=self._supply_text(view))
        self._show_customer(view.customer if view else None)
        label = view.cart.label if view else ""
        self.bill_label.setText(
            f"Bill: {label}" if label else ("New bill" if not rows else "Bill in progress")
        )

    def _supply_text(self, view: CartView | None) -> str:
        if view is None or view.totals.supply_type == "intra":
            return "Within the state: CGST + SGST"
        customer_state = state_by_code(view.customer.state_code if view.customer else "")
        where = f" to {customer_state.name}" if customer_state else ""
        return f"Inter-state supply{where}: IGST"

    def _show_customer(self, customer: CartCustomer | None) -> None:
        if customer is None:
            self.customer_card.setText("Walk-in customer\nF2 to add a customer by phone")
            return
        lines = [customer.name or "Customer", customer.phone]
        if customer.gstin:
            lines.append(f"GSTIN {customer.gstin}")
        state = state_by_code(customer.state_code)
        if state is not None:
            lines.append(state.name)
        dues = self._attempt(lambda: self.services.customers.dues_paise(customer.id))
        if dues:
            lines.append(f"Earlier dues: {money(dues)}")
        self.customer_card.setText("\n".join(line for line in lines if line))

    def refresh(self, changed: set[str] | None = None) -> None:
        """After data changed elsewhere: matches (stock, prices) and this bill's totals."""
        if changed is None or "items" in changed:
            self._search_changed(self.search.text())
        if self.cart_id is not None and (
            changed is None or changed & {"clients", "clientCustomers"}
        ):
            view = self._attempt(lambda: self.services.carts.view(self.cart_id))
            if view is not None:
                self._show_view(view)
        if changed is None or "carts" in changed:
            self._update_parked_hint()

    def _parked_carts(self) -> list[Cart]:
        return [
            c for c in self.services.carts.open_carts() if c.id != self.cart_id and c.item_count
        ]

    def _say_parked_at_start(self) -> None:
        parked = self._parked_carts()
        if parked:
            names = ", ".join(c.label or "no name" for c in parked[:3])
            more = f" and {len(parked) - 3} more" if len(parked) > 3 else ""
            self.say(
                f"{len(parked)} parked bill(s) waiting ({names}{more}) — F9 resumes one.", "warning"
            )

    def park_notice(self, view: CartView) -> tuple[QMessageBox, QPushButton]:
        """The question at closing with a bill in progress, and its "Park and close"."""
        count = len(view.lines)
        box = QMessageBox(
            QMessageBox.Icon.Information,
            "Bill in progress",
            f"The bill in progress ({count} line{'s' if count > 1 else ''}, "
            f"{money(view.totals.total_amount)}) will be kept as a parked bill "
            "for 24 hours. F9 brings it back after the next start.",
            parent=self,
        )
        box.setObjectName("parkOnClose")
        keep = box.addButton("Park and close", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Go back to the bill", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        return box, keep

    def park_on_close(self, *, ask: bool) -> bool:
        """The window is closing: a bill in progress is kept as a parked bill (24 hours),
        saying so first; False when the person chose to go back to it."""
        if self.view is None or self.view.is_empty:
            return True
        view = self.view
        if ask:
            box, keep = self.park_notice(view)
            box.exec()
            if box.clickedButton() is not keep:
                self.focus_search()
                return False
        if not view.cart.label:
            zone = self.services.shop.settings().time_zone
            at = self.services.scope.now().replace(tzinfo=UTC).astimezone(ZoneInfo(zone))
            self._attempt(
                lambda: self.services.carts.set_label(view.cart_id, f"Left open {at:%d %b %H:%M}")
            )
        return True

    def _update_parked_hint(self) -> None:
        parked = self._parked_carts()
        self.hints.set_text("F9", f"Resume ({len(parked)})" if parked else "Resume")

    # ----------------------------------------------------------- line actions
    def step_quantity(self, step: int) -> None:
        row = self._selected_line()
        if row is None:
            return
        index = self.cart_table.currentIndex().row()
        view = self._attempt(
            lambda: self.services.carts.change_quantity(self.cart_id, row[0].id, step)
        )
        if view is not None:
            self._show_view(view, select_row=index)
            self._say_quantity(view, index, row)

    def _say_quantity(self, view: CartView, index: int, row: CartRow) -> None:
        self._say_change(
            view,
            f"{row[0].name}: quantity {_quantity_text(self.cart_model.row_at(index) or row)}",
        )

    def ask_quantity(self) -> None:
        row = self._selected_line()
        if row is None:
            return
        index = self.cart_table.currentIndex().row()
        line = row[0]
        dialog = ValueDialog(
            self,
            "Quantity",
            f"{line.name} ({line.unit})",
            quantity_edit(),
            lambda text: self.services.carts.set_quantity(self.cart_id, line.id, text),
            fields=("quantity",),
            text=quantity(line.quantity),
        )
        if dialog.exec() and dialog.result_value is not None:
            self._show_view(dialog.result_value, select_row=index)
            self._say_quantity(dialog.result_value, index, row)
        self.focus_search()

    def remove_line(self) -> None:
        row = self._selected_line()
        if row is None:
            return
        index = self.cart_table.currentIndex().row()
        view = self._attempt(lambda: self.services.carts.remove_line(self.cart_id, row[0].id))
        if view is not None:
            self._show_view(view, select_row=max(0, index - 1) if index else 0)
            self.say(f"Removed {row[0].name}")

    def ask_line_discount(self) -> None:
        row = self._selected_line()
        if row is None:
            return
        index = self.cart_table.currentIndex().row()
        line = row[0]
        gross = round_half_up(line.quantity * line.unit_price)

        def apply(text: str) -> CartView:
            return self.services.carts.set_line_discount(
                self.cart_id, line.id, _discount_amount(text, gross)
            )

        dialog = ValueDialog(
            self,
            "Line discount",
            f"Discount on {line.name}",
            amount_edit(percent=True),
            apply,
            fields=("discount",),
            text=rupees_text(line.line_discount),
            note=f"Line amount {money(gross)}. Type an amount in ₹ or a percentage such as 10%.",
        )
        if dialog.exec() and dialog.result_value is not None:
            self._show_view(dialog.result_value, select_row=index)
            shown = self.cart_model.row_at(index)
            discount = shown[0].line_discount if shown else 0
            self.say(
                f"{line.name}: discount {money(discount)}"
                if discount
                else f"{line.name}: no discount"
            )
        self.focus_search()

    def ask_bill_discount(self) -> None:
        if self.view is None or self.view.is_empty:
            self.say("Add items before giving a bill discount.", "error")
            return
        base = sum(
            round_half_up(line.quantity * line.unit_price) - line.line_discount
            for line in self.view.lines
        )

        def apply(text: str) -> CartView:
            return self.services.carts.set_bill_discount(self.cart_id, _discount_amount(text, base))

        dialog = ValueDialog(
            self,
            "Bill discount",
            "Discount on the whole bill",
            amount_edit(percent=True),
            apply,
            fields=("discount",),
            text=rupees_text(self.view.cart.bill_discount),
            note=f"Bill amount before tax {money(base)}. Type an amount in ₹ or a percentage "
            "such as 5%.",
        )
        if dialog.exec() and dialog.result_value is not None:
            self._show_view(dialog.result_value)
            discount = dialog.result_value.cart.bill_discount
            self.say(f"Bill discount {money(discount)}" if discount else "No bill discount")
        self.focus_search()

    # ---------------------------------------------------------- bill actions
    def choose_customer(self) -> None:
        on_bill = self.view.customer if self.view else None
        current = (
            self._attempt(lambda: self.services.customers.get(on_bill.id)) if on_bill else None
        )
        dialog = CustomerLookupDialog(self, self.services.customers, current=current)
        if dialog.exec():
            if dialog.walk_in:
                view = self._attempt(lambda: self.services.carts.set_customer(self.cart_id, None))
                if view is not None:
                    self._show_view(view)
                    self.say("Walk-in customer")
            elif dialog.chosen is not None:
                chosen = dialog.chosen

                def attach() -> CartView:
                    return self.services.carts.set_customer(self._ensure_cart(), chosen.id)

                view = self._attempt(attach)
                if view is not None:
                    self._show_view(view)
                    self.say(f"Customer: {chosen.name or chosen.phone_number}")
        self.focus_search()

    def park(self) -> None:
        if self.view is None or self.view.is_empty:
            self.say("Nothing to park: the bill is empty.", "error")
            return
        current = self.view
        suggestion = current.cart.label or (current.customer.name if current.customer else "")
        dialog = ValueDialog(
            self,
            "Park bill",
            "Name (optional)",
            QLineEdit(),
            lambda text: self.services.carts.set_label(current.cart_id, text),
            fields=("label",),
            text=suggestion,
            note="The bill is kept for 24 hours. F9 brings it back.",
        )
        if not dialog.exec():
            self.focus_search()
            return
        self._forget_cart()
        self._update_parked_hint()
        self.say(
            f"Parked the bill{' ' + suggestion if suggestion else ''}. F9 resumes it.", "success"
        )
        self.focus_search()

    def resume(self) -> None:
        carts = self._parked_carts()
        zone = self.services.shop.settings().time_zone
        dialog = ParkedBillsDialog(self, carts, self.services.carts.discard, zone=zone)
        if dialog.exec() and dialog.chosen is not None:
            chosen = dialog.chosen
            view = self._attempt(lambda: self.services.carts.view(chosen))
            if view is not None:
                parked_now = self.view is not None and not self.view.is_empty
                self.cart_id = view.cart_id
                self._show_view(view, select_row=0)
                self.say(
                    "Resumed the parked bill"
                    + (" (the previous bill was parked)" if parked_now else ""),
                    "success",
                )
        self._update_parked_hint()
        self.focus_search()

    def discard(self) -> None:
        if self.view is None or self.view.is_empty:
            return
        answer = QMessageBox.question(
            self, "Discard bill", "Discard the bill in progress? This cannot be undone."
        )
        if answer == QMessageBox.StandardButton.Yes:
            cart_id = self.cart_id
            self._attempt(lambda: self.services.carts.discard(cart_id))
            self._forget_cart()
            self.say("Bill discarded.")
        self.focus_search()

    def pay(self, *, print_after: bool) -> None:
        if self.view is None or self.view.is_empty:
            QApplication.beep()
            self.say("The bill has no items yet.", "error")
            return
        view = self.view
        customer = view.customer
        who = f"{customer.name} {customer.phone}".strip() if customer else "Walk-in customer"

        def save(paid: int, method: str, note: str, _print: bool) -> Invoice:
            if paid < view.totals.total_amount and (
                self.view is None or self.view.customer is None
            ):
                self._customer_for_credit(dialog, view.totals.total_amount - paid)
            return self.services.invoices.generate(
                view.cart_id, paid_amount=rupees_text(paid), method=method, payment_note=note
            )

        dialog = PaymentDialog(
            self,
            view.totals.total_amount,
            save,
            customer=who,
            print_by_default=print_after,
            walk_in=customer is None,
        )
        if dialog.exec() and dialog.invoice is not None:
            self._saved(dialog.invoice, print_after=dialog.printed_requested)
        self.focus_search()

    def _customer_for_credit(self, parent: QWidget, due: int) -> None:
        """Credit is owed by someone: ask who, and put them on the bill. Raises the
        service's own rule when no customer is given (the payment dialog shows it)."""
        dialog = CustomerLookupDialog(parent, self.services.customers, current=None)
        dialog.setWindowTitle(f"Who owes {money(due)}? Credit needs a customer")
        chosen = dialog.chosen if dialog.exec() and not dialog.walk_in else None
        if chosen is None:
            raise ValidationError("paidAmount", WALK_IN_CREDIT.format(due=money(due)))
        view = self._attempt(lambda: self.services.carts.set_customer(self.cart_id, chosen.id))
        if view is None:
            raise ValidationError("paidAmount", WALK_IN_CREDIT.format(due=money(due)))
        self._show_view(view)

    def _saved(self, invoice: Invoice, *, print_after: bool) -> None:
        self.last_invoice = invoice
        self._forget_cart()
        total = invoice.total_amount
        paid = invoice.paid_amount
        due = total - paid
        text = f"Saved {invoice.number} · {money(total)}"
        text += " · paid in full" if due <= 0 else f" · paid {money(paid)} · due {money(due)}"
        self.say(text, "success")
        self._update_parked_hint()
        if print_after:
            self._print(invoice, prefix=text)

    def _print(self, invoice: Invoice, *, prefix: str) -> None:
        print_invoice(
            self,
            self.services,
            invoice,
            on_finished=lambda result: self.say(f"{prefix} · {result}", "success"),
        )

    def take_back(self) -> None:
        """Ctrl+R: goods taken back on a bill (credit note) or a bill of today cancelled;
        the last bill's number is offered."""
        from ..dialogs.sales_return import run_return

        last = self.last_invoice.number if self.last_invoice is not None else ""
        message = run_return(self, self.services, number=last, on_message=self.say)
        if message:
            self.say(message)
        self.focus_search()

    def reprint_last(self) -> None:
        if self.last_invoice is None:
            self.say("No bill saved yet in this session.", "error")
            return
        invoice = self.last_invoice
        self._print(invoice, prefix=f"Reprint {invoice.number}")


def _quantity_text(row: CartRow) -> str:
    unit = row[0].unit
    text = quantity(row[1].quantity)
    return text if unit in ("nos", "pcs") else f"{text} {unit}"


def _discount_amount(text: str, base_paise: int) -> str:
    """What to pass to the service: the amount typed, or a percentage of ``base_paise``."""
    amount_text, percent = percent_or_amount(text)
    if percent is None:
        return amount_text or "0"
    if not percent.is_finite() or percent < 0 or percent > 100:
        raise ValidationError("discount", "a percentage must be between 0% and 100%")
    return rupees_text(percent_of(base_paise, Decimal(percent)))
