"""Add or edit an item; each rule the catalog enforces is reported beside its field."""

from __future__ import annotations

from typing import Any

from bson import ObjectId
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ...domain import validation as v
from ...domain.entities.item import Item
from ...domain.errors import ValidationError
from ...domain.money import MoneyError
from ...services.catalog import CatalogService
from ...services.formatting import quantity, rupees_text
from ..scanner import mark_scan_field
from ..widgets.fields import (
    FormErrors,
    amount_edit,
    gst_rate_combo,
    quantity_edit,
    select_data,
    select_gst_rate,
)
from .forms import finish_form

UNIT_LABELS = {
    "nos": "nos (numbers)",
    "pcs": "pcs (pieces)",
    "kg": "kg",
    "litre": "litre",
    "meter": "meter",
}


class ItemDialog(QDialog):
    def __init__(
        self,
        parent: QWidget | None,
        catalog: CatalogService,
        item: Item | None = None,
        *,
        group_id: ObjectId | None = None,
    ):
        super().__init__(parent)
        self.catalog = catalog
        self.item = item
        self.saved: Item | None = None
        self.setWindowTitle("Edit item" if item else "Add item")
        self.setMinimumWidth(520)

        layout = QVBoxLayout(self)
        general = QLabel()
        self.errors = FormErrors(general)
        form = QFormLayout()
        self.name = QLineEdit()
        self.code = mark_scan_field(QLineEdit())  # a scan in this dialog lands here
        self.code.setPlaceholderText("Shop code or barcode (scan it here)")
        self.group = QComboBox()
        self.group.addItem("— No group —", None)
        for group in catalog.groups():
            self.group.addItem(group.name, group.id)
        self.unit = QComboBox()
        for unit in v.UNITS:
            self.unit.addItem(UNIT_LABELS.get(unit, unit), unit)
        self.price = amount_edit()
        self.gst_rate = gst_rate_combo()
        self.hsn = QLineEdit()
        self.hsn.setPlaceholderText("4, 6 or 8 digits")
        self.low_stock = quantity_edit()
        self.stock = quantity_edit()
        self.description = QPlainTextEdit()
        self.description.setFixedHeight(60)
        self.description.setTabChangesFocus(True)

        self.errors.add_row(form, "Name *", "name", self.name)
        self.errors.add_row(form, "Code / barcode", "code", self.code)
        self.errors.add_row(form, "Group", ("groupId", "group"), self.group)
        self.errors.add_row(form, "Unit", "unit", self.unit)
        self.errors.add_row(form, "Price (₹) *", "price", self.price)
        self.errors.add_row(form, "GST rate", "gstRate", self.gst_rate)
        self.errors.add_row(form, "HSN code", "hsnCode", self.hsn)
        self.errors.add_row(form, "Low-stock level", "lowStockQuantity", self.low_stock)
        if item is None:
            self.errors.add_row(form, "Opening stock", ("stock", "quantity"), self.stock)
        self.errors.add_row(form, "Description", "description", self.description)
        finish_form(self, layout, form, general)
        self._fill(item, group_id)
        self.name.setFocus()

    def _fill(self, item: Item | None, group_id: ObjectId | None) -> None:
        if item is None:
            settings = self.catalog.scope.shop_settings()
            select_data(self.group, group_id)
            select_data(self.unit, "nos")
            select_gst_rate(self.gst_rate, settings.default_gst_rate)
            self.low_stock.setText("5")
            self.stock.setText("0")
            return
        self.name.setText(item.name)
        self.code.setText(item.code)
        select_data(self.group, item.group_id)
        select_data(self.unit, item.unit)
        self.price.setText(rupees_text(item.price))
        select_gst_rate(self.gst_rate, item.gst_rate)
        self.hsn.setText(item.hsn_code)
        self.low_stock.setText(quantity(item.low_stock_quantity))
        self.description.setPlainText(item.description)

    def values(self) -> dict[str, Any]:
        """The form, as the catalog's create and update take it."""
        return {
            "name": self.name.text(),
            "code": self.code.text(),
            "group_id": self.group.currentData(),
            "unit": self.unit.currentData(),
            "price": self.price.text().strip(),
            "gst_rate": self.gst_rate.currentData(),
            "hsn_code": self.hsn.text(),
            "low_stock_quantity": self.low_stock.text().strip() or "0",
            "description": self.description.toPlainText(),
        }

    def accept(self) -> None:
        values = self.values()
        try:
            if self.item is None:
                self.saved = self.catalog.create_item(
                    **values, stock=self.stock.text().strip() or "0"
                )
            else:
                self.saved = self.catalog.update_item(self.item.id, **values)
        except (ValidationError, MoneyError) as exc:
            self.errors.show(
                exc if isinstance(exc, ValidationError) else ValidationError("price", str(exc))
            )
            return
        super().accept()
