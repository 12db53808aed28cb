"""The "cannot open your data" screen, shown instead of the main window.

It says what is wrong in words, lists the backups it can find (newest first, the newest good
one marked), and offers what an owner needs, all from the keyboard: **Restore newest good
backup** (the default: Enter), a backup of the list (Enter on its row), **Choose a backup…**
from a pen drive or another folder, **Copy the data aside…** (the data as it is, to a pen
drive, before anything is tried on it) or, when the data is sound but cannot be written,
**Back up to…** (a verified backup), **Try again** and **Quit** (Esc). Restoring replaces
only the data file; the old file is moved into the folder "damaged" with a note, never
deleted and never taken for a backup. Entry point: :func:`show_recovery`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..domain.errors import ValidationError
from ..services.backups import BackupEntry, read_entry, recovery
from ..store import StoreError
from .widgets.key_hints import KeyHints

T = TypeVar("T")

TRY_AGAIN = 0
"""Open the data again (a backup was restored, or the user fixed the cause)."""
QUIT = 1
_AGAIN_CODE = 2  # the dialog's own result for "try again" (0 and 1 are Qt's reject/accept)

Confirm = Callable[[str, str], bool]
ChooseFolder = Callable[[str, str], str]
"""``choose(title, start) -> folder`` ("" when cancelled): a folder dialog by default."""


def _local(moment: datetime) -> str:
    return moment.astimezone().strftime("%d %b %Y, %H:%M")


class RecoveryDialog(QDialog):
    """``confirm(title, text) -> bool`` asks before a restore (a message box by default)."""

    def __init__(
        self,
        error: BaseException,
        data_dir: str | os.PathLike[str],
        backup_dirs: Iterable[str | os.PathLike[str]] = (),
        *,
        confirm: Confirm | None = None,
        choose_folder: ChooseFolder | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.backup_dirs = [Path(p) for p in backup_dirs]
        self.failure = recovery.explain(error)
        self.restored: Path | None = None
        self.copied_to: Path | None = None
        self._confirm = confirm or self._ask
        self._choose_folder = choose_folder or self._pick_folder
        self.setWindowTitle("Viveka POS — cannot open your data")
        self.setMinimumWidth(760)

        layout = QVBoxLayout(self)
        self.title = QLabel(self.failure.title)
        self.title.setObjectName("welcomeTitle")
        layout.addWidget(self.title)
        self.problem = QLabel(self.failure.detail)
        self.problem.setWordWrap(True)
        self.problem.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.problem)
        advice = QLabel(self.failure.advice)
        advice.setWordWrap(True)
        advice.setObjectName("hint")
        layout.addWidget(advice)

        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Made on", "Shop", "Bills", "State"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)  # Tab moves on to the buttons
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for column in (0, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.itemActivated.connect(lambda item: self.restore_row(item.row()))
        layout.addWidget(self.table, 1)
        self.newest_label = QLabel()
        self.newest_label.setWordWrap(True)
        layout.addWidget(self.newest_label)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setObjectName("hint")
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.notice)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setObjectName("error")
        layout.addWidget(self.status)

        buttons = QHBoxLayout()
        self.restore_button = QPushButton("&Restore newest good backup")
        self.restore_button.setObjectName("primary")
        self.restore_button.clicked.connect(self.restore_newest)
        self.choose_button = QPushButton("&Choose a backup…")
        self.choose_button.clicked.connect(self.choose_backup)
        self.copy_button = QPushButton("Cop&y the data aside…")
        self.copy_button.setToolTip(
            "Copy the data as it is now (damaged or not) to a pen "
            "drive or another folder, before restoring over it."
        )
        self.copy_button.clicked.connect(self.choose_copy_folder)
        self.backup_button = QPushButton("&Back up to…")
        self.backup_button.setToolTip(
            "The data is intact: write a checked backup of it to a pen drive or another folder."
        )
        self.backup_button.clicked.connect(self.choose_backup_folder)
        self.retry_button = QPushButton("&Try again")
        self.retry_button.clicked.connect(lambda: self.done(_AGAIN_CODE))
        self.quit_button = QPushButton("&Quit")
        self.quit_button.clicked.connect(self.reject)
        for button in (
            self.restore_button,
            self.choose_button,
            self.copy_button,
            self.backup_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.quit_button)
        layout.addLayout(buttons)
        layout.addWidget(KeyHints(self._key_hints()))

        self.entries: list[BackupEntry] = []
        self.newest: BackupEntry | None = None
        self.refresh()
        self._arrange_keys()

    # ---------------------------------------------------------------- listing
    def refresh(self) -> None:
        self.entries = recovery.candidates(self.data_dir, self.backup_dirs)
        self.newest = recovery.newest_restorable(self.data_dir, self.entries)
        self.table.setRowCount(len(self.entries))
        for row, entry in enumerate(self.entries):
            state = {True: "good", False: "failed its check", None: "not checked yet"}[
                entry.verified
            ]
            if recovery.is_foreign(self.data_dir, entry):
                state += " · other data"
            if entry is self.newest:
                state = "newest good backup"
            values = [
                _local(entry.created_at),
                entry.shop_label,
                str(entry.counts.get("invoices", 0)),
                state,
            ]
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setToolTip(str(entry.folder))
                if entry is self.newest:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(row, column, item)
        if self.newest is not None:
            self.table.selectRow(self.entries.index(self.newest))
            self.newest_label.setText(
                f"Newest good backup: {_local(self.newest.created_at)}, "
                f"{self.newest.counts.get('invoices', 0)} bills — {self.newest.folder}"
            )
        else:
            self.newest_label.setText(
                "No good backup of this data was found here. Use "
                "“Choose a backup…” to pick one from a pen drive or "
                "another folder."
            )
        can = self.failure.can_restore
        self.restore_button.setEnabled(can and self.newest is not None)
        self.choose_button.setEnabled(can)
        self.table.setEnabled(can and bool(self.entries))
        if not can:
            self.restore_button.setToolTip("A backup would not help with this problem.")
        self.copy_button.setVisible(can)
        self.copy_button.setEnabled(can and recovery.has_data(self.data_dir))
        self.backup_button.setVisible(self.failure.can_back_up)

    def _key_hints(self) -> list[tuple[str, str]]:
        hints: list[tuple[str, str]] = []
        if self.failure.can_restore:
            hints += [
                ("Enter", "restore the newest good backup, or in the list the one picked"),
                ("Alt+Y", "copy the data aside first"),
            ]
        if self.failure.can_back_up:
            hints += [("Enter", "back up to a folder you choose")]
        return [*hints, ("Alt+T", "try again"), ("Esc", "quit")]

    def _arrange_keys(self) -> None:
        """Enter presses the most useful button; focus starts where Enter does that."""
        for button in (
            self.restore_button,
            self.choose_button,
            self.copy_button,
            self.backup_button,
            self.retry_button,
            self.quit_button,
        ):
            button.setAutoDefault(False)
        useful = next(
            (
                b
                for b in (self.restore_button, self.backup_button, self.choose_button)
                if not b.isHidden() and b.isEnabled()
            ),
            self.retry_button,
        )
        useful.setDefault(True)
        self._first_focus = useful

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._first_focus.setFocus()  # not the list: Enter restores the newest good backup

    # ---------------------------------------------------------------- actions
    def restore_newest(self) -> bool:
        if self.newest is None:
            return False
        return self._restore(self.newest.folder, self.newest)

    def restore_row(self, row: int) -> bool:
        """Restore the backup on ``row`` of the list (Enter or a double click on it)."""
        if not self.failure.can_restore or not 0 <= row < len(self.entries):
            return False
        entry = self.entries[row]
        return self._restore(entry.folder, entry)

    def choose_backup(self) -> bool:
        start = str(self.backup_dirs[0] if self.backup_dirs else self.data_dir)
        chosen = self._choose_folder("Choose a backup folder", start)
        return self.restore_from(chosen) if chosen else False

    def choose_copy_folder(self) -> bool:
        chosen = self._choose_folder("Copy the data aside into…", str(Path.home()))
        return self.copy_aside_to(chosen) if chosen else False

    def copy_aside_to(self, folder: str | os.PathLike[str]) -> bool:
        """Copy the data as it is into a new folder inside ``folder``; True when copied."""
        copied = self._waiting(
            lambda: recovery.copy_aside(self.data_dir, folder),
            (StoreError, ValidationError),
            "The data could not be copied",
        )
        if copied is None:
            return False
        self.copied_to = copied
        self.notice.setText(
            f"The data as it is now was copied to {self.copied_to}. It is "
            "not a backup; keep it until the shop runs again."
        )
        return True

    def choose_backup_folder(self) -> bool:
        chosen = self._choose_folder("Back up the data into…", str(Path.home()))
        return self.back_up_to(chosen) if chosen else False

    def back_up_to(self, folder: str | os.PathLike[str]) -> bool:
        """A checked backup of the (intact, unwritable) data in a new dated folder inside
        ``folder``, the data only read; True when written."""
        manifest = self._waiting(
            lambda: recovery.backup_read_only_into(self.data_dir, folder),
            (StoreError, ValidationError, OSError),
            "The backup was not made",
        )
        if manifest is None:
            return False
        self.notice.setText(
            f"Backup written and checked ({manifest.total_documents} records) in {folder}."
        )
        return True

    def restore_from(self, folder: str | os.PathLike[str]) -> bool:
        """Restore the backup in ``folder`` (after confirmation); True when restored."""
        entry = read_entry(Path(folder))
        if entry is None:
            self.status.setText(
                f"{folder} is not a Viveka POS backup folder (it needs "
                "manifest.json and viveka.sqlite3)."
            )
            return False
        return self._restore(Path(folder), entry)

    def _restore(self, folder: Path, entry: BackupEntry) -> bool:
        text = (
            f"Replace the data that cannot be opened with the backup made on "
            f"{_local(entry.created_at)} ({entry.shop_label}, "
            f"{entry.counts.get('invoices', 0)} bills)?\n\nBills made after that backup "
            "are not in it. The old data file is kept in the folder “damaged”."
        )
        if recovery.is_foreign(self.data_dir, entry):
            text += (
                "\n\nCareful: this backup is of different data than this computer "
                "held (another shop, or another installation)."
            )
        if not self._confirm("Restore backup", text):
            return False
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            result = recovery.restore_closed(self.data_dir, folder)
        except StoreError as exc:
            self.status.setText(f"That backup could not be restored: {exc}")
            self.refresh()
            return False
        finally:
            QGuiApplication.restoreOverrideCursor()
        self.restored = result.source
        self.done(_AGAIN_CODE)
        return True

    def _waiting(
        self, work: Callable[[], T], errors: tuple[type[Exception], ...], failed: str
    ) -> T | None:
        """``work()`` under the wait cursor; on one of ``errors``, None and the status line
        says ``failed`` and why."""
        self.status.clear()
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            return work()
        except errors as exc:
            self.status.setText(f"{failed}: {_message(exc)}")
            return None
        finally:
            QGuiApplication.restoreOverrideCursor()

    def _ask(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self, title, text)
        return answer == QMessageBox.StandardButton.Yes

    def _pick_folder(self, title: str, start: str) -> str:
        return QFileDialog.getExistingDirectory(self, title, start)


def _message(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        return exc.message
    return str(exc) or type(exc).__name__


def show_recovery(
    error: BaseException,
    data_dir: str | os.PathLike[str],
    backup_dirs: Iterable[str | os.PathLike[str]] = (),
) -> int:
    """Show the recovery screen for an open failure; returns :data:`TRY_AGAIN` (open the
    data again: a backup was restored or the cause was fixed) or :data:`QUIT`.

    ``backup_dirs`` are searched in addition to the folders this PC has used for backups.
    Needs a ``QApplication``.
    """
    if QApplication.instance() is None:
        raise RuntimeError("show_recovery needs a QApplication")
    dialog = RecoveryDialog(error, data_dir, backup_dirs)
    return TRY_AGAIN if dialog.exec() == _AGAIN_CODE else QUIT
