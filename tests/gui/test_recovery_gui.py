"""Damaged data, put right through the app: a real store file truncated or with garbage in
the middle, then the "cannot open your data" screen (keyboard only) or Settings → Restore."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.fixtures.safety_shop import (
    backed_up_shop,
    damage_invoice_page,
    damage_shop_page,
    fixed_clock,
)
from viveka_pos.services.backups import find_backups, recovery
from viveka_pos.services.context import ServiceContext
from viveka_pos.services.facade import ShopServices
from viveka_pos.store import StoreCorruptError, open_store
from viveka_pos.store.backup_file import NOTE_FILE
from viveka_pos.store.opening import StoreAccessError
from viveka_pos.ui.recovery import _AGAIN_CODE, RecoveryDialog
from viveka_pos.ui.workers import running_jobs

DB = "viveka.sqlite3"


@pytest.fixture
def shop(data_dir: Path) -> Path:
    """30 bills and a good automatic backup of them; returns the backup folder."""
    return backed_up_shop(data_dir)


def truncate(db_file: Path) -> None:
    db_file.write_bytes(db_file.read_bytes()[: db_file.stat().st_size // 2])


def shop_page_garbage(db_file: Path) -> None:
    """4 KB of garbage in the middle of the file, on the page of the shop's own record."""
    damage_shop_page(db_file)


def open_failure(data_dir: Path) -> BaseException:
    """What the app meets at start: the store does not open, or its shop cannot be read."""
    try:
        store = open_store(data_dir)
    except StoreCorruptError as exc:
        return exc
    try:
        list(store.iter_docs("clients"))
    except StoreCorruptError as exc:
        return exc
    finally:
        store.close()
    raise AssertionError("the damage went unnoticed")


