"""A row of key hints under a screen ("F2 Customer  F4 Qty ..."), so shortcuts are learnt
by looking, not by reading a manual."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QWidget


class KeyHints(QFrame):
    def __init__(self, hints: Sequence[tuple[str, str]], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("keyHints")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.setSpacing(12)
        self._labels: dict[str, QLabel] = {}
        for key, text in hints:
            pair = QHBoxLayout()
            pair.setSpacing(4)
            cap = QLabel(key)
            cap.setObjectName("keyCap")
            label = QLabel(text)
            label.setObjectName("keyText")
            pair.addWidget(cap)
            pair.addWidget(label)
            layout.addLayout(pair)
            self._labels[key] = label
        layout.addStretch(1)

    def set_text(self, key: str, text: str) -> None:
        label = self._labels.get(key)
        if label is not None:
            label.setText(text)

    def text(self, key: str) -> str:
        label = self._labels.get(key)
        return label.text() if label is not None else ""
