"""Take goods back on an invoice (a credit note), or cancel a bill of today.

Keyboard first: type or scan the invoice number and press Enter; the lines come up with
what may still be returned; arrow to a line and type the quantity (Enter keeps it, A takes
everything back); Ctrl+Enter makes the credit note. The credit, and how it is settled
(against the invoice's dues first, the rest paid out), is shown as quantities change.
Ctrl+D cancels the bill instead when it is of today and has no return yet.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...domain.entities.credit_note import CreditNote
from ...domain.entities.invoice import Invoice
from ...domain.errors import ValidationError
from ...services.facade import ShopServices
from ...services.formatting import day, money
from ...services.formatting import quantity as quantity_text
from ...services.returns import ReturnableLine
from ..widgets.fields import FormErrors, amount_edit, headed_layout
from .payment import method_combo

_COLUMNS = ("#", "Item", "Code", "Sold", "Returned", "Can return", "Return now")
_RETURN = 6


class ReturnDialog(QDialog):
    """``saved`` is the credit note made, ``cancelled`` the invoice cancelled (or None)."""

    def __init__(
        self,
        parent: QWidget | None,
        services: ShopServices,
        invoice: Invoice | None = None,
        number: str = "",
    ):
        super().__init__(parent)
        self.services = services
        self.invoice: Invoice | None = None
        self.lines: list[ReturnableLine] = []
        self.saved: CreditNote | None = None
        self.cancelled: Invoice | None = None
        self.setWindowTitle("Return goods / cancel a bill")
        self.setMinimumSize(760, 520)
        self._build()
        if invoice is not None:
            self.number.setText(invoice.number)
            self.load()
        else:
            self.number.setText(number)
            self.number.selectAll()
            self.number.setFocus()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        self.general = QLabel()
        self.errors = FormErrors(self.general)
        top = QFormLayout()
        row = QHBoxLayout()
        self.number = QLineEdit()
        self.number.setPlaceholderText("Invoice number, e.g. A/2627/00042 — Enter")
        self.number.returnPressed.connect(self.load)
        row.addWidget(self.number, 1)
        find = QPushButton("Find")
        find.clicked.connect(self.load)
        row.addWidget(find)
        holder = QWidget()
        holder.setLayout(row)
        row.setContentsMargins(0, 0, 0, 0)
        self.errors.add_row(top, "Invoice", ("invoiceNumber", "invoiceId", "invoiceDate"), holder)
        layout.addLayout(top)
        self.heading = QLabel("Type the invoice number and press Enter.")
        self.heading.setObjectName("dialogTitle")
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)

        self.table = QTableWidget(0, len(_COLUMNS))
        self.table.setHorizontalHeaderLabels(list(_COLUMNS))
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.itemChanged.connect(lambda *_: self.update_preview())
        layout.addWidget(self.errors.bind(("quantity", "itemCode", "invoiceLine"), self.table), 1)
        hint = QLabel(
            "↑↓ pick a line · type the quantity · A: return everything · "
            "Ctrl+Enter: make the credit note · Ctrl+D: cancel the bill"
        )
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        layout.addWidget(hint)

        form = QFormLayout()
        self.refund = amount_edit()
        self.refund.setPlaceholderText("automatic: what the dues do not take")
        self.refund.textChanged.connect(lambda *_: self.update_preview())
        self.method = method_combo()
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("e.g. wrong size, damaged")
        self.errors.add_row(form, "Refund paid out (₹)", "refundAmount", self.refund)
        self.errors.add_row(form, "Refund by", "refundMethod", self.method)
        self.errors.add_row(form, "Reason", "reason", self.reason)
        layout.addLayout(form)
        self.summary = QLabel()
        self.summary.setObjectName("returnSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.print_after = QCheckBox("Print the credit note")
        self.print_after.setChecked(True)
        layout.addWidget(self.print_after)
        layout.addWidget(self.general)

        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton(
            "Make credit note  Ctrl+Enter", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.cancel_bill_button = buttons.addButton(
            "Cancel this bill…  Ctrl+D", QDialogButtonBox.ButtonRole.ActionRole
        )
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        for button in (self.save_button, self.cancel_bill_button, close):
            button.setAutoDefault(False)  # Enter loads the invoice or keeps a quantity;
            button.setDefault(False)  # only Ctrl+Enter saves
        self.save_button.clicked.connect(self.accept)
        self.cancel_bill_button.clicked.connect(self.cancel_bill)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        for keys, action in (
            ("Ctrl+Return", self.accept),
            ("Ctrl+Enter", self.accept),
            ("Ctrl+D", self.cancel_bill),
            ("A", self.return_all),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.activated.connect(action)
        self._enable(False)

    def _enable(self, loaded: bool) -> None:
        for widget in (
            self.table,
            self.refund,
            self.method,
            self.reason,
            self.save_button,
            self.cancel_bill_button,
        ):
            widget.setEnabled(loaded)

    # ------------------------------------------------------------------ loading
    def load(self) -> None:
        self.errors.clear()
        returns = self.services.returns
        try:
            invoice = returns.invoice(self.number.text().strip())
            lines = returns.returnable(invoice)
        except ValidationError as exc:
            self.errors.show(exc)
            self._enable(False)
            return
        self.invoice, self.lines = invoice, lines
        customer = invoice.customer_name or "Walk-in customer"
        due = invoice.balance
        state = (
            "CANCELLED — " + invoice.cancel_reason
            if invoice.is_cancelled
            else (f"{money(due)} due" if due > 0 else "paid in full")
        )
        self.heading.setText(
            f"Invoice {invoice.number} of {day(invoice.invoice_date)} · "
            f"{customer} · total {money(invoice.total_amount)} · {state}"
        )
        self.table.blockSignals(True)
        self.table.setRowCount(len(lines))
        for row, line in enumerate(lines):
            cells = [
                str(line.index + 1),
                line.name,
                line.item_code,
                quantity_text(line.sold),
                quantity_text(line.returned),
                quantity_text(line.left),
                "",
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column != _RETURN or line.left <= 0:
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                if column not in (1, 2):
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(row, column, item)
        self.table.blockSignals(False)
        self._enable(not invoice.is_cancelled)
        self.cancel_bill_button.setEnabled(not invoice.is_cancelled)
        if lines and not invoice.is_cancelled:
            self.table.setFocus()
            self.table.setCurrentCell(0, _RETURN)
        self.update_preview()

    # ------------------------------------------------------------------ editing
    def return_all(self) -> None:
        if self.invoice is None or self.table.state() == QAbstractItemView.State.EditingState:
            return
        if self.focusWidget() not in (self.table, None):
            return  # "A" typed into a text box is just a letter
        self.table.blockSignals(True)
        for row, line in enumerate(self.lines):
            cell = self.table.item(row, _RETURN)
            if line.left > 0 and cell is not None:
                cell.setText(quantity_text(line.left))
        self.table.blockSignals(False)
        self.update_preview()

    def wanted(self) -> dict[int, str]:
        """{invoice line: quantity as typed} for the lines with one (the service checks it)."""
        wanted: dict[int, str] = {}
        for row, line in enumerate(self.lines):
            item = self.table.item(row, _RETURN)
            text = item.text().strip() if item is not None else ""
            if text and text != "0":
                wanted[line.index] = text
        return wanted

    def update_preview(self) -> None:
        if self.invoice is None or self.invoice.is_cancelled:
            self.summary.setText("")
            return
        wanted = self.wanted()
        if not wanted:
            self.errors.clear()
            self.summary.setText("Nothing chosen to return yet.")
            return
        try:
            preview = self.services.returns.preview(
                self.invoice.id, wanted, refund=self.refund.text().strip() or None
            )
        except ValidationError as exc:
            self.errors.show(exc)
            self.summary.setText("")
            return
        self.errors.clear()
        parts = [
            f"Credit {money(preview.total)} (taxable {money(preview.taxable)} + GST "
            f"{money(preview.tax)})"
        ]
        if preview.adjusted:
            against = ", ".join(
                f"{number} {money(amount)}" for number, amount in preview.adjustments
            )
            parts.append(f"{money(preview.adjusted)} set against dues ({against})")
        if preview.refund:
            parts.append(f"{money(preview.refund)} to pay back to the customer")
        self.summary.setText(" · ".join(parts))

    # ------------------------------------------------------------------ saving
    def accept(self) -> None:
        if self.invoice is None:
            self.load()
            return
        if self.table.state() == QAbstractItemView.State.EditingState:
            self.table.setFocus()  # commit the quantity being typed first
        try:
            self.saved = self.services.returns.create(
                self.invoice.id,
                self.wanted(),
                refund=self.refund.text().strip() or None,
                method=self.method.currentData(),
                reason=self.reason.text(),
            )
        except ValidationError as exc:
            self.errors.show(exc)
            return
        super().accept()

    def cancel_bill(self) -> None:
        if self.invoice is None or self.invoice.is_cancelled:
            return
        dialog = CancelBillDialog(self, self.services, self.invoice)
        if dialog.exec() and dialog.cancelled is not None:
            self.cancelled = dialog.cancelled
            super().accept()


class CancelBillDialog(QDialog):
    """Why the bill is cancelled, and (when it was paid) the refund of all of it."""

    def __init__(self, parent: QWidget | None, services: ShopServices, invoice: Invoice):
        super().__init__(parent)
        self.services = services
        self.invoice = invoice
        self.cancelled: Invoice | None = None
        self.setWindowTitle("Cancel a bill")
        self.setMinimumWidth(460)
        paid = invoice.paid_amount
        layout = headed_layout(
            self,
            f"Cancel invoice {invoice.number}?",
            "Its number stays in the books, marked cancelled; the goods go back into stock.",
        )
        general = QLabel()
        self.errors = FormErrors(general)
        form = QFormLayout()
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("e.g. billed twice, customer left")
        self.errors.add_row(form, "Reason", "cancelReason", self.reason)
        self.refund = QCheckBox(f"I am giving back the {money(paid)} paid")
        self.refund.setVisible(paid > 0)
        self.method = method_combo()
        self.method.setVisible(paid > 0)
        self.errors.add_row(form, "", "refund", self.refund)
        if paid > 0:
            self.errors.add_row(form, "Refund by", "refundMethod", self.method)
        layout.addLayout(form)
        layout.addWidget(general)
        buttons = QDialogButtonBox()
        buttons.addButton("Cancel the bill", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("Keep it", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.reason.setFocus()

    def accept(self) -> None:
        try:
            self.cancelled = self.services.returns.cancel(
                self.invoice.id,
                reason=self.reason.text(),
                refund=self.refund.isChecked(),
                refund_method=self.method.currentData(),
            )
        except ValidationError as exc:
            self.errors.show(exc)
            return
        super().accept()


def run_return(
    parent: QWidget,
    services: ShopServices,
    *,
    invoice: Invoice | None = None,
    number: str = "",
    on_message: Any = None,
) -> str:
    """Open the dialog; print the credit note when asked. Returns what happened, in a line."""
    from ..print_jobs import print_credit_note

    dialog = ReturnDialog(parent, services, invoice, number)
    if not dialog.exec():
        return ""
    if dialog.cancelled is not None:
        return f"Invoice {dialog.cancelled.number} is cancelled."
    note = dialog.saved
    if note is None:
        return ""
    if dialog.print_after.isChecked():
        print_credit_note(parent, services, note, on_finished=on_message)
    refund = note.refund_amount
    return (
        f"Credit note {note.number} for {money(note.total_amount)}"
        + (f"; pay back {money(refund)} by {note.refund_method}" if refund else "")
        + "."
    )
