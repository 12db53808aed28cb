"""Inventory: item groups, the items table (sort, filter, low stock marked), add/edit,
deactivate, stock adjustments and CSV import/export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bson import ObjectId
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...domain.entities.item import Item, ItemGroup
from ...domain.errors import ValidationError
from ...services import csv_io
from ...services.facade import ShopServices
from ...services.formatting import money, quantity
from ...services.item_list import ALL_GROUPS, NO_GROUP, ItemListing, ItemView
from ..dialogs.item_editor import ItemDialog
from ..dialogs.stock_adjust import StockDialog
from ..errors import show_error, user_message
from ..models.item_pages import ItemPageModel
from ..models.rows import Column, RowStyle
from ..scanner import mark_scan_field
from ..workers import run_with_progress

LOW_STOCK_BACKGROUND = "#fff1cc"
OUT_OF_STOCK_BACKGROUND = "#fde2e0"
OUT_OF_STOCK_FOREGROUND = "#9b1c12"
INACTIVE_FOREGROUND = "#9aa3ad"


class InventoryScreen(QWidget):
    title = "Inventory"

    def __init__(self, services: ShopServices, parent: QWidget | None = None):
        super().__init__(parent)
        self.services = services
        self.catalog = services.catalog
        self.group_names: dict[ObjectId | None, str] = {}
        self.last_message = ""
        self._build()
        self.refresh()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        outer = QHBoxLayout(self)
        outer.setContentsMargins(12, 12, 12, 12)
        outer.setSpacing(12)

        groups_side = QVBoxLayout()
        caption = QLabel("Groups")
        caption.setObjectName("sectionTitle")
        groups_side.addWidget(caption)
        self.groups = QListWidget()
        self.groups.setObjectName("groupList")
        self.groups.setFixedWidth(180)
        self.groups.currentItemChanged.connect(lambda *_: self._apply_filter())
        groups_side.addWidget(self.groups, 1)
        group_buttons = QHBoxLayout()
        group_buttons.setSpacing(4)
        for text, action in (
            ("Add", self.add_group),
            ("Rename", self.rename_group),
            ("Delete", self.delete_group),
        ):
            button = QPushButton(text)
            button.setObjectName("compact")
            button.clicked.connect(action)
            group_buttons.addWidget(button)
        groups_side.addLayout(group_buttons)
        outer.addLayout(groups_side)

        main = QVBoxLayout()
        main.setSpacing(8)
        outer.addLayout(main, 1)
        filters = QHBoxLayout()
        self.filter = mark_scan_field(QLineEdit())  # a scan filters by its code
        self.filter.setObjectName("searchBox")
        self.filter.setPlaceholderText("Filter by name, code, HSN or group")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(lambda *_: self._apply_filter())
        filters.addWidget(self.filter, 1)
        self.low_only = QCheckBox("Low stock only")
        self.low_only.toggled.connect(lambda *_: self._apply_filter())
        self.show_inactive = QCheckBox("Show inactive")
        self.show_inactive.toggled.connect(lambda *_: self.refresh())
        filters.addWidget(self.low_only)
        filters.addWidget(self.show_inactive)
        main.addLayout(filters)

        actions = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, text, action in (
            ("add", "Add item", self.add_item),
            ("edit", "Edit", self.edit_item),
            ("stock", "Adjust stock", self.adjust_stock),
            ("active", "Deactivate", self.toggle_active),
            ("import", "Import CSV…", lambda: self.import_csv()),
            ("export", "Export CSV…", lambda: self.export_csv()),
        ):
            button = QPushButton(text)
            button.clicked.connect(action)
            if key == "add":
                button.setObjectName("primary")
            if key == "import":
                actions.addStretch(1)
            actions.addWidget(button)
            self.buttons[key] = button
        main.addLayout(actions)

        self.listing = ItemListing(self.services.scope)
        self.model = ItemPageModel(
            self.listing,
            [
                Column("Name", lambda i: i.name, searchable=True, tooltip=lambda i: i.name),
                Column("Code", lambda i: i.code, searchable=True),
                Column("Group", lambda i: self.group_names.get(i.group_id, ""), searchable=True),
                Column("Unit", lambda i: i.unit),
                Column("Price", lambda i: money(i.price), sort_key=lambda i: i.price, right=True),
                Column(
                    "GST", lambda i: f"{i.gst_rate}%", sort_key=lambda i: i.gst_rate, right=True
                ),
                Column("HSN", lambda i: i.hsn_code, searchable=True),
                Column(
                    "Stock", lambda i: quantity(i.stock), sort_key=lambda i: i.stock, right=True
                ),
                Column(
                    "Low at",
                    lambda i: quantity(i.low_stock_quantity),
                    sort_key=lambda i: i.low_stock_quantity,
                    right=True,
                ),
                Column("Status", lambda i: _status(i)),
            ],
            style=_row_style,
        )  # sorted and filtered by the store (services/item_list.py)
        self.table = QTableView()
        self.table.setObjectName("itemsTable")
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(28)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        # Narrow number columns leave the name room at 1366×768 (the smallest screen a shop
        # PC has); a name longer still is shown whole in its tooltip.
        for column, width in (
            (1, 80),
            (2, 98),
            (3, 48),
            (4, 84),
            (5, 46),
            (6, 74),
            (7, 60),
            (8, 70),
            (9, 98),
        ):
            self.table.setColumnWidth(column, width)
        self.table.doubleClicked.connect(lambda _i: self.edit_item())
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        main.addWidget(self.table, 1)
        self.summary = QLabel()
        self.summary.setObjectName("hint")
        main.addWidget(self.summary)

        QShortcut(QKeySequence("Ctrl+N"), self, self.add_item).setContext(
            Qt.ShortcutContext.WidgetWithChildrenShortcut
        )
        QShortcut(QKeySequence(Qt.Key.Key_Return), self.table, self.edit_item).setContext(
            Qt.ShortcutContext.WidgetShortcut
        )

    # ------------------------------------------------------------------ data
    def refresh(self, changed: set[str] | None = None) -> None:
        if changed is not None and not changed & {"items", "itemgroups", "clients"}:
            return
        groups = self.catalog.groups()
        self.group_names = {g.id: g.name for g in groups}
        selected_group = self._current_group()
        current = self.selected_item()
        counts = self.listing.by_group(include_inactive=self.show_inactive.isChecked())
        self._fill_groups(groups, counts, selected_group)
        self._apply_filter()
        if current is not None:
            self.select_item(current.id)

    def _fill_groups(
        self, groups: list[ItemGroup], counts: dict[ObjectId | None, int], selected: ObjectId | str
    ) -> None:
        self.groups.blockSignals(True)
        self.groups.clear()
        entries: list[tuple[str, ObjectId | str]] = [
            (f"All items ({sum(counts.values())})", ALL_GROUPS)
        ]
        entries += [(f"{g.name} ({counts.get(g.id, 0)})", g.id) for g in groups]
        if counts.get(None):
            entries.append((f"No group ({counts[None]})", NO_GROUP))
        for text, key in entries:
            entry = QListWidgetItem(text)
            entry.setSizeHint(QSize(0, 30))
            entry.setData(Qt.ItemDataRole.UserRole, key)
            self.groups.addItem(entry)
            if key == selected:
                self.groups.setCurrentItem(entry)
        if self.groups.currentItem() is None:
            self.groups.setCurrentRow(0)
        self.groups.blockSignals(False)

    def _current_group(self) -> ObjectId | str:
        """The group id shown, or :data:`ALL_GROUPS` / :data:`NO_GROUP`."""
        entry = self.groups.currentItem()
        return entry.data(Qt.ItemDataRole.UserRole) if entry is not None else ALL_GROUPS

    def _apply_filter(self) -> None:
        view = self.model.view
        self.model.set_view(
            ItemView(
                self.filter.text(),
                self._current_group(),
                self.low_only.isChecked(),
                self.show_inactive.isChecked(),
                view.sort,
                view.descending,
            )
        )
        self.table.scrollToTop()  # a new filter shows its first items
        counts = self.model.counts
        low = counts.low
        self.summary.setText(
            f"{counts.shown} item(s) shown · {counts.out_of_stock} out of "
            f"stock (red) · {low} at or below their low-stock level (yellow)"
        )
        self._update_buttons()

    def selected_item(self) -> Item | None:
        return self.model.row_at(self.table.currentIndex().row())

    def select_item(self, item_id: ObjectId) -> bool:
        row = self.model.position(item_id)
        if row >= 0:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))
        return row >= 0

    def _update_buttons(self) -> None:
        item = self.selected_item()
        for key in ("edit", "stock", "active"):
            self.buttons[key].setEnabled(item is not None)
        active = item is None or item.is_active
        self.buttons["active"].setText("Deactivate" if active else "Reactivate")

    def say(self, text: str) -> None:
        self.last_message = text
        self.summary.setText(text)

    # --------------------------------------------------------------- actions
    def _one_group(self) -> ObjectId | None:
        """The one group shown (not all items, nor those in no group)."""
        group = self._current_group()
        return group if isinstance(group, ObjectId) else None

    def add_item(self) -> None:
        dialog = ItemDialog(self, self.catalog, group_id=self._one_group())
        if dialog.exec() and dialog.saved is not None:
            self.refresh()
            self.select_item(dialog.saved.id)
            self.say(f"Added {dialog.saved.name}.")

    def edit_item(self) -> None:
        item = self.selected_item()
        if item is None:
            return
        dialog = ItemDialog(self, self.catalog, item)
        if dialog.exec() and dialog.saved is not None:
            self.refresh()
            self.select_item(item.id)
            self.say(f"Saved {dialog.saved.name}.")

    def adjust_stock(self) -> None:
        item = self.selected_item()
        if item is None:
            return
        dialog = StockDialog(self, self.catalog, item)
        if dialog.exec() and dialog.saved is not None:
            self.refresh()
            self.select_item(item.id)
            self.say(f"{dialog.saved.name}: stock is now {quantity(dialog.saved.stock)}.")

    def toggle_active(self) -> None:
        item = self.selected_item()
        if item is None:
            return
        active = item.is_active
        if active:
            answer = QMessageBox.question(
                self,
                "Deactivate item",
                f"Stop selling {item.name}? It disappears from billing and this list "
                "(tick “Show inactive” to see it again). Its bills and stock history stay.",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        try:
            self.catalog.set_active(item.id, not active)
        except ValidationError as exc:
            show_error(self, exc)
            return
        self.refresh()
        self.say(f"{item.name} is {'inactive' if active else 'active again'}.")

    # ----------------------------------------------------------------- groups
    def add_group(self) -> None:
        name, ok = QInputDialog.getText(self, "New group", "Group name")
        if ok:
            self._group_action(lambda: self.catalog.create_group(name))

    def rename_group(self) -> None:
        group = self._one_group()
        if group is None:
            return
        name, ok = QInputDialog.getText(
            self, "Rename group", "New name", text=self.group_names.get(group, "")
        )
        if ok:
            self._group_action(lambda: self.catalog.update_group(group, name=name))

    def delete_group(self) -> None:
        group = self._one_group()
        if group is None:
            return
        self._group_action(lambda: self.catalog.delete_group(group))

    def _group_action(self, action: Any) -> None:
        try:
            action()
        except ValidationError as exc:
            show_error(self, exc)
            return
        self.refresh()

    # -------------------------------------------------------------------- CSV
    def import_csv(self, path: str | None = None) -> None:
        if path is None:
            path, _ = QFileDialog.getOpenFileName(
                self, "Import items", str(Path.home()), "CSV files (*.csv);;All files (*)"
            )
            if not path:
                return
        scope = self.services.scope

        def work(progress: Any) -> csv_io.ImportReport:
            return csv_io.import_items(
                scope,
                path,
                progress=lambda done, total: progress(
                    done, total, f"Importing items… {done} of {total}"
                ),
            )

        run_with_progress(
            self,
            "Import items",
            "Checking the file…",
            work,
            on_done=self._imported,
            on_failed=lambda exc: show_error(self, exc),
        )

    def _imported(self, report: csv_io.ImportReport) -> None:
        box = QMessageBox(self)
        box.setWindowTitle("Import items")
        if report.ok:
            box.setIcon(QMessageBox.Icon.Information)
            box.setText(
                f"Imported {report.created} new and updated {report.updated} existing item(s)."
            )
        else:
            box.setIcon(QMessageBox.Icon.Warning)
            count = len(report.rejected)
            box.setText(
                f"Nothing was imported: {count} row(s) need fixing first. "
                "Correct the file and import it again."
            )
            box.setDetailedText("\n".join(str(row) for row in report.rejected[:500]))
        self.say(box.text())
        self.refresh()
        box.open()

    def export_csv(self, path: str | None = None) -> None:
        if path is None:
            path, _ = QFileDialog.getSaveFileName(
                self, "Export items", str(Path.home() / "items.csv"), "CSV files (*.csv)"
            )
            if not path:
                return
        scope = self.services.scope
        include_inactive = self.show_inactive.isChecked()

        def work(_progress: Any) -> int:
            return csv_io.export_items(scope, path, include_inactive=include_inactive)

        def done(count: int) -> None:
            self.say(f"Exported {count} item(s) to {path}.")
            box = QMessageBox(
                QMessageBox.Icon.Information,
                "Export items",
                self.last_message,
                QMessageBox.StandardButton.Ok,
                self,
            )
            box.open()

        run_with_progress(
            self,
            "Export items",
            "Writing the file…",
            work,
            on_done=done,
            on_failed=lambda exc: self._export_failed(exc),
        )

    def _export_failed(self, exc: BaseException) -> None:
        self.say(f"Export failed: {user_message(exc)}")
        show_error(self, exc, "Export items")


def _status(item: Item) -> str:
    if not item.is_active:
        return "Inactive"
    if item.is_out_of_stock:
        return "Out of stock"
    return "Low stock" if item.is_low_on_stock else ""


def _row_style(item: Item) -> RowStyle | None:
    if not item.is_active:
        return RowStyle(foreground=INACTIVE_FOREGROUND)
    if item.is_out_of_stock:
        return RowStyle(background=OUT_OF_STOCK_BACKGROUND, foreground=OUT_OF_STOCK_FOREGROUND)
    if item.is_low_on_stock:
        return RowStyle(background=LOW_STOCK_BACKGROUND)
    return None
