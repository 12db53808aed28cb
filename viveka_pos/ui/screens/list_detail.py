"""The list-and-detail layout that Customers and Dealers share.

On the left a search box with an "Add" button, the list of records and a line that counts
them; on the right a card with the chosen record's details, a figure (dues, what is owed)
and its buttons, tabs of the record's related rows, and a message line. A subclass builds
its columns, tabs and buttons with the helpers here and shows a record in ``_selected``.
Records are the typed views the services hand out; the layout needs only their ``id``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, Protocol, TypeVar

from bson import ObjectId
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ...services.facade import ShopServices
from ..models.rows import Column, RowStyle, RowTableModel
from ..theme import polish
from ..widgets.tables import record_table


class Identified(Protocol):
    """A record the list can find again: anything with the stored ``id``."""

    @property
    def id(self) -> ObjectId: ...


Record = TypeVar("Record", bound=Identified)


def button_row(*items: QWidget | None) -> QHBoxLayout:
    """Widgets side by side; ``None`` stands for the stretch that pushes the rest aside."""
    row = QHBoxLayout()
    for item in items:
        if item is None:
            row.addStretch(1)
        else:
            row.addWidget(item)
    return row


def primary(button: QPushButton) -> QPushButton:
    """The screen's main action, drawn filled."""
    button.setObjectName("primary")
    return button


class ListDetailScreen(QWidget, Generic[Record]):
    """Base of a screen listing records on the left and showing the chosen one on the right.

    ``current`` is the record shown (None when the list is empty). The subclass calls
    :meth:`_build_list` and then :meth:`_build_detail` in its ``_build``, adds its tabs with
    :meth:`add_tab`, and implements :meth:`_selected`.
    """

    def __init__(self, services: ShopServices, parent: QWidget | None = None):
        super().__init__(parent)
        self.services = services
        self.current: Record | None = None
        self.last_message = ""
        self._outer = QHBoxLayout(self)
        self._outer.setContentsMargins(12, 12, 12, 12)
        self._outer.setSpacing(12)

    def _zone(self) -> str:
        return self.services.shop.settings().time_zone

    # ------------------------------------------------------------------ layout
    def _build_list(
        self,
        *,
        placeholder: str,
        on_search: Callable[[str], None],
        add_text: str,
        on_add: Callable[[], None],
        columns: Sequence[Column[Record]],
        width: int,
        style: Callable[[Record], RowStyle | None] | None = None,
        under_search: Sequence[QWidget] = (),
    ) -> QLineEdit:
        """The left column: search box and Add button, ``under_search``, the list sorted by
        its first column, and ``list_hint``. Returns the search box."""
        left = QVBoxLayout()
        search = QLineEdit()
        search.setObjectName("searchBox")
        search.setPlaceholderText(placeholder)
        search.setClearButtonEnabled(True)
        search.textChanged.connect(on_search)
        add = primary(QPushButton(add_text))
        add.clicked.connect(on_add)
        top = button_row(search, add)
        top.setStretch(0, 1)
        left.addLayout(top)
        for widget in under_search:
            left.addWidget(widget)
        self.list_model: RowTableModel[Record] = RowTableModel(list(columns), style=style)
        self.list = record_table(self.list_model)
        self.list.setSortingEnabled(True)
        self.list.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.list.selectionModel().currentRowChanged.connect(lambda *_: self._selected())
        left.addWidget(self.list, 1)
        self.list_hint = QLabel()
        self.list_hint.setObjectName("hint")
        left.addWidget(self.list_hint)
        holder = QWidget()
        holder.setLayout(left)
        holder.setFixedWidth(width)
        self._outer.addWidget(holder)
        return search

    def _build_detail(
        self, *, figure: QLabel, buttons: Sequence[QPushButton], placeholder: str = ""
    ) -> None:
        """The right column: a card with ``details``, ``figure`` over ``buttons``, then
        ``tabs`` (filled with :meth:`add_tab`) and the ``message`` line."""
        right = QVBoxLayout()
        right.setSpacing(8)
        card = QFrame()
        card.setObjectName("card")
        card_layout = QHBoxLayout(card)
        self.details = QLabel(placeholder)
        self.details.setObjectName("customerDetails")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        card_layout.addWidget(self.details, 1)
        side = QVBoxLayout()
        figure.setObjectName("duesFigure")
        figure.setAlignment(Qt.AlignmentFlag.AlignRight)
        side.addWidget(figure)
        side.addLayout(button_row(*buttons))
        side.addStretch(1)
        card_layout.addLayout(side)
        right.addWidget(card)
        self.tabs = QTabWidget()
        right.addWidget(self.tabs, 1)
        self.message = QLabel()
        self.message.setObjectName("hint")
        right.addWidget(self.message)
        self._outer.addLayout(right, 1)

    def add_tab(self, title: str, table: QTableView, *buttons: QWidget | None) -> None:
        """A tab of ``table`` over a row of ``buttons`` (``None``: a stretch)."""
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(table, 1)
        layout.addLayout(button_row(*buttons))
        self.tabs.addTab(page, title)

    # -------------------------------------------------------------- selection
    def _selected(self) -> None:
        """Show the record selected in the list (or none)."""
        raise NotImplementedError

    def selected_record(self) -> Record | None:
        return self.list_model.row_at(self.list.currentIndex().row())

    def select_record(self, record_id: ObjectId) -> bool:
        """Select the listed record with this ``_id`` and show it; False when not listed."""
        row = self.list_model.find_row(lambda r: r.id == record_id)
        if row >= 0:
            self.list.selectRow(row)
            self._selected()
        return row >= 0

    def _reselect(self, keep_id: ObjectId | None) -> None:
        """After the list was filled again: the record shown before if still listed, else
        the first one, else none."""
        row = self.list_model.find_row(lambda r: r.id == keep_id) if keep_id is not None else -1
        if row < 0 and self.list_model.rowCount():
            row = 0
        if row >= 0:
            self.list.selectRow(row)
        self._selected()

    # ---------------------------------------------------------------- showing
    def say(self, text: str) -> None:
        self.last_message = text
        self.message.setText(text)

    @staticmethod
    def show_figure(label: QLabel, text: str, *, owing: bool) -> None:
        """The card's figure, drawn as money owed (red) or settled (green)."""
        label.setText(text)
        label.setProperty("owing", owing)
        polish(label)