def screen(
    qtbot: Any, error: BaseException, data_dir: Path, pen: Path, asked: list[str]
) -> RecoveryDialog:
    dialog = RecoveryDialog(
        error,
        data_dir,
        confirm=lambda title, text: asked.append(text) or True,
        choose_folder=lambda title, start: str(pen),
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    return dialog


def alt(qtbot: Any, dialog: RecoveryDialog, key: Qt.Key, done: Any) -> None:
    """Alt+``key`` (a button's underlined letter), then wait: the button clicks itself a
    moment later, as it shows being pressed."""
    QTest.keyClick(dialog.windowHandle(), key, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(done, timeout=10000)


@pytest.mark.parametrize("damage", [truncate, shop_page_garbage])
def test_damaged_data_is_copied_aside_then_the_newest_good_backup_restored_by_keyboard(
    qtbot: Any, data_dir: Path, shop: Path, tmp_path: Path, damage: Any
) -> None:
    damage(data_dir / DB)
    damaged = (data_dir / DB).read_bytes()
    pen = tmp_path / "pen-drive"
    asked: list[str] = []
    dialog = screen(qtbot, open_failure(data_dir), data_dir, pen, asked)
    assert "damaged" in dialog.title.text().lower()
    assert dialog.newest is not None and dialog.newest.folder == shop
    assert dialog.restore_button.isDefault() and dialog.focusWidget() is dialog.restore_button
    assert dialog.copy_button.isEnabled() and dialog.backup_button.isHidden()

    alt(qtbot, dialog, Qt.Key.Key_Y, lambda: dialog.copied_to is not None)  # copy aside
    copy = dialog.copied_to
    assert copy is not None and copy.parent == pen and copy.name.startswith("damaged-data-")
    assert (copy / DB).read_bytes() == damaged  # as it was, byte for byte
    assert "for inspection only" in (copy / NOTE_FILE).read_text()
    assert not (copy / "manifest.json").exists()  # never taken for a backup
    assert find_backups([pen]) == []
    assert str(copy) in dialog.notice.text()
    assert (data_dir / DB).read_bytes() == damaged  # copying changed nothing here

    QTest.keyClick(dialog.windowHandle(), Qt.Key.Key_Return)  # the default: restore newest
    assert asked and "30 bills" in asked[0]
    assert dialog.result() == _AGAIN_CODE and dialog.restored == shop
    kept = next((data_dir / "damaged").iterdir())
    assert (kept / DB).read_bytes() == damaged and (kept / NOTE_FILE).is_file()
    assert all(entry.folder != kept for entry in recovery.candidates(data_dir))
    store = open_store(data_dir)
    try:
        assert store.count("invoices") == 30
        assert store.db.clients.find_one({})["businessName"] == "Asha Auto Spares"
    finally:
        store.close()


def test_enter_on_a_listed_backup_restores_that_one(
    qtbot: Any, data_dir: Path, shop: Path, tmp_path: Path
) -> None:
    truncate(data_dir / DB)
    asked: list[str] = []
    dialog = screen(qtbot, open_failure(data_dir), data_dir, tmp_path, asked)
    row = dialog.entries.index(dialog.newest)
    dialog.table.setFocus()
    dialog.table.setCurrentCell(row, 0)
    QTest.keyClick(dialog.windowHandle(), Qt.Key.Key_Return)
    assert asked and dialog.restored == shop
    open_store(data_dir).close()


def test_choose_a_backup_from_another_folder(
    qtbot: Any, data_dir: Path, shop: Path, tmp_path: Path
) -> None:
    truncate(data_dir / DB)
    asked: list[str] = []
    dialog = screen(qtbot, open_failure(data_dir), data_dir, shop, asked)  # "picks" it
    alt(qtbot, dialog, Qt.Key.Key_C, lambda: bool(asked))
    assert asked and dialog.restored == shop
    open_store(data_dir).close()


def test_unwritable_but_sound_data_offers_a_checked_backup_not_a_restore(
    qtbot: Any, data_dir: Path, shop: Path, tmp_path: Path
) -> None:
    error = StoreAccessError(f"The data folder {data_dir} cannot be written.")
    pen = tmp_path / "pen"
    dialog = screen(qtbot, error, data_dir, pen, [])
    assert not dialog.restore_button.isEnabled() and dialog.copy_button.isHidden()
    assert not dialog.backup_button.isHidden() and dialog.backup_button.isDefault()
    alt(qtbot, dialog, Qt.Key.Key_B, lambda: bool(dialog.notice.text()))
    made = [entry.folder for entry in find_backups([pen])]
    assert len(made) == 1 and made[0].name.startswith("viveka-backup-")
    assert "Backup written and checked" in dialog.notice.text()


def test_a_copy_aside_that_cannot_be_written_says_so_and_changes_nothing(
    qtbot: Any, data_dir: Path, shop: Path, tmp_path: Path
) -> None:
    truncate(data_dir / DB)
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")
    dialog = screen(qtbot, open_failure(data_dir), data_dir, blocker, [])
    assert not dialog.copy_aside_to(blocker)
    assert str(blocker) in dialog.status.text() and dialog.copied_to is None
    assert blocker.read_text() == "in the way"


def test_settings_restores_over_garbage_in_the_middle(
    qtbot: Any, data_dir: Path, shop: Path, tmp_path: Path
) -> None:
    """The store opens (the damage is in bills, read later); Settings → Restore puts the
    backup back, the damaged data kept aside as it was."""
    from PySide6.QtCore import QSettings, QThreadPool

    from viveka_pos.ui.main_window import MainWindow

    damage_invoice_page(data_dir / DB, [f"A/2526/{n:05d}" for n in range(10, 20)])
    store = open_store(data_dir)
    try:
        ctx = ServiceContext(store, "pc-safety", fixed_clock())
        services = ShopServices(ctx, store.db.clients.find_one({})["_id"])
        window = MainWindow(
            services, settings=QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat)
        )
        qtbot.addWidget(window)
        window.show()
        settings = window.show_screen("settings")
        settings.restore(str(shop), confirm=False)
        qtbot.waitUntil(
            lambda: running_jobs() == 0 and "Restored" in settings.last_message, timeout=20000
        )
        assert "kept as it was in" in settings.last_message
        assert store.count("invoices") == 30
        assert len(list(store.iter_docs("invoices"))) == 30
        window.close()
        QThreadPool.globalInstance().waitForDone(5000)
    finally:
        store.close()
    kept = next((data_dir / "damaged").iterdir())
    assert (kept / NOTE_FILE).is_file() and not (kept / "manifest.json").exists()


def test_a_shop_that_cannot_be_read_at_start_goes_to_the_recovery_screen(
    data_dir: Path, shop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store opens, but the shop's own record is on a damaged page: the app shows the
    recovery screen (not a crash), with the store closed so a restore can replace it."""
    from viveka_pos import app
    from viveka_pos.services.shop import ShopService
    from viveka_pos.ui import recovery as screen_module

    damage_shop_page(data_dir / DB)
    shown: list[BaseException] = []

    def show(error: BaseException, folder: Any, *_: Any) -> int:
        shown.append(error)
        recovery.restore_closed(Path(folder), shop)  # what "Restore newest" does
        return screen_module.TRY_AGAIN

    monkeypatch.setattr(screen_module, "show_recovery", show)
    store = app.open_or_recover(
        data_dir, lambda opened: ShopService(ServiceContext(opened, "")).local_shop()
    )
    try:
        assert len(shown) == 1 and isinstance(shown[0], StoreCorruptError)
        assert store is not None and store.count("invoices") == 30
    finally:
        if store is not None:
            store.close()
