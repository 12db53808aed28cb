"""A table model over the item list in the store, a window at a time.

The model knows how many items the view holds and reads the pages the table shows (a
hundred items each, a few pages kept), so the Inventory screen of a 100k-item shop holds
a few hundred items, not the catalogue. Sorting and filtering are new views, answered by
SQLite.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from bson import ObjectId
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from ...domain.entities.item import Item
from ...services.item_list import SORT_COLUMNS, ItemCounts, ItemListing, ItemView
from .rows import AnyIndex, Column, RowStyle, RowTableModel

PAGE = 100
PAGES_KEPT = 12


class ItemPageModel(QAbstractTableModel):
    def __init__(
        self,
        listing: ItemListing,
        columns: Sequence[Column[Item]],
        style: Callable[[Item], RowStyle | None] | None = None,
        parent: Any = None,
    ):
        super().__init__(parent)
        self.listing = listing
        self.columns = list(columns)
        # the look of a row (brushes, fonts) as the list models have it
        self._look: RowTableModel[Item] = RowTableModel(self.columns, style=style)
        self.view = ItemView()
        self.counts = ItemCounts(0, 0, 0)
        self._pages: OrderedDict[int, list[Item]] = OrderedDict()

    # ----------------------------------------------------------------- rows
    def set_view(self, view: ItemView) -> None:
        self.beginResetModel()
        self.view = view
        self.counts = self.listing.counts(view)
        self._pages.clear()
        self.endResetModel()

    def reload(self) -> None:
        self.set_view(self.view)

    def _page(self, number: int) -> list[Item]:
        rows = self._pages.get(number)
        if rows is None:
            rows = self.listing.page(self.view, number * PAGE, PAGE)
            self._pages[number] = rows
            while len(self._pages) > PAGES_KEPT:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(number)
        return rows

    def row_at(self, row: int) -> Item | None:
        if not 0 <= row < self.counts.shown:
            return None
        rows = self._page(row // PAGE)
        at = row % PAGE
        return rows[at] if at < len(rows) else None

    def rows(self) -> list[Item]:
        """Every item of the view, in order (reads them all: for small lists and checks)."""
        found = []
        for number in range((self.counts.shown + PAGE - 1) // PAGE):
            found += self.listing.page(self.view, number * PAGE, PAGE)
        return found

    def find_row(self, match: Callable[[Item], bool]) -> int:
        return next((n for n, r in enumerate(self.rows()) if match(r)), -1)

    def position(self, item_id: ObjectId) -> int:
        return self.listing.position(self.view, item_id)

    # ------------------------------------------------------------ Qt model
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(SORT_COLUMNS):
            return
        descending = order == Qt.SortOrder.DescendingOrder
        view = self.view
        self.set_view(
            ItemView(
                view.text,
                view.group,
                view.low_only,
                view.include_inactive,
                SORT_COLUMNS[column],
                descending,
            )
        )

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.counts.shown

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        return self._look.headerData(section, orientation, role)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.row_at(index.row())
        if row is None:
            return None
        return self._look.cell(row, index.column(), role)
