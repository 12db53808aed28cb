"""The main window (a first version: the shop's store, opened and shown)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMainWindow, QVBoxLayout, QWidget

from ..store import Store


class MainWindow(QMainWindow):
    def __init__(self, store: Store):
        super().__init__()
        self.setWindowTitle("Viveka POS")
        self.resize(1280, 720)
        counts = store.counts()
        body = QWidget()
        layout = QVBoxLayout(body)
        title = QLabel("Viveka POS")
        title.setStyleSheet("font-size: 28px; font-weight: 600;")
        detail = QLabel(
            f"Data folder: {store.data_dir}\n"
            f"Items: {counts['items']}   Customers: {counts['clientCustomers']}   "
            f"Invoices: {counts['invoices']}"
        )
        for label in (title, detail):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(label)
        self.setCentralWidget(body)
        self.statusBar().showMessage("Offline — not configured")
