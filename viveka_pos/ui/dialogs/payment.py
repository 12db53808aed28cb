"""Taking payment for a bill: amount (the total by default), method, note; then save.

Zero (credit) and part payments are allowed, to a customer: for a walk-in bill, saving
credit first asks who owes it. Cash handed over beyond the total is not an
error at the counter: the bill is paid in full and the change to return is shown.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...domain import validation as v
from ...domain.entities.invoice import Invoice
from ...domain.errors import ValidationError
from ...domain.money import MoneyError
from ...services.formatting import money, rupees_text
from ..widgets.fields import FormErrors, amount_edit

METHOD_LABELS = {
    "cash": "Cash",
    "upi": "UPI",
    "card": "Card",
    "bank": "Bank transfer",
    "other": "Other",
}

#: apply(paid_paise, method, note, print_after) -> saved invoice
SaveFunction = Callable[[int, str, str, bool], Invoice]


def method_combo() -> QComboBox:
    combo = QComboBox()
    for key in v.PAYMENT_METHODS:
        combo.addItem(METHOD_LABELS.get(key, key.title()), key)
    return combo


class PaymentDialog(QDialog):
    def __init__(
        self,
        parent: QWidget | None,
        total: int,
        save: SaveFunction,
        *,
        customer: str = "",
        print_by_default: bool = True,
        walk_in: bool = False,
    ):
        super().__init__(parent)
        self.setWindowTitle("Payment")
        self.setMinimumWidth(540)
        self.total = total
        self.walk_in = walk_in
        self._save = save
        self.invoice: Invoice | None = None
        self.printed_requested = False

        layout = QVBoxLayout(self)
        heading = QLabel(f"Bill total  {money(total)}")
        heading.setObjectName("dialogTotal")
        layout.addWidget(heading)
        if customer:
            who = QLabel(customer)
            who.setObjectName("hint")
            layout.addWidget(who)

        general = QLabel()
        self.errors = FormErrors(general)
        self.amount = amount_edit()
        self.amount.setText(rupees_text(total))
        self.amount.selectAll()
        self.method = method_combo()
        self.note = QLineEdit()
        self.note.setPlaceholderText("Optional, e.g. UPI reference")
        form = QFormLayout()
        self.errors.add_row(form, "Amount received (₹)", ("paidAmount", "amount"), self.amount)
        self.errors.add_row(form, "Method", "method", self.method)
        self.errors.add_row(form, "Note", ("note", "notes"), self.note)
        layout.addLayout(form)
        self.summary = QLabel()
        self.summary.setObjectName("paymentSummary")
        layout.addWidget(self.summary)
        layout.addWidget(general)
        hint = QLabel(
            "Part payments are fine; enter 0 for a credit sale (credit needs a "
            "customer on the bill). Enter saves" + (" and prints." if print_by_default else ".")
        )
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        layout.addWidget(hint)

        row = QHBoxLayout()
        row.addStretch(1)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        self.save_button = QPushButton("Save  (Ctrl+S)")
        self.save_button.clicked.connect(lambda: self.submit(False))
        self.print_button = QPushButton("Save && Print  (F12)")
        self.print_button.clicked.connect(lambda: self.submit(True))
        for button in (cancel, self.save_button, self.print_button):
            button.setAutoDefault(False)
            row.addWidget(button)
        (self.print_button if print_by_default else self.save_button).setDefault(True)
        self.print_by_default = print_by_default
        layout.addLayout(row)

        QShortcut(QKeySequence("Ctrl+S"), self, lambda: self.submit(False))
        QShortcut(QKeySequence(Qt.Key.Key_F12), self, lambda: self.submit(True))
        self.amount.textChanged.connect(self._update_summary)
        self.method.currentIndexChanged.connect(self._update_summary)
        self._update_summary()
        self.amount.setFocus()

    # ---------------------------------------------------------------- amounts
    def entered(self) -> int:
        """What was typed, in paise (raises ValidationError when it is not an amount)."""
        text = self.amount.text().strip() or "0"
        return v.amount(text, "paidAmount")

    def settled(self) -> tuple[int, int]:
        """(amount recorded against the bill, change to hand back)."""
        entered = self.entered()
        if entered > self.total and self.method.currentData() == "cash":
            return self.total, entered - self.total
        return entered, 0

    def _update_summary(self) -> None:
        try:
            paid, change = self.settled()
        except (ValidationError, MoneyError):
            self.summary.setText("")
            return
        if change:
            self.summary.setText(f"Return change: {money(change)}")
        elif paid >= self.total:
            self.summary.setText("Paid in full")
        elif paid == 0:
            self.summary.setText(f"Credit sale — due {money(self.total)}" + self._who_owes())
        else:
            self.summary.setText(
                f"Part payment — due {money(self.total - paid)}" + self._who_owes()
            )

    def _who_owes(self) -> str:
        return " · saving asks for the customer" if self.walk_in else ""

    # ------------------------------------------------------------------ save
    def accept(self) -> None:  # Enter: the default button's choice
        self.submit(self.print_by_default)

    def submit(self, print_after: bool) -> None:
        try:
            paid, _change = self.settled()
            self.invoice = self._save(
                paid, str(self.method.currentData()), self.note.text(), print_after
            )
        except (ValidationError, MoneyError) as exc:
            self.errors.show(exc)
            return
        self.printed_requested = print_after
        super().accept()
