"""Reports: a dashboard (today, dues, low stock, 30 days of sales) and tabular reports with
date filters, exported to CSV or PDF, and the month's GSTR-1. Reports are computed on a
worker thread."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import chain
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QModelIndex, QSize
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...services import csv_io
from ...services.facade import ShopServices
from ...services.formatting import day, money
from ...services.report_tables import (
    METHOD_TITLES,
    METHODS,
    REPORTS,
    BuiltReport,
    ReportPages,
    ReportRequest,
    this_month,
)
from ...services.reports import PAGE_ROWS
from ..errors import show_error, user_message
from ..models.rows import Column, RowStyle, RowTableModel, text_at
from ..widgets.sales_chart import SalesChart
from ..workers import run_with_progress, start_job
from .gstr1_view import Gstr1View

TOTAL_STYLE = RowStyle(background="#eef1f5", bold=True)
PRESETS = (
    "Today",
    "Yesterday",
    "Last 7 days",
    "This month",
    "Last month",
    "This financial year",
    "Custom",
)


def preset_range(name: str, today: date) -> tuple[date, date]:
    if name == "Yesterday":
        yesterday = today - timedelta(days=1)
        return yesterday, yesterday
    if name == "Last 7 days":
        return today - timedelta(days=6), today
    if name == "This month":
        return this_month(today)
    if name == "Last month":
        end = today.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end
    if name == "This financial year":
        start_year = today.year if today.month >= 4 else today.year - 1
        return date(start_year, 4, 1), today
    return today, today


def _qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


def _pydate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class Kpi(QFrame):
    def __init__(self, caption: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("kpi")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        self.caption = QLabel(caption)
        self.caption.setObjectName("kpiCaption")
        self.value = QLabel("—")
        self.value.setObjectName("kpiValue")
        self.detail = QLabel()
        self.detail.setObjectName("hint")
        for label in (self.caption, self.value, self.detail):
            layout.addWidget(label)

    def show_value(self, value: str, detail: str = "") -> None:
        self.value.setText(value)
        self.detail.setText(detail)


class Dashboard(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        grid = QGridLayout()
        grid.setSpacing(12)
        self.sales = Kpi("Today's sales")
        self.collections = Kpi("Collected today")
        self.dues = Kpi("Pending dues")
        self.low = Kpi("Low-stock items")
        for n, kpi in enumerate((self.sales, self.collections, self.dues, self.low)):
            grid.addWidget(kpi, 0, n)
        layout.addLayout(grid)
        caption = QLabel("Sales, last 30 days")
        caption.setObjectName("sectionTitle")
        layout.addWidget(caption)
        self.chart = SalesChart()
        layout.addWidget(self.chart, 1)
        self.note = QLabel()
        self.note.setObjectName("hint")
        layout.addWidget(self.note)

    def show_dashboard(self, board: Any) -> None:
        bills = "bill" if board.bills_today == 1 else "bills"
        self.sales.show_value(money(board.sales_today), f"{board.bills_today} {bills}")
        self.collections.show_value(money(board.collections_today), "payments received today")
        self.dues.show_value(
            money(board.pending_dues), f"{board.pending_invoices} unpaid invoice(s)"
        )
        self.low.show_value(str(board.low_stock_items), "at or below their low-stock level")
        self.chart.set_points(board.sales_by_day)
        total = sum(v for _, v in board.sales_by_day)
        self.note.setText(f"30-day sales {money(total)} · as of {day(board.day)}")


class ReportsScreen(QWidget):
    title = "Reports"

    def __init__(self, services: ShopServices, parent: QWidget | None = None):
        super().__init__(parent)
        self.services = services
        self.built: BuiltReport | None = None
        self.last_message = ""
        self.job: Any = None
        self._build()
        self.list.setCurrentRow(0)

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        outer = QHBoxLayout(self)
        outer.setContentsMargins(12, 12, 12, 12)
        outer.setSpacing(12)
        self.list = QListWidget()
        self.list.setObjectName("groupList")
        self.list.setFixedWidth(190)
        self.list.addItem("Dashboard")
        for spec in REPORTS:
            self.list.addItem(spec.title)
        self.list.addItem("GSTR-1 (monthly return)")
        for n in range(self.list.count()):
            self.list.item(n).setSizeHint(QSize(0, 32))
        self.list.currentRowChanged.connect(self._picked)
        outer.addWidget(self.list)

        self.stack = QStackedWidget()
        self.dashboard = Dashboard()
        self.stack.addWidget(self.dashboard)
        self.viewer = QWidget()
        self.stack.addWidget(self.viewer)
        self.gstr1 = Gstr1View(self.services)
        self.stack.addWidget(self.gstr1)
        outer.addWidget(self.stack, 1)

        layout = QVBoxLayout(self.viewer)
        layout.setContentsMargins(0, 0, 0, 0)
        self.heading = QLabel()
        self.heading.setObjectName("sectionTitle")
        layout.addWidget(self.heading)
        filters = QHBoxLayout()
        self.preset = QComboBox()
        self.preset.addItems(PRESETS)
        self.preset.setCurrentText("This month")
        self.preset.currentTextChanged.connect(self._preset_changed)
        self.date_from = QDateEdit()
        self.date_to = QDateEdit()
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd MMM yyyy")
            edit.dateChanged.connect(self._dates_edited)
        self.method = QComboBox()
        self.method.addItem("All methods", "")
        for key in METHODS:
            self.method.addItem(METHOD_TITLES[key], key)
        self.low_first = QCheckBox("Low stock first")
        self.period_widgets = [
            QLabel("Period"),
            self.preset,
            QLabel("From"),
            self.date_from,
            QLabel("To"),
            self.date_to,
        ]
        for widget in self.period_widgets:
            filters.addWidget(widget)
        filters.addWidget(self.method)
        filters.addWidget(self.low_first)
        filters.addStretch(1)
        self.run_button = QPushButton("Show")
        self.run_button.setObjectName("primary")
        self.run_button.clicked.connect(self.run)
        filters.addWidget(self.run_button)
        layout.addLayout(filters)

        self.model: RowTableModel[list[str]] = RowTableModel([])
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.setWordWrap(False)
        layout.addWidget(self.table, 1)
        bottom = QHBoxLayout()
        self.summary = QLabel()
        self.summary.setObjectName("hint")
        self.summary.setWordWrap(True)
        bottom.addWidget(self.summary, 1)
        self.csv_button = QPushButton("Export CSV…")
        self.csv_button.clicked.connect(lambda: self.export_csv())
        self.pdf_button = QPushButton("Export PDF…")
        self.pdf_button.clicked.connect(lambda: self.export_pdf())
        bottom.addWidget(self.csv_button)
        bottom.addWidget(self.pdf_button)
        layout.addLayout(bottom)
        self._preset_changed(self.preset.currentText())

    # ------------------------------------------------------------------ events
    def current_spec(self) -> Any:
        row = self.list.currentRow()
        return REPORTS[row - 1] if 1 <= row <= len(REPORTS) else None

    def _picked(self, row: int) -> None:
        if row <= 0:
            self.stack.setCurrentWidget(self.dashboard)
            self.refresh_dashboard()
            return
        if row > len(REPORTS):
            self.stack.setCurrentWidget(self.gstr1)
            return
        spec = REPORTS[row - 1]
        self.stack.setCurrentWidget(self.viewer)
        self.heading.setText(spec.title)
        for widget in self.period_widgets:
            widget.setVisible(spec.uses_period)
        self.method.setVisible(spec.uses_method)
        self.low_first.setVisible(spec.uses_low_first)
        self.run()

    def _preset_changed(self, name: str) -> None:
        if name == "Custom":
            return
        first, last = preset_range(name, self.services.scope.today())
        for edit, value in ((self.date_from, first), (self.date_to, last)):
            edit.blockSignals(True)
            edit.setDate(_qdate(value))
            edit.blockSignals(False)

    def _dates_edited(self) -> None:
        self.preset.blockSignals(True)
        self.preset.setCurrentText("Custom")
        self.preset.blockSignals(False)

    def request(self) -> ReportRequest:
        return ReportRequest(
            _pydate(self.date_from.date()),
            _pydate(self.date_to.date()),
            str(self.method.currentData() or ""),
            self.low_first.isChecked(),
        )

    def refresh(self, changed: set[str] | None = None) -> None:
        if changed is not None and not changed & {
            "invoices",
            "payments",
            "items",
            "dealerorders",
            "dealerpayments",
            "clients",
        }:
            return
        if self.stack.currentWidget() is self.dashboard:
            self.refresh_dashboard()

    # ---------------------------------------------------------------- running
    def refresh_dashboard(self) -> None:
        reports = self.services.reports
        self.job = start_job(
            lambda _progress: reports.dashboard(),
            on_done=self.dashboard.show_dashboard,
            on_failed=lambda exc: show_error(self, exc, "Dashboard"),
        )

    def run(self) -> None:
        spec = self.current_spec()
        if spec is None:
            return
        request = self.request()
        services = self.services
        self.run_button.setEnabled(False)
        self.summary.setText("Working…")
        self.job = run_with_progress(
            self,
            spec.title,
            "Preparing the report…",
            lambda _progress: spec.build(services, request),
            on_done=self._show,
            on_failed=self._failed,
        )

    def _show(self, built: BuiltReport) -> None:
        self.run_button.setEnabled(True)
        self.built = built
        table = built.table
        totals = list(table.totals) if table.totals else None
        columns: list[Column[list[str]]] = [
            Column(col.name, text_at(n), right=col.align == "right")
            for n, col in enumerate(table.columns)
        ]
        if built.pages is not None:
            self.model = PagedReportModel(
                columns,
                built.pages,
                has_totals=totals is not None,
                style=lambda row: TOTAL_STYLE if row is totals else None,
            )
        else:
            self.model = RowTableModel(
                columns, style=lambda row: TOTAL_STYLE if row is totals else None
            )
        self.model.set_rows([*table.rows, *([totals] if totals else [])])
        self.table.setModel(self.model)
        self.table.scrollToTop()  # a new report starts at its first row
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        self.summary.setText(built.summary or f"{built.row_count} row(s)")
        self.last_message = self.summary.text()

    def _failed(self, exc: BaseException) -> None:
        self.run_button.setEnabled(True)
        self.summary.setText(user_message(exc))
        self.last_message = self.summary.text()
        show_error(self, exc, "Report")

    # ---------------------------------------------------------------- exports
    def _file_name(self, suffix: str) -> str:
        built = self.built
        title = built.table.title if built else "report"
        stem = "".join(ch if ch.isalnum() else "-" for ch in title.lower()).strip("-")
        return f"{stem}-{self.services.scope.today().isoformat()}.{suffix}"

    def export_csv(self, path: str | None = None) -> None:
        built = self.built
        if built is None:
            return
        if path is None:
            path, _ = QFileDialog.getSaveFileName(
                self, "Export CSV", str(Path.home() / self._file_name("csv")), "CSV files (*.csv)"
            )
            if not path:
                return
        target = path

        def write(_progress: Any) -> int:
            return write_csv(Path(target), built)

        run_with_progress(
            self,
            "Export CSV",
            "Writing the file…",
            write,
            on_done=lambda count: self._exported(f"Exported {count} row(s) to {target}."),
            on_failed=self._failed,
        )

    def export_pdf(self, path: str | None = None) -> None:
        built = self.built
        if built is None:
            return
        if path is None:
            path, _ = QFileDialog.getSaveFileName(
                self, "Export PDF", str(Path.home() / self._file_name("pdf")), "PDF files (*.pdf)"
            )
            if not path:
                return
        target = path
        shop = self.services.shop.document_for_print()

        def write(_progress: Any) -> str:
            from ...printing import render_report
            from ...printing.printer import save_pdf

            save_pdf(render_report(built.whole_table(), shop), target)
            return target

        run_with_progress(
            self,
            "Export PDF",
            "Making the PDF…",
            write,
            on_done=lambda done: self._exported(f"Saved {done}."),
            on_failed=self._failed,
        )

    def _exported(self, text: str) -> None:
        self.last_message = text
        self.summary.setText(text)


class PagedReportModel(RowTableModel[list[str]]):
    """A long report's rows: the first page at once, the next as the table is scrolled
    (Qt's ``canFetchMore``/``fetchMore``), read from the store; the totals row stays
    last."""

    def __init__(
        self,
        columns: list[Column[list[str]]],
        pages: ReportPages,
        *,
        has_totals: bool,
        style: Any = None,
    ):
        super().__init__(columns, style=style)
        self._pages = pages
        self._count = pages.count
        self._has_totals = has_totals

    def fetched(self) -> int:
        return self.rowCount() - (1 if self._has_totals else 0)

    def canFetchMore(self, parent: Any = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self.fetched() < self._count

    def fetchMore(self, parent: Any = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        offset = self.fetched()
        rows = self._pages.table_rows(offset, PAGE_ROWS)
        if len(rows) < PAGE_ROWS:  # rows went since the count: nothing more to read
            self._count = offset + len(rows)
        self.insert_rows(offset, rows)


def write_csv(path: Path, built: BuiltReport) -> int:
    """The report as CSV (UTF-8 with BOM so spreadsheet programs read ₹ and names right;
    formula-safe and through a link: ``csv_io.write_csv``), every row of it, read a chunk
    at a time."""
    totals = [built.csv_totals] if built.csv_totals is not None else []
    csv_io.write_csv(
        path, built.csv_header, chain(built.all_csv_rows(), totals), bom=True, example=path.name
    )
    return built.row_count
