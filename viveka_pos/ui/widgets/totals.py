"""The bill's totals with the GST split, always on screen while billing."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QWidget

from ...domain.tax import InvoiceTotals
from ...services.formatting import money

ROWS = (
    ("items", "Items"),
    ("subtotal", "Subtotal"),
    ("discount", "Discount"),
    ("taxable", "Taxable value"),
    ("cgst", "CGST"),
    ("sgst", "SGST"),
    ("igst", "IGST"),
)


class TotalsPanel(QFrame):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("totalsPanel")
        grid = QGridLayout(self)
        grid.setContentsMargins(14, 12, 14, 12)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(4)
        self.values: dict[str, QLabel] = {}
        self.captions: dict[str, QLabel] = {}
        for row, (key, text) in enumerate(ROWS):
            name = QLabel(text)
            value = QLabel()
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            value.setObjectName("totalValue")
            grid.addWidget(name, row, 0)
            grid.addWidget(value, row, 1)
            self.values[key] = value
            self.captions[key] = name
        self.supply = QLabel()
        self.supply.setObjectName("hint")
        grid.addWidget(self.supply, len(ROWS), 0, 1, 2)
        caption = QLabel("TOTAL")
        caption.setObjectName("grandCaption")
        self.total = QLabel()
        self.total.setObjectName("grandTotal")
        self.total.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        grid.addWidget(caption, len(ROWS) + 1, 0)
        grid.addWidget(self.total, len(ROWS) + 1, 1)
        self.show_totals(None)

    def show_totals(self, totals: InvoiceTotals | None, *, supply_text: str = "") -> None:
        if totals is None:
            figures = {key: 0 for key, _ in ROWS}
            total = 0
        else:
            figures = {
                "items": len(totals.lines),
                "subtotal": totals.subtotal,
                "discount": totals.total_discount,
                "taxable": totals.total_taxable,
                "cgst": totals.total_cgst,
                "sgst": totals.total_sgst,
                "igst": totals.total_igst,
            }
            total = totals.total_amount
        for key, value in figures.items():
            if key == "items":
                self.values[key].setText(str(value))
            elif key == "discount" and value:
                self.values[key].setText(f"− {money(value)}")
            else:
                self.values[key].setText(money(value))
        inter = totals is not None and totals.supply_type == "inter"
        for key in ("cgst", "sgst"):
            self.captions[key].setEnabled(not inter)
            self.values[key].setEnabled(not inter)
        self.captions["igst"].setEnabled(inter)
        self.values["igst"].setEnabled(inter)
        self.total.setText(money(total))
        self.supply.setText(supply_text)

    def figure(self, key: str) -> str:
        return self.total.text() if key == "total" else self.values[key].text()
