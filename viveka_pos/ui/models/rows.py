"""A table model over a Python list of rows, with sorting and filtering done in Python.

``QSortFilterProxyModel`` calls ``data()`` for every comparison, which costs seconds on
100,000 items in Python; sorting the list with a key function and filtering precomputed
lower-case text takes milliseconds, so the model does both itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

Row = TypeVar("Row")
AnyIndex = QModelIndex | QPersistentModelIndex

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ROW_ROLE = Qt.ItemDataRole.UserRole + 2


@dataclass(frozen=True)
class Column(Generic[Row]):
    """A column: its title, the text of a row, and optionally how it sorts."""

    title: str
    text: Callable[[Row], str]
    sort_key: Callable[[Row], Any] | None = None
    right: bool = False
    searchable: bool = False
    tooltip: Callable[[Row], str] | None = None


def text_at(index: int) -> Callable[[Sequence[str]], str]:
    """The text of column ``index`` of a row that is a list of texts (report sheets)."""
    return lambda row: row[index]


@dataclass(frozen=True)
class RowStyle:
    background: str | None = None
    foreground: str | None = None
    bold: bool = False


class RowTableModel(QAbstractTableModel, Generic[Row]):
    def __init__(
        self,
        columns: Sequence[Column[Row]],
        style: Callable[[Row], RowStyle | None] | None = None,
        parent: Any = None,
    ):
        super().__init__(parent)
        self.columns = list(columns)
        self._style = style
        self._all: list[Row] = []
        self._rows: list[Row] = []
        self._haystack: list[str] = []
        self._filter_text = ""
        self._predicate: Callable[[Row], bool] | None = None
        self._sort: tuple[int, Qt.SortOrder] | None = None
        self._brushes: dict[str, QBrush] = {}

    # ----------------------------------------------------------------- rows
    def set_rows(self, rows: Sequence[Row]) -> None:
        self.beginResetModel()
        self._all = list(rows)
        searchable = [c for c in self.columns if c.searchable]
        self._haystack = (
            [" ".join(c.text(r) for c in searchable).casefold() for r in self._all]
            if searchable
            else []
        )
        self._rows = self._visible()
        self._sort_rows()
        self.endResetModel()

    def insert_rows(self, position: int, rows: Sequence[Row]) -> None:
        """Show more rows at ``position`` (a page read on), without sorting or filtering
        them: for a model that is neither."""
        if not rows:
            return
        searchable = [c for c in self.columns if c.searchable]
        self.beginInsertRows(QModelIndex(), position, position + len(rows) - 1)
        self._rows[position:position] = rows
        self._all[position:position] = rows
        if searchable:
            self._haystack[position:position] = [
                " ".join(c.text(r) for c in searchable).casefold() for r in rows
            ]
        self.endInsertRows()

    def rows(self) -> list[Row]:
        """The rows shown, in display order."""
        return list(self._rows)

    def all_rows(self) -> list[Row]:
        return list(self._all)

    def row_at(self, row: int) -> Row | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def find_row(self, match: Callable[[Row], bool]) -> int:
        return next((n for n, r in enumerate(self._rows) if match(r)), -1)

    # --------------------------------------------------------- filter, sort
    def set_filter(self, text: str = "", predicate: Callable[[Row], bool] | None = None) -> None:
        self._filter_text = text.strip().casefold()
        self._predicate = predicate
        self.beginResetModel()
        self._rows = self._visible()
        self._sort_rows()
        self.endResetModel()

    def _visible(self) -> list[Row]:
        terms = self._filter_text.split()
        predicate = self._predicate
        if not terms and predicate is None:
            return list(self._all)
        shown = []
        for n, row in enumerate(self._all):
            if terms and self._haystack:
                hay = self._haystack[n]
                if not all(term in hay for term in terms):
                    continue
            if predicate is not None and not predicate(row):
                continue
            shown.append(row)
        return shown

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns):
            return
        self.layoutAboutToBeChanged.emit()
        self._sort = (column, order)
        self._sort_rows()
        self.layoutChanged.emit()

    def _sort_rows(self) -> None:
        if self._sort is None:
            return
        column, order = self._sort
        spec = self.columns[column]
        key = spec.sort_key or (lambda r: spec.text(r).casefold())
        self._rows.sort(key=key, reverse=order == Qt.SortOrder.DescendingOrder)

    # ------------------------------------------------------------ Qt model
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            spec = self.columns[section]
            if role == Qt.ItemDataRole.DisplayRole:
                return spec.title
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return _alignment(spec.right)
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        return self.cell(self._rows[index.row()], index.column(), role)

    def cell(self, row: Row, column: int, role: int) -> Any:
        """What a cell of ``row`` shows in ``role`` (also for models that hold their rows
        elsewhere)."""
        spec = self.columns[column]
        if role == Qt.ItemDataRole.DisplayRole:
            return spec.text(row)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _alignment(spec.right)
        if role == ROW_ROLE:
            return row
        if role == SORT_ROLE:
            return spec.sort_key(row) if spec.sort_key else spec.text(row)
        if role == Qt.ItemDataRole.ToolTipRole and spec.tooltip is not None:
            return spec.tooltip(row)
        if self._style is not None and role in (
            Qt.ItemDataRole.BackgroundRole,
            Qt.ItemDataRole.ForegroundRole,
            Qt.ItemDataRole.FontRole,
        ):
            return self._styled(row, role)
        return None

    def _styled(self, row: Row, role: int) -> Any:
        assert self._style is not None
        style = self._style(row)
        if style is None:
            return None
        if role == Qt.ItemDataRole.BackgroundRole and style.background:
            return self._brush(style.background)
        if role == Qt.ItemDataRole.ForegroundRole and style.foreground:
            return self._brush(style.foreground)
        if role == Qt.ItemDataRole.FontRole and style.bold:
            from PySide6.QtGui import QFont

            font = QFont()
            font.setBold(True)
            return font
        return None

    def _brush(self, color: str) -> QBrush:
        brush = self._brushes.get(color)
        if brush is None:
            brush = self._brushes[color] = QBrush(QColor(color))
        return brush


def _alignment(right: bool) -> Qt.AlignmentFlag:
    horizontal = Qt.AlignmentFlag.AlignRight if right else Qt.AlignmentFlag.AlignLeft
    return horizontal | Qt.AlignmentFlag.AlignVCenter
