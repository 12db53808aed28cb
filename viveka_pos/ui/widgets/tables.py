"""The read-only record tables of the screens and dialogs."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from ..models.rows import RowTableModel

ROW_HEIGHT = 28


def record_table(
    model: RowTableModel[Any],
    stretch: int = 0,
    *,
    row_height: int | None = ROW_HEIGHT,
    word_wrap: bool = False,
) -> QTableView:
    """A read-only table of ``model``, one row selected at a time, column ``stretch`` taking
    the width the others leave. ``row_height=None`` keeps Qt's own row height."""
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    if row_height is not None:
        view.verticalHeader().setDefaultSectionSize(row_height)
    view.setWordWrap(word_wrap)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return view
