"""A new purchase order to a dealer: pick items (search, or the low-stock ones), quantities,
urgency, delivery instructions, and the dealer's bill when already known."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from ...domain.entities.dealer import Dealer
from ...domain.entities.dealer_order import DealerOrder
from ...domain.entities.item import Item
from ...domain.errors import ValidationError
from ...services.convert import quantity_of
from ...services.formatting import quantity
from ...services.search import ItemSearchIndex
from ..models.rows import Column, RowTableModel
from ..widgets.fields import amount_edit, quantity_edit
from ..widgets.tables import record_table
from .dealer_forms import DateChoice, _FormDialog

#: create(items, is_urgent, delivery_instructions, notes, total_amount, due_date) -> order
CreateOrder = Callable[[list[tuple[Any, str]], bool, str, str, str, str], DealerOrder]


def suggested_quantity(item: Item) -> Decimal:
    """Enough to reach twice the low-stock level (at least one unit)."""
    need = item.low_stock_quantity * 2 - item.stock
    whole = need.to_integral_value(rounding="ROUND_CEILING")
    return max(whole, Decimal(1))


class OrderDialog(_FormDialog):
    def __init__(
        self,
        parent: QWidget | None,
        dealer: Dealer,
        search: ItemSearchIndex,
        low_stock: list[Item],
        create: CreateOrder,
    ):
        super().__init__(parent, f"New order to {dealer.name}", 720)
        self.setMinimumHeight(560)
        self._search = search
        self._create = create
        self._low_stock = low_stock
        self._dealer_id = dealer.id
        self.lines: list[tuple[Item, str]] = []

        pick = QHBoxLayout()
        self.query = QLineEdit()
        self.query.setPlaceholderText("Item name, code or barcode")
        self.query.textChanged.connect(self._find)
        self.query.installEventFilter(self)
        self.qty = quantity_edit()
        self.qty.setText("1")
        self.qty.setFixedWidth(80)
        add = QPushButton("Add")
        add.clicked.connect(self.add_highlighted)
        add.setAutoDefault(False)
        low = QPushButton("Add low-stock items")
        low.setToolTip(
            "Items at or below their low-stock level (those this dealer supplies, "
            "when items are linked to dealers)"
        )
        low.clicked.connect(self.add_low_stock)
        low.setAutoDefault(False)
        pick.addWidget(self.query, 1)
        pick.addWidget(QLabel("Qty"))
        pick.addWidget(self.qty)
        pick.addWidget(add)
        pick.addWidget(low)
        self.body.addLayout(pick)

        self.found_model: RowTableModel[Item] = RowTableModel(
            [
                Column("Item", lambda i: i.name),
                Column("Code", lambda i: i.code),
                Column("Stock", lambda i: quantity(i.stock), right=True),
            ]
        )
        self.found = record_table(self.found_model, row_height=None, word_wrap=True)
        self.found.setFixedHeight(120)
        self.found.doubleClicked.connect(lambda _i: self.add_highlighted())
        self.body.addWidget(self.found)

        self.lines_model: RowTableModel[tuple[Item, str]] = RowTableModel(
            [
                Column("Item", lambda r: r[0].name),
                Column("Unit", lambda r: r[0].unit),
                Column("In stock", lambda r: quantity(r[0].stock), right=True),
                Column("Order qty", lambda r: r[1], right=True),
            ]
        )
        self.lines_view = record_table(self.lines_model, row_height=None, word_wrap=True)
        self.lines_view.installEventFilter(self)
        self.body.addWidget(self.errors.bind("items", self.lines_view), 1)
        remove = QPushButton("Remove line")
        remove.setAutoDefault(False)
        remove.clicked.connect(self.remove_line)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(remove)
        self.body.addLayout(row)

        self.urgent = QCheckBox("Urgent")
        self.instructions = QLineEdit()
        self.instructions.setPlaceholderText("e.g. deliver before 11 am, call on arrival")
        self.notes = QLineEdit()
        self.bill = amount_edit("optional — the dealer's bill amount")
        self.due = DateChoice("Pay by")
        self.errors.add_row(self.form, "", "isUrgent", self.urgent)
        self.errors.add_row(
            self.form, "Delivery instructions", "deliveryInstructions", self.instructions
        )
        self.errors.add_row(self.form, "Notes", "notes", self.notes)
        self.errors.add_row(self.form, "Dealer bill (₹)", "totalAmount", self.bill)
        self.errors.add_row(self.form, "Due date", "dueDate", self.due)
        self.finish()
        self.query.setFocus()

    # ------------------------------------------------------------------ lines
    def _find(self, text: str) -> None:
        self.found_model.set_rows(self._search.search(text, 20) if text.strip() else [])
        if self.found_model.rowCount():
            self.found.selectRow(0)

    def add_item(self, item: Item, qty: str) -> None:
        for n, (existing, old) in enumerate(self.lines):
            if existing.id == item.id:
                total = (
                    quantity_of(old) + quantity_of(qty or "0")
                    if _number(old) and _number(qty)
                    else None
                )
                self.lines[n] = (existing, f"{total.normalize():f}" if total is not None else qty)
                break
        else:
            self.lines.append((item, qty))
        self.lines_model.set_rows(self.lines)

    def add_highlighted(self) -> None:
        item = self.found_model.row_at(max(self.found.currentIndex().row(), 0))
        if item is None:
            return
        self.add_item(item, self.qty.text().strip() or "1")
        self.query.clear()
        self.qty.setText("1")
        self.query.setFocus()

    def add_low_stock(self) -> None:
        linked = [i for i in self._low_stock if self._dealer_id in i.dealer_ids]
        for item in linked or self._low_stock:
            if not any(line[0].id == item.id for line in self.lines):
                self.add_item(item, f"{suggested_quantity(item):f}")

    def remove_line(self) -> None:
        row = self.lines_view.currentIndex().row()
        if 0 <= row < len(self.lines):
            shown = self.lines_model.row_at(row)
            self.lines = [line for line in self.lines if line is not shown]
            self.lines_model.set_rows(self.lines)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if (
                watched is self.query
                and self.query.text().strip()
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            ):
                self.add_highlighted()
                return True
            if watched is self.query and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                step = 1 if event.key() == Qt.Key.Key_Down else -1
                rows = self.found_model.rowCount()
                if rows:
                    current = self.found.currentIndex().row()
                    self.found.selectRow(max(0, min(rows - 1, current + step)))
                return True
            if watched is self.lines_view and event.key() == Qt.Key.Key_Delete:
                self.remove_line()
                return True
        return super().eventFilter(watched, event)

    def submit(self) -> DealerOrder:
        if not self.lines:
            raise ValidationError("items", "add at least one item to the order")
        return self._create(
            [(item.id, qty) for item, qty in self.lines],
            self.urgent.isChecked(),
            self.instructions.text(),
            self.notes.text(),
            self.bill.text().strip(),
            self.due.value(),
        )


def _number(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True
