"""Layout the small form dialogs share: the form, the line for errors of no one field, the
buttons; and the customer rows a shop can switch on or off."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from ...domain.entities.shop import CustomerFields
from ..widgets.fields import FormErrors

Buttons = QDialogButtonBox.StandardButton


def finish_form(
    dialog: QDialog,
    layout: QVBoxLayout,
    form: QFormLayout,
    general: QLabel,
    *,
    ok: Buttons = Buttons.Save,
    focus: QWidget | None = None,
) -> None:
    """Close ``layout`` with ``form``, the general error line under it and ``ok``/Cancel
    buttons wired to the dialog's accept and reject; then focus ``focus`` if given."""
    layout.addLayout(form)
    layout.addWidget(general)
    buttons = QDialogButtonBox(ok | Buttons.Cancel)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    layout.addWidget(buttons)
    if focus is not None:
        focus.setFocus()


def add_customer_detail_rows(
    errors: FormErrors,
    form: QFormLayout,
    enabled: CustomerFields,
    address: QWidget,
    email: QWidget,
    gst_no: QWidget,
    state: QWidget,
) -> None:
    """The address, e-mail and GSTIN rows the shop has switched on, then the state row."""
    if enabled.address:
        errors.add_row(form, "Address", "address", address)
    if enabled.email_id:
        errors.add_row(form, "Email", "emailId", email)
    if enabled.gst_no:
        errors.add_row(form, "GSTIN", "gstNo", gst_no)
    errors.add_row(form, "State", "stateCode", state)
