"""The month's GSTR-1 on screen: pick the month, see each table of the return, export the
portal's JSON or the sheets (CSV). The return is built on a worker thread."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ...services.facade import ShopServices
from ...services.formatting import money
from ...services.gstr1 import Gstr1, portal_json
from ...services.gstr1_sheets import Sheet, sheets, write_csv
from ..errors import show_error, user_message
from ..models.rows import Column, RowTableModel, text_at
from ..workers import run_with_progress


def last_month(today: date) -> date:
    """The first day of the month before ``today``'s: the return usually filed."""
    first = today.replace(day=1)
    return (
        first.replace(year=first.year - 1, month=12)
        if first.month == 1
        else first.replace(month=first.month - 1)
    )


class Gstr1View(QWidget):
    def __init__(self, services: ShopServices, parent: QWidget | None = None):
        super().__init__(parent)
        self.services = services
        self.report: Gstr1 | None = None
        self.models: list[RowTableModel[list[str]]] = []
        self.last_message = ""
        self.job: Any = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        heading = QLabel("GSTR-1 — outward supplies of a month")
        heading.setObjectName("sectionTitle")
        layout.addWidget(heading)
        top = QHBoxLayout()
        top.addWidget(QLabel("Month"))
        self.month = QDateEdit()
        self.month.setDisplayFormat("MMMM yyyy")
        start = last_month(services.scope.today())
        self.month.setDate(QDate(start.year, start.month, 1))
        top.addWidget(self.month)
        top.addStretch(1)
        self.show_button = QPushButton("Show")
        self.show_button.setObjectName("primary")
        self.show_button.clicked.connect(self.run)
        top.addWidget(self.show_button)
        layout.addLayout(top)
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs, 1)
        bottom = QHBoxLayout()
        self.summary = QLabel()
        self.summary.setObjectName("hint")
        self.summary.setWordWrap(True)
        bottom.addWidget(self.summary, 1)
        self.json_button = QPushButton("Export JSON for the portal…")
        self.json_button.clicked.connect(lambda: self.export_json())
        self.csv_button = QPushButton("Export sheets (CSV)…")
        self.csv_button.clicked.connect(lambda: self.export_csv())
        bottom.addWidget(self.csv_button)
        bottom.addWidget(self.json_button)
        layout.addLayout(bottom)
        self._exports(False)

    def _exports(self, enabled: bool) -> None:
        self.json_button.setEnabled(enabled)
        self.csv_button.setEnabled(enabled)

    def month_text(self) -> str:
        picked = self.month.date()
        return f"{picked.year():04d}-{picked.month():02d}"

    def run(self) -> None:
        month, gstr1 = self.month_text(), self.services.gstr1
        self.show_button.setEnabled(False)
        self.summary.setText("Working…")
        self.job = run_with_progress(
            self,
            "GSTR-1",
            "Reading the month's invoices and credit notes…",
            lambda _progress: gstr1.build(month),
            on_done=self._show,
            on_failed=self._failed,
        )

    def _show(self, report: Gstr1) -> None:
        self.show_button.setEnabled(True)
        self.report = report
        self.tabs.clear()
        self.models = []
        for sheet in sheets(report):
            label = sheet.name.upper().replace("_", " ")
            self.tabs.addTab(self._table(sheet), f"{label} ({len(sheet.rows)})")
            self.tabs.setTabToolTip(self.tabs.count() - 1, sheet.title)
        tax = report.net_tax()
        self.summary.setText(
            f"{report.period[:2]}/{report.period[2:]} · GSTIN {report.gstin or '—'} · taxable "
            f"{money(tax.taxable)} · IGST {money(tax.igst)} · CGST {money(tax.cgst)} · SGST "
            f"{money(tax.sgst)} (net of credit notes)"
        )
        self.last_message = self.summary.text()
        self._exports(True)

    def _table(self, sheet: Sheet) -> QTableView:
        numeric = {
            n
            for n, name in enumerate(sheet.header)
            if any(
                word in name
                for word in (
                    "Value",
                    "Tax",
                    "Amount",
                    "Rate",
                    "Quantity",
                    "Number",
                    "Cancelled",
                    "Issued",
                    "Supplies",
                )
            )
        }
        columns: list[Column[list[str]]] = [
            Column(name, text_at(n), right=n in numeric) for n, name in enumerate(sheet.header)
        ]
        model: RowTableModel[list[str]] = RowTableModel(columns)
        model.set_rows(sheet.rows)
        view = QTableView()
        view.setModel(model)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.verticalHeader().hide()
        view.setWordWrap(False)
        view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.models.append(model)  # the view does not keep its model alive
        return view

    def _failed(self, exc: BaseException) -> None:
        self.show_button.setEnabled(True)
        self.summary.setText(user_message(exc))
        self.last_message = self.summary.text()
        show_error(self, exc, "GSTR-1")

    # ------------------------------------------------------------------ exports
    def export_json(self, path: str | None = None) -> None:
        report = self.report
        if report is None:
            return
        if path is None:
            suggested = Path.home() / f"GSTR1_{report.gstin}_{report.period}.json"
            path, _ = QFileDialog.getSaveFileName(
                self, "Export GSTR-1 JSON", str(suggested), "JSON files (*.json)"
            )
            if not path:
                return
        target = Path(path)

        def write(_progress: Any) -> str:
            partial = target.with_name(target.name + ".partial")
            partial.write_text(
                json.dumps(portal_json(report), ensure_ascii=False, indent=1), encoding="utf-8"
            )
            partial.replace(target)
            return str(target)

        run_with_progress(
            self,
            "GSTR-1",
            "Writing the file…",
            write,
            on_done=lambda done: self._exported(f"Saved {done}."),
            on_failed=self._failed,
        )

    def export_csv(self, folder: str | None = None) -> None:
        report = self.report
        if report is None:
            return
        if folder is None:
            folder = QFileDialog.getExistingDirectory(
                self, "Folder for the GSTR-1 sheets", str(Path.home())
            )
            if not folder:
                return
        target = Path(folder)
        run_with_progress(
            self,
            "GSTR-1",
            "Writing the sheets…",
            lambda _progress: write_csv(report, target),
            on_done=lambda files: self._exported(f"Saved {len(files)} sheets in {target}."),
            on_failed=self._failed,
        )

    def _exported(self, text: str) -> None:
        self.last_message = text
        self.summary.setText(text)
