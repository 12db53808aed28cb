"""F9: the parked bills (open carts), newest first; Enter resumes the highlighted one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...domain.entities.cart import Cart
from ...services.formatting import moment, money
from ..models.rows import Column, RowTableModel


class ParkedBillsDialog(QDialog):
    def __init__(
        self,
        parent: QWidget | None,
        carts: list[Cart],
        discard: Callable[[Any], None],
        *,
        zone: str = "Asia/Kolkata",
    ):
        super().__init__(parent)
        self.setWindowTitle("Parked bills")
        self.setMinimumSize(760, 360)
        self.chosen: Any = None
        self._discard = discard

        layout = QVBoxLayout(self)
        self.model: RowTableModel[Cart] = RowTableModel(
            [
                Column("Bill", lambda c: c.label or "(no name)"),
                Column("Customer", lambda c: c.customer_phone or "Walk-in"),
                Column("Items", lambda c: str(c.item_count), right=True),
                Column("Total", lambda c: money(c.total_amount), right=True),
                Column("Last change", lambda c: moment(c.updated_at, zone)),
            ]
        )
        self.model.set_rows(carts)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setObjectName("parkedBills")
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda _index: self.accept())
        layout.addWidget(self.table, 1)
        empty = QLabel("No parked bills. F8 on the billing screen parks the bill in progress.")
        empty.setObjectName("hint")
        empty.setVisible(not carts)
        layout.addWidget(empty)

        row = QHBoxLayout()
        remove = QPushButton("Discard bill…")
        remove.clicked.connect(self._discard_selected)
        row.addWidget(remove)
        row.addStretch(1)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        resume = QPushButton("Resume")
        resume.setDefault(True)
        resume.clicked.connect(self.accept)
        for button in (remove, cancel, resume):
            button.setAutoDefault(False)
        row.addWidget(cancel)
        row.addWidget(resume)
        layout.addLayout(row)
        resume.setEnabled(bool(carts))
        remove.setEnabled(bool(carts))
        if carts:
            self.table.selectRow(0)
        self.table.setFocus()

    def _selected(self) -> Cart | None:
        return self.model.row_at(self.table.currentIndex().row())

    def accept(self) -> None:
        cart = self._selected()
        if cart is None:
            return
        self.chosen = cart.id
        super().accept()

    def _discard_selected(self) -> None:
        cart = self._selected()
        if cart is None:
            return
        answer = QMessageBox.question(
            self,
            "Discard bill",
            f"Discard the parked bill {cart.label} with "
            f"{cart.item_count} item(s)? This cannot be undone.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        self._discard(cart.id)
        rows = [c for c in self.model.all_rows() if c.id != cart.id]
        self.model.set_rows(rows)
        if rows:
            self.table.selectRow(0)
