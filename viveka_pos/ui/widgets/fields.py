"""Form inputs with their error message right under them.

Services raise ``ValidationError(field, message)`` with the spec's field name; a form binds
each input to the field names it edits, so the message lands beside the input that caused
it, which is also marked and focused.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QRegularExpression, Qt
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from ...domain.errors import ValidationError
from ...domain.states import current_states
from ...domain.validation import GST_RATES, gst_rate
from ..errors import user_message
from ..theme import polish

AMOUNT_PATTERN = r"[0-9,]{0,12}(\.[0-9]{0,2})?"
DISCOUNT_PATTERN = r"[0-9,]{0,12}(\.[0-9]{0,3})?%?"
QUANTITY_PATTERN = r"[0-9]{0,7}(\.[0-9]{0,3})?"
SIGNED_QUANTITY_PATTERN = r"[+-]?[0-9]{0,7}(\.[0-9]{0,3})?"
PHONE_PATTERN = r"[0-9 +-]{0,16}"


def headed_layout(dialog: QWidget, title: str, intro: str) -> QVBoxLayout:
    """A dialog's layout opened with its big title and a wrapped line of explanation."""
    layout = QVBoxLayout(dialog)
    layout.setSpacing(10)
    heading = QLabel(title)
    heading.setObjectName("welcomeTitle")
    layout.addWidget(heading)
    hint = QLabel(intro)
    hint.setWordWrap(True)
    hint.setObjectName("hint")
    layout.addWidget(hint)
    return layout


def _validated(edit: QLineEdit, pattern: str) -> QLineEdit:
    edit.setValidator(QRegularExpressionValidator(QRegularExpression(pattern), edit))
    return edit


def amount_edit(placeholder: str = "0.00", *, percent: bool = False) -> QLineEdit:
    """An input for rupees (and, for discounts, '10%')."""
    edit = _validated(QLineEdit(), DISCOUNT_PATTERN if percent else AMOUNT_PATTERN)
    edit.setPlaceholderText(placeholder)
    return edit


def quantity_edit(*, signed: bool = False) -> QLineEdit:
    return _validated(QLineEdit(), SIGNED_QUANTITY_PATTERN if signed else QUANTITY_PATTERN)


def phone_edit() -> QLineEdit:
    edit = _validated(QLineEdit(), PHONE_PATTERN)
    edit.setPlaceholderText("10-digit mobile number")
    return edit


def state_combo(blank: str = "—") -> QComboBox:
    """Indian states by name, with the GST code as item data ('' for the blank entry)."""
    combo = QComboBox()
    combo.addItem(blank, "")
    for state in current_states():
        combo.addItem(f"{state.name} ({state.code})", state.code)
    return combo


def select_data(combo: QComboBox, value: object) -> None:
    """Select the entry whose data equals ``value`` (none: the first). Compared in Python:
    Qt's ``findData`` matches a Python object such as an ``ObjectId`` only when it is the
    very same object, so a group id read again from the store was never found."""
    index = next((n for n in range(combo.count()) if combo.itemData(n) == value), 0)
    combo.setCurrentIndex(index)


def gst_rate_combo() -> QComboBox:
    """The notified GST rates; each item's data is the rate as text ("18", "0.25")."""
    combo = QComboBox()
    for rate in GST_RATES:
        combo.addItem(f"{rate}%", str(rate))
    return combo


def select_gst_rate(combo: QComboBox, stored: object) -> None:
    """Select a stored rate (18, 0.25, "18") in a :func:`gst_rate_combo`; unknown: the first."""
    try:
        select_data(combo, str(gst_rate(stored)))
    except ValidationError:
        combo.setCurrentIndex(0)


class FormErrors:
    """Binds inputs to field names; shows a ValidationError beside the input it names."""

    def __init__(self, general: QLabel | None = None):
        self._labels: dict[str, QLabel] = {}
        self._inputs: dict[str, QWidget] = {}
        self._forms: dict[QLabel, QFormLayout] = {}
        self._general = general
        if general is not None:
            general.setObjectName("formError")
            general.setWordWrap(True)
            general.hide()

    def _register(self, fields: str | Iterable[str], widget: QWidget) -> QLabel:
        names = (fields,) if isinstance(fields, str) else tuple(fields)
        label = QLabel()
        label.setObjectName("fieldError")
        label.setWordWrap(True)
        label.hide()
        for name in names:
            self._labels[name] = label
            self._inputs[name] = widget
        return label

    def add_row(
        self, form: QFormLayout, caption: str, fields: str | Iterable[str], widget: QWidget
    ) -> None:
        """A form row for the input, and under it a row for its error (shown when needed)."""
        label = self._register(fields, widget)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        form.addRow(caption, widget)
        form.addRow("", label)
        form.setRowVisible(label, False)
        self._forms[label] = form

    def bind(self, fields: str | Iterable[str], widget: QWidget) -> QWidget:
        """The input with an (initially hidden) error line under it, for any layout."""
        holder = QWidget()
        layout = QVBoxLayout(holder)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(widget)
        layout.addWidget(self._register(fields, widget))
        return holder

    def _set_visible(self, label: QLabel, visible: bool) -> None:
        form = self._forms.get(label)
        if form is not None:
            form.setRowVisible(label, visible)
        label.setVisible(visible)

    def clear(self) -> None:
        for name, label in self._labels.items():
            label.clear()
            self._set_visible(label, False)
            self._mark(self._inputs[name], False)
        if self._general is not None:
            self._general.clear()
            self._general.hide()

    def show(self, exc: BaseException) -> bool:
        """Show the error; True when it went beside an input (else to the general line)."""
        self.clear()
        if isinstance(exc, ValidationError) and exc.field in self._labels:
            label = self._labels[exc.field]
            label.setText(exc.message[:1].upper() + exc.message[1:])
            self._set_visible(label, True)
            widget = self._inputs[exc.field]
            self._mark(widget, True)
            widget.setFocus()
            if isinstance(widget, QLineEdit):
                widget.selectAll()
            return True
        if self._general is not None:
            self._general.setText(user_message(exc))
            self._general.show()
        return False

    def message(self, field: str) -> str:
        """The message shown beside ``field`` ('' when none)."""
        label = self._labels.get(field)
        return label.text() if label is not None and not label.isHidden() else ""

    @staticmethod
    def _mark(widget: QWidget, invalid: bool) -> None:
        widget.setProperty("invalid", invalid)
        polish(widget)
