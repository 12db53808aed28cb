"""F2 on the billing screen: find the customer by phone (or name), or add them inline.

The new-customer form asks only for what the shop collects (Settings → Customer fields,
``CustomerService.enabled_fields()``); the phone typed in the search box is used as is.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...domain import phones
from ...domain import validation as v
from ...domain.entities.customer import Customer
from ...domain.errors import ValidationError
from ...services.customers import CustomerService
from ..models.rows import Column, RowTableModel
from ..widgets.fields import FormErrors, state_combo
from .forms import add_customer_detail_rows

SEARCH_LIMIT = 30


INFO = "Type a phone number or a name. Enter picks the highlighted customer."


class CustomerLookupDialog(QDialog):
    def __init__(
        self,
        parent: QWidget | None,
        customers: CustomerService,
        *,
        current: object | None = None,
    ):
        super().__init__(parent)
        self.setWindowTitle("Customer")
        self.setMinimumSize(620, 480)
        self.customers = customers
        phones.prepare()  # checked as digits are typed: no pause mid-typing (or mid-scan)
        self.chosen: Customer | None = None
        self.walk_in = False
        enabled = customers.enabled_fields()

        layout = QVBoxLayout(self)
        self.query = QLineEdit()
        self.query.setPlaceholderText("Phone number or name")
        self.query.setObjectName("searchBox")
        layout.addWidget(self.query)

        self.model: RowTableModel[Customer] = RowTableModel(
            [
                Column("Name", lambda c: c.name or "—"),
                Column("Phone", lambda c: c.phone_number),
                Column("GSTIN", lambda c: c.gst_no),
                Column("Address", lambda c: c.address),
            ]
        )
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda _index: self._choose_selected())
        layout.addWidget(self.table, 1)

        self.new_box = QGroupBox("New customer")
        general = QLabel()
        self.errors = FormErrors(general)
        form = QFormLayout(self.new_box)
        self.phone_label = QLabel()
        self.errors.add_row(form, "Phone", "phoneNumber", self.phone_label)
        self.name = QLineEdit()
        self.errors.add_row(form, "Name", "name", self.name)
        self.address = QLineEdit()
        self.email = QLineEdit()
        self.gst_no = QLineEdit()
        self.gst_no.setPlaceholderText("e.g. 29ABCDE1234F1Z5")
        self.state = state_combo("Same as shop")
        add_customer_detail_rows(
            self.errors, form, enabled, self.address, self.email, self.gst_no, self.state
        )
        form.addRow(general)
        self.new_box.hide()
        layout.addWidget(self.new_box)

        self.info = QLabel(INFO)
        self.info.setObjectName("hint")
        self.info.setWordWrap(True)
        layout.addWidget(self.info)

        row = QHBoxLayout()
        walk_in = QPushButton("Walk-in (no customer)")
        walk_in.clicked.connect(self._walk_in)
        row.addWidget(walk_in)
        if current is None:
            walk_in.setEnabled(False)
        row.addStretch(1)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        self.ok = QPushButton("Use customer")
        self.ok.clicked.connect(self._confirm)
        for button in (walk_in, cancel, self.ok):
            button.setAutoDefault(False)
        self.ok.setDefault(True)
        row.addWidget(cancel)
        row.addWidget(self.ok)
        layout.addLayout(row)

        self.query.textChanged.connect(self._search)
        self.query.installEventFilter(self)
        self._search("")
        self.query.setFocus()

    # --------------------------------------------------------------- search
    def _search(self, text: str) -> None:
        self.model.set_rows(self.customers.search(text, SEARCH_LIMIT))
        if self.model.rowCount():
            self.table.selectRow(0)
        phone = self._typed_phone()
        new = phone is not None and self.model.rowCount() == 0
        self.new_box.setVisible(new)
        if new:
            self.phone_label.setText(phone or "")
            self.ok.setText("Add customer")
            self.info.setText(
                "No customer has this number yet: fill in the details and "
                "press Enter to add them to the bill."
            )
        else:
            self.ok.setText("Use customer")
            self.errors.clear()
            problem = self._phone_problem() if not self.model.rowCount() else ""
            self.info.setText(
                f"{self.query.text().strip()}: {problem}. Check the number." if problem else INFO
            )

    def _looks_like_phone(self) -> bool:
        return sum(ch.isdigit() for ch in self.query.text()) >= 10

    def _typed_phone(self) -> str | None:
        if not self._looks_like_phone():
            return None
        try:
            return v.phone(self.query.text().strip(), "phoneNumber")
        except ValidationError:
            return None

    def _phone_problem(self) -> str:
        """Why the number typed cannot be a customer's (e.g. 1234567890), or ''."""
        if not self._looks_like_phone():
            return ""
        try:
            v.phone(self.query.text().strip(), "phoneNumber")
        except ValidationError as exc:
            return exc.message
        return ""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.query and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.model.rowCount():
                step = 1 if event.key() == Qt.Key.Key_Down else -1
                current = self.table.currentIndex().row()
                target = max(0, min(self.model.rowCount() - 1, current + step))
                self.table.selectRow(target)
                return True
        return super().eventFilter(watched, event)

    # -------------------------------------------------------------- choices
    def _confirm(self) -> None:
        if self.new_box.isVisible():
            self._create()
        else:
            self._choose_selected()

    def _choose_selected(self) -> None:
        row = self.model.row_at(self.table.currentIndex().row())
        if row is None:
            self.info.setText(
                "No customer matches. Type the full 10-digit phone number to add a new one."
            )
            return
        self.chosen = row
        self.accept()

    def _create(self) -> None:
        phone = self._typed_phone()
        if phone is None:
            return
        try:
            self.chosen = self.customers.create(
                phone,
                name=self.name.text(),
                address=self.address.text(),
                email=self.email.text(),
                gst_no=self.gst_no.text(),
                state_code=self.state.currentData() or "",
            )
        except ValidationError as exc:
            self.errors.show(exc)
            return
        self.accept()

    def _walk_in(self) -> None:
        self.walk_in = True
        self.accept()
