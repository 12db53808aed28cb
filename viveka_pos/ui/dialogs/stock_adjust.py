"""Correct an item's stock after a count, or add/remove some, always with a reason.

The change is recorded as a stock movement (never an overwrite), so two counters' changes
merge after sync.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from ...domain.entities.item import Item
from ...domain.errors import ValidationError
from ...services.catalog import CatalogService
from ...services.formatting import quantity_with_unit
from ..widgets.fields import FormErrors, quantity_edit
from .forms import finish_form

REASONS = (
    ("adjustment", "Correction (stock count, damage, loss)"),
    ("purchase", "Received from a supplier"),
    ("return", "Returned by a customer"),
)


class StockDialog(QDialog):
    def __init__(self, parent: QWidget | None, catalog: CatalogService, item: Item):
        super().__init__(parent)
        self.catalog = catalog
        self.item = item
        self.saved: Item | None = None
        self.setWindowTitle("Adjust stock")
        self.setMinimumWidth(480)
        unit = item.unit

        layout = QVBoxLayout(self)
        title = QLabel(f"{item.name}\nIn stock now: {quantity_with_unit(item.stock, unit)}")
        title.setObjectName("dialogTitle")
        layout.addWidget(title)

        general = QLabel()
        self.errors = FormErrors(general)
        self.set_mode = QRadioButton("Set to the counted stock")
        self.change_mode = QRadioButton("Add or remove (use − to remove)")
        self.set_mode.setChecked(True)
        modes = QButtonGroup(self)
        modes.addButton(self.set_mode)
        modes.addButton(self.change_mode)
        mode_row = QHBoxLayout()
        mode_row.addWidget(self.set_mode)
        mode_row.addWidget(self.change_mode)
        layout.addLayout(mode_row)

        self.amount = quantity_edit(signed=True)
        self.amount.setPlaceholderText(f"quantity in {unit}")
        self.reason = QComboBox()
        for key, label in REASONS:
            self.reason.addItem(label, key)
        self.note = QLineEdit()
        self.note.setPlaceholderText("e.g. counted on 1 April; 2 broken in transit")
        form = QFormLayout()
        self.errors.add_row(form, "Quantity", ("stock", "quantity"), self.amount)
        self.errors.add_row(form, "Reason", "reason", self.reason)
        self.errors.add_row(form, "Note", "note", self.note)
        finish_form(self, layout, form, general, focus=self.amount)

    def accept(self) -> None:
        text = self.amount.text().strip()
        if not text or text in ("+", "-"):
            self.errors.show(ValidationError("stock", "type a quantity"))
            return
        reason = str(self.reason.currentData())
        try:
            if self.set_mode.isChecked():
                if text.startswith(("+", "-")):
                    raise ValidationError(
                        "stock",
                        "the counted stock cannot have a sign; "
                        "choose “Add or remove” to change it by an amount",
                    )
                self.saved = self.catalog.adjust_stock(
                    self.item.id, new_stock=text, reason=reason, note=self.note.text()
                )
            else:
                self.saved = self.catalog.adjust_stock(
                    self.item.id, delta=text, reason=reason, note=self.note.text()
                )
        except ValidationError as exc:
            self.errors.show(exc)
            return
        super().accept()
