"""Add a customer, or edit one (the phone number is how a customer is found: fixed)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from ...domain.entities.customer import Customer
from ...domain.errors import ValidationError
from ...services.customers import CustomerService
from ..widgets.fields import FormErrors, phone_edit, select_data, state_combo
from .forms import add_customer_detail_rows, finish_form


class CustomerDialog(QDialog):
    def __init__(
        self,
        parent: QWidget | None,
        customers: CustomerService,
        customer: Customer | None = None,
    ):
        super().__init__(parent)
        self.customers = customers
        self.customer = customer
        self.saved: Customer | None = None
        self.setWindowTitle("Edit customer" if customer else "Add customer")
        self.setMinimumWidth(480)
        self.optional = customers.enabled_fields()  # what the shop collects
        enabled = self.optional

        layout = QVBoxLayout(self)
        general = QLabel()
        self.errors = FormErrors(general)
        form = QFormLayout()
        self.phone = phone_edit()
        self.name = QLineEdit()
        self.address = QLineEdit()
        self.email = QLineEdit()
        self.gst_no = QLineEdit()
        self.state = state_combo("Same as shop")
        if customer is not None:
            self.phone.setText(customer.phone_number)
            self.phone.setReadOnly(True)
            self.name.setText(customer.name)
            self.address.setText(customer.address)
            self.email.setText(customer.email)
            self.gst_no.setText(customer.gst_no)
            select_data(self.state, customer.state_code)
        self.errors.add_row(form, "Phone *", "phoneNumber", self.phone)
        self.errors.add_row(form, "Name", "name", self.name)
        add_customer_detail_rows(
            self.errors, form, enabled, self.address, self.email, self.gst_no, self.state
        )
        finish_form(self, layout, form, general)
        (self.name if customer else self.phone).setFocus()

    def accept(self) -> None:
        fields: dict[str, str] = {
            "name": self.name.text(),
            "state_code": self.state.currentData() or "",
        }
        if self.optional.address:
            fields["address"] = self.address.text()
        if self.optional.email_id:
            fields["email"] = self.email.text()
        if self.optional.gst_no:
            fields["gst_no"] = self.gst_no.text()
        try:
            if self.customer is None:
                self.saved = self.customers.create(self.phone.text(), **fields)
            else:
                self.saved = self.customers.update(self.customer.id, **fields)
        except ValidationError as exc:
            self.errors.show(exc)
            return
        super().accept()
