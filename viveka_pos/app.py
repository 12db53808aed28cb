"""Composition root: builds store -> services -> UI once, at start."""

from __future__ import annotations

import sys

from .store import StoreError, open_store


def run_gui(data_dir: str | None) -> int:
    from PySide6.QtWidgets import QApplication, QMessageBox

    from .ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("Viveka POS")
    app.setOrganizationName("Viveka")
    try:
        store = open_store(data_dir)
    except StoreError as exc:
        QMessageBox.critical(None, "Viveka POS cannot start", str(exc))
        return 1
    try:
        window = MainWindow(store)
        window.show()
        return app.exec()
    finally:
        store.close()
