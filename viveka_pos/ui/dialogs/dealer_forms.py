"""Small dealer forms: the dealer's details, the dealer's bill for an order, a delivery,
and a payment to the dealer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ...domain.entities.dealer import Dealer, DealerPayment
from ...domain.entities.dealer_order import DealerOrder, DealerOrderLine
from ...domain.errors import ValidationError
from ...services.formatting import day, money, quantity, rupees_text
from ..widgets.fields import FormErrors, amount_edit, phone_edit
from .forms import finish_form
from .payment import method_combo


class _FormDialog(QDialog):
    """A form whose Save runs ``submit()``; a ValidationError stays on screen beside its
    field and keeps the dialog open."""

    def __init__(self, parent: QWidget | None, title: str, width: int = 480):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(width)
        self.result_doc: Any = None
        self.body = QVBoxLayout(self)
        self.general = QLabel()
        self.errors = FormErrors(self.general)
        self.form = QFormLayout()

    def finish(self) -> None:
        finish_form(self, self.body, self.form, self.general)

    def submit(self) -> Any:
        raise NotImplementedError

    def accept(self) -> None:
        try:
            self.result_doc = self.submit()
        except ValidationError as exc:
            self.errors.show(exc)
            return
        super().accept()


class DateChoice(QWidget):
    """An optional date: a tick box and a calendar field."""

    def __init__(self, caption: str, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.enabled = QCheckBox(caption)
        self.date = QDateEdit(QDate.currentDate().addDays(30))
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("dd MMM yyyy")
        self.date.setEnabled(False)
        self.enabled.toggled.connect(self.date.setEnabled)
        layout.addWidget(self.enabled)
        layout.addWidget(self.date, 1)

    def set_value(self, iso: str | None) -> None:
        if iso:
            self.enabled.setChecked(True)
            self.date.setDate(QDate.fromString(iso, "yyyy-MM-dd"))

    def value(self) -> str:
        return self.date.date().toString("yyyy-MM-dd") if self.enabled.isChecked() else ""


class DealerDialog(_FormDialog):
    def __init__(
        self,
        parent: QWidget | None,
        save: Callable[..., Dealer],
        dealer: Dealer | None = None,
    ):
        super().__init__(parent, "Edit dealer" if dealer else "Add dealer")
        self._save = save
        self.name = QLineEdit()
        self.contact = QLineEdit()
        self.phone = phone_edit()
        self.email = QLineEdit()
        self.address = QPlainTextEdit()
        self.address.setFixedHeight(60)
        self.address.setTabChangesFocus(True)
        if dealer:
            self.name.setText(dealer.name)
            self.contact.setText(dealer.contact_person)
            self.phone.setText(dealer.phone_number)
            self.email.setText(dealer.email)
            self.address.setPlainText(dealer.address)
        self.errors.add_row(self.form, "Name *", "name", self.name)
        self.errors.add_row(self.form, "Contact person", "contactPerson", self.contact)
        self.errors.add_row(self.form, "Phone", "phoneNumber", self.phone)
        self.errors.add_row(self.form, "Email", "email", self.email)
        self.errors.add_row(self.form, "Address", "address", self.address)
        self.finish()
        self.name.setFocus()

    def submit(self) -> Dealer:
        return self._save(
            name=self.name.text(),
            contact_person=self.contact.text(),
            phone=self.phone.text(),
            email=self.email.text(),
            address=self.address.toPlainText(),
        )


class OrderBillDialog(_FormDialog):
    """The dealer's bill for an order: what the shop owes for it, and when."""

    def __init__(
        self,
        parent: QWidget | None,
        order: DealerOrder,
        save: Callable[[str, str], DealerOrder],
    ):
        super().__init__(parent, f"Dealer bill — {order.order_number}")
        self._save = save
        self.amount = amount_edit()
        if order.total_amount is not None:
            self.amount.setText(rupees_text(order.total_amount))
        self.due = DateChoice("Pay by")
        self.due.set_value(order.due_date)
        self.errors.add_row(self.form, "Bill amount (₹)", "totalAmount", self.amount)
        self.errors.add_row(self.form, "Due date", "dueDate", self.due)
        self.finish()
        self.amount.setFocus()

    def submit(self) -> DealerOrder:
        return self._save(self.amount.text().strip(), self.due.value())


class DeliveryDialog(_FormDialog):
    """Receiving an order: the goods listed, who received them. Stock goes up on Save."""

    def __init__(
        self,
        parent: QWidget | None,
        order: DealerOrder,
        lines: list[DealerOrderLine],
        save: Callable[[str, str], DealerOrder],
    ):
        super().__init__(parent, f"Receive order {order.order_number}", 520)
        self._save = save
        listing = "\n".join(
            f"• {line.item_name} × {quantity(line.quantity)}" for line in lines[:25]
        )
        if len(lines) > 25:
            listing += f"\n… and {len(lines) - 25} more"
        summary = QLabel(f"These quantities will be added to stock:\n{listing}")
        summary.setWordWrap(True)
        self.body.addWidget(summary)
        self.received_by = QLineEdit()
        self.note = QLineEdit()
        self.errors.add_row(self.form, "Received by", "receivedBy", self.received_by)
        self.errors.add_row(self.form, "Note", "note", self.note)
        self.finish()
        self.received_by.setFocus()

    def submit(self) -> DealerOrder:
        return self._save(self.received_by.text(), self.note.text())


class DealerPaymentDialog(_FormDialog):
    def __init__(
        self,
        parent: QWidget | None,
        dealer: Dealer,
        due: int,
        orders: list[DealerOrder],
        save: Callable[[str, str, str, Any], DealerPayment],
    ):
        super().__init__(parent, f"Pay {dealer.name}")
        self._save = save
        info = QLabel(
            f"Owed to this dealer: {money(due)}"
            if due
            else "Nothing is owed on delivered, billed orders; a payment now is an advance."
        )
        info.setWordWrap(True)
        info.setObjectName("dialogTitle")
        self.body.addWidget(info)
        self.amount = amount_edit()
        if due:
            self.amount.setText(rupees_text(due))
        self.method = method_combo()
        self.order = QComboBox()
        self.order.addItem("— Not for one order —", None)
        for order in orders:
            if order.is_cancelled:
                continue
            bill = order.total_amount
            bill_text = f" · bill {money(bill)}" if bill is not None else ""
            self.order.addItem(
                f"{order.order_number} · {day(order.created_at)}{bill_text}", order.id
            )
        self.note = QLineEdit()
        self.errors.add_row(self.form, "Amount (₹)", "amount", self.amount)
        self.errors.add_row(self.form, "Method", "method", self.method)
        self.errors.add_row(self.form, "For order", "orderId", self.order)
        self.errors.add_row(self.form, "Note", "note", self.note)
        self.finish()
        self.amount.setFocus()
        self.amount.selectAll()

    def submit(self) -> DealerPayment:
        return self._save(
            self.amount.text().strip(),
            str(self.method.currentData()),
            self.note.text(),
            self.order.currentData(),
        )
