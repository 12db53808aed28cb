"""Settings → Sync: the records sync set aside, with the reason, to retry or discard.

Two kinds: records of this PC the remote refused ("sent, refused"), and documents from the
remote that this PC refused to store ("received, refused": they broke the schema, or could
not be saved here). Neither blocks the records behind it; this list is where a person sees
them. Retry queues a refused record of this PC again; a refused document from the remote is
read again by the next full sync, once it is repaired there.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from ...services.formatting import moment
from ...sync.deadletters import DeadLetter, DeadLetters

COLUMNS = ("When", "Direction", "Record", "Reason", "Tries")
DIRECTIONS = {"push": "sent, refused", "pull": "received, refused"}


class DeadLettersBox(QGroupBox):
    def __init__(self, letters: DeadLetters):
        super().__init__("Refused records")
        self.letters = letters
        self._shown: list[DeadLetter] = []
        layout = QVBoxLayout(self)
        self.summary = QLabel()
        self.summary.setObjectName("hint")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("deadLetters")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for column in (0, 1, 2, 4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(160)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        layout.addWidget(self.table)
        row = QHBoxLayout()
        row.addStretch(1)
        self.retry_button = QPushButton("Send again")
        self.retry_button.clicked.connect(self.retry)
        self.discard_button = QPushButton("Discard")
        self.discard_button.clicked.connect(self.discard)
        row.addWidget(self.retry_button)
        row.addWidget(self.discard_button)
        layout.addLayout(row)
        self.refresh()

    def refresh(self) -> None:
        self._shown = self.letters.list()
        self.table.setRowCount(len(self._shown))
        for row, letter in enumerate(self._shown):
            cells = (
                moment(letter.last_at) if letter.last_at else "",
                DIRECTIONS.get(letter.direction, letter.direction),
                f"{letter.collection}\n{letter.doc_id}",
                letter.reason,
                str(letter.attempts),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if column == 4:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(row, column, item)
        self.table.resizeRowsToContents()
        self.summary.setText(
            "Nothing was refused: every record synced."
            if not self._shown
            else f"{len(self._shown)} record(s) were set aside by sync; the rest synced. Records "
            "received from the remote are read again by the next full sync once repaired "
            "there."
        )
        self._selection_changed()

    def selected(self) -> DeadLetter | None:
        rows = {index.row() for index in self.table.selectedIndexes()}
        return self._shown[rows.pop()] if len(rows) == 1 else None

    def _selection_changed(self) -> None:
        letter = self.selected()
        self.retry_button.setEnabled(letter is not None and letter.direction == "push")
        self.discard_button.setEnabled(letter is not None)

    def retry(self) -> None:
        letter = self.selected()
        if letter is not None and self.letters.retry(letter.id):
            self.refresh()

    def discard(self) -> None:
        letter = self.selected()
        if letter is not None and self.letters.discard(letter.id):
            self.refresh()
