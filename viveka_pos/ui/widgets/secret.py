"""An input for a stored secret (an API key, a URL with a password) that never shows it.

The box starts empty; its placeholder shows a masked hint of what is saved. Leaving it
empty keeps the saved value, typing replaces it, and "Remove" clears it.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton, QWidget

from ...gateways.sms import mask_secret


def mask_url(url: str) -> str:
    """``mongodb://user:pw@host/db`` → ``mongodb://user:****@host/db``; others unchanged."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "****"
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    user = parts.username or ""
    return urlunsplit(
        (parts.scheme, f"{user}:****@{host}", parts.path, parts.query, parts.fragment)
    )


class SecretField(QWidget):
    def __init__(self, *, password: bool = True, url: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        self._url = url
        self._saved = ""
        self._cleared = False
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit()
        if password:
            self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.clear_button = QPushButton("Remove")
        self.clear_button.clicked.connect(self._clear)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.clear_button)

    def set_saved(self, value: str) -> None:
        self._saved = value or ""
        self._cleared = False
        self.edit.clear()
        self._show_hint()

    def _show_hint(self) -> None:
        if self._cleared or not self._saved:
            self.edit.setPlaceholderText("Not set")
            self.clear_button.setEnabled(False)
            return
        hint = mask_url(self._saved) if self._url else mask_secret(self._saved)
        self.edit.setPlaceholderText(f"Saved: {hint} — type to replace")
        self.clear_button.setEnabled(True)

    def _clear(self) -> None:
        self._cleared = True
        self.edit.clear()
        self._show_hint()

    def value_to_save(self) -> str | None:
        """The new value, '' to remove it, or None to keep what is saved."""
        typed = self.edit.text().strip()
        if typed:
            return typed
        return "" if self._cleared else None
