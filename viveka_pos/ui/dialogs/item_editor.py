"""Add or edit an item; each rule the catalog enforces is reported beside its field."""

from __future__ import annotations

from typing import Any

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
from ...domain.errors import ValidationError
from ...domain.money import MoneyError
from ...services.catalog import CatalogService
from ...services.convert import paise_of
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
        item: dict[str, Any] | None = None,
        *,
        group_id: Any = None,
    ):
        super().__init__(parent)
        self.catalog = catalog
        self.item = item
        self.saved: dict[str, Any] | None = None
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
            self.group.addItem(group["name"], group["_id"])
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

    def _fill(self, item: dict[str, Any] | None, group_id: Any) -> None:
        if item is None:
            settings = self.catalog.scope.shop_settings()
            select_data(self.group, group_id)
            select_data(self.unit, "nos")
            select_gst_rate(self.gst_rate, settings.default_gst_rate)
            self.low_stock.setText("5")
            self.stock.setText("0")
            return
        self.name.setText(item.get("name", ""))
        self.code.setText(item.get("code", ""))
        select_data(self.group, item.get("groupId"))
        select_data(self.unit, item.get("unit", "nos"))
        self.price.setText(rupees_text(paise_of(item.get("price"))))
        select_gst_rate(self.gst_rate, item.get("gstRate", 0))
        self.hsn.setText(item.get("hsnCode", ""))
        self.low_stock.setText(quantity(item.get("lowStockQuantity", 5)))
        self.description.setPlainText(item.get("description", ""))

    def values(self) -> dict[str, Any]:
        return {
            "name": self.name.text(),
            "code": self.code.text(),
            "groupId": self.group.currentData(),
            "unit": self.unit.currentData(),
            "price": self.price.text().strip(),
            "gstRate": self.gst_rate.currentData(),
            "hsnCode": self.hsn.text(),
            "lowStockQuantity": self.low_stock.text().strip() or "0",
            "description": self.description.toPlainText(),
        }

    def accept(self) -> None:
        values = self.values()
        try:
            if self.item is None:
                self.saved = self.catalog.create_item(
                    name=values["name"],
                    price=values["price"],
                    code=values["code"],
                    stock=self.stock.text().strip() or "0",
                    unit=values["unit"],
                    gst_rate=values["gstRate"],
                    hsn_code=values["hsnCode"],
                    group_id=values["groupId"],
                    low_stock_quantity=values["lowStockQuantity"],
                    description=values["description"],
                )
            else:
                self.saved = self.catalog.update_item(self.item["_id"], **values)
        except (ValidationError, MoneyError) as exc:
            self.errors.show(
                exc if isinstance(exc, ValidationError) else ValidationError("price", str(exc))
            )
            return
        super().accept()
