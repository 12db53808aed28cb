"""Ask for one value (a quantity, a discount, a name) and apply it before closing.

The dialog stays open until ``apply(text)`` succeeds; a ValidationError is shown under the
box, so a wrong entry is corrected in place, keyboard only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtWidgets import QDialog, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from ...domain.errors import ValidationError
from ...domain.money import MoneyError
from ..widgets.fields import FormErrors
from .forms import Buttons, finish_form


class ValueDialog(QDialog):
    def __init__(
        self,
        parent: QWidget | None,
        title: str,
        prompt: str,
        edit: QLineEdit,
        apply: Callable[[str], Any],
        *,
        fields: Iterable[str] = (),
        text: str = "",
        note: str = "",
    ):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(380)
        self.edit = edit
        self._apply = apply
        self.result_value: Any = None
        edit.setText(text)
        edit.selectAll()
        layout = QVBoxLayout(self)
        if note:
            hint = QLabel(note)
            hint.setObjectName("hint")
            hint.setWordWrap(True)
            layout.addWidget(hint)
        general = QLabel()
        self.errors = FormErrors(general)
        form = QFormLayout()
        self.errors.add_row(form, prompt, tuple(fields), edit)
        finish_form(self, layout, form, general, ok=Buttons.Ok, focus=edit)

    def accept(self) -> None:
        try:
            self.result_value = self._apply(self.edit.text())
        except (ValidationError, MoneyError) as exc:
            self.errors.show(exc)
            return
        super().accept()
