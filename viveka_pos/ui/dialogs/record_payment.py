"""Take a payment against an earlier invoice (dues), up to its balance."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from ...domain.entities.invoice import Invoice
from ...domain.errors import ValidationError
from ...services.formatting import day, money, rupees_text
from ...services.payments import PaymentService
from ..widgets.fields import FormErrors, amount_edit
from .forms import finish_form
from .payment import method_combo


class RecordPaymentDialog(QDialog):
    def __init__(self, parent: QWidget | None, payments: PaymentService, invoice: Invoice):
        super().__init__(parent)
        self.payments = payments
        self.invoice = invoice
        self.updated: Invoice | None = None
        self.setWindowTitle("Record payment")
        self.setMinimumWidth(440)
        total = invoice.total_amount
        paid = invoice.paid_amount
        self.balance = total - paid

        layout = QVBoxLayout(self)
        title = QLabel(
            f"Invoice {invoice.number} of "
            f"{day(invoice.invoice_date)}\n"
            f"Total {money(total)} · paid {money(paid)} · "
            f"balance {money(self.balance)}"
        )
        title.setObjectName("dialogTitle")
        layout.addWidget(title)
        general = QLabel()
        self.errors = FormErrors(general)
        self.amount = amount_edit()
        self.amount.setText(rupees_text(self.balance))
        self.amount.selectAll()
        self.method = method_combo()
        self.note = QLineEdit()
        form = QFormLayout()
        self.errors.add_row(form, "Amount (₹)", "amount", self.amount)
        self.errors.add_row(form, "Method", "method", self.method)
        self.errors.add_row(form, "Note", "note", self.note)
        finish_form(self, layout, form, general, focus=self.amount)

    def accept(self) -> None:
        try:
            self.updated = self.payments.record(
                self.invoice.id,
                self.amount.text().strip() or "0",
                method=self.method.currentData(),
                note=self.note.text(),
            )
        except ValidationError as exc:
            self.errors.show(exc)
            return
        super().accept()
