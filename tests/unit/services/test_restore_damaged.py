"""Restoring over damaged data, as the Settings screen does it (the store open) and as the
``restore`` command does it (the store closed, whatever state the data is in)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.safety_shop import (
    backed_up_shop,
    damage_invoice_page,
    damage_shop_page,
    file_rows,
    fixed_clock,
    other_shops_backup,
    sell,
)
from viveka_pos.domain.errors import ValidationError
from viveka_pos.services import backups
from viveka_pos.services.context import ServiceContext
from viveka_pos.services.facade import ShopServices
from viveka_pos.store import StoreCorruptError, StoreLockedError, open_store
from viveka_pos.store.backup_file import NOTE_FILE

DB = "viveka.sqlite3"


@pytest.fixture
def shop_with_backup(data_dir: Path) -> Path:
    """30 bills, a good automatic backup, one more bill; returns the backup folder."""
    folder = backed_up_shop(data_dir)
    store = open_store(data_dir)
    try:
        sell(
            ShopServices(
                ServiceContext(store, "pc-safety", fixed_clock()),
                store.db.clients.find_one({})["_id"],
            )
        )
    finally:
        store.close()
    return folder


def damage(data_dir: Path) -> None:
    damage_invoice_page(data_dir / DB, [f"A/2526/{n:05d}" for n in range(10, 20)])


def test_the_settings_screen_restores_over_damaged_data(
    data_dir: Path, shop_with_backup: Path
) -> None:
    damage(data_dir)
    damaged_bytes = (data_dir / DB).read_bytes()
    store = open_store(data_dir)  # opens: the damage is in invoice pages, read later
    try:
        with pytest.raises(StoreCorruptError):
            store.count("invoices")
            list(store.iter_docs("invoices"))
        restored = backups.restore(store, shop_with_backup)
        assert restored.counts["invoices"] == 30 and restored.kept_damaged
        assert store.count("invoices") == 30 and len(list(store.iter_docs("invoices"))) == 30
    finally:
        store.close()
    kept = next((data_dir / "damaged").iterdir())
    assert kept.name.startswith("before-restore-")
    assert (kept / DB).read_bytes()[100:] == damaged_bytes[100:]  # page for page (the
    # 100-byte file header counts changes)
    assert "for inspection only" in (kept / NOTE_FILE).read_text()
    assert not list(data_dir.rglob("*.partial"))
    assert not (data_dir / "backups").exists() or not any(
        p.name.startswith("before-restore") for p in (data_dir / "backups").iterdir()
    )


def test_the_settings_screen_restores_over_damaged_shop_records(
    data_dir: Path, shop_with_backup: Path, tmp_path: Path
) -> None:
    """The shop's own record is on the damaged page: whose backup it is cannot be read from
    the data here, so the data's identity is compared (as the ``restore`` command does)."""
    damage_shop_page(data_dir / DB)
    store = open_store(data_dir)
    try:
        with pytest.raises(StoreCorruptError):
            list(store.iter_docs("clients"))
        found = backups.preview(shop_with_backup, store)
        assert found.damaged_here and found.is_this_shop is True and found.this_shop is None
        done = backups.restore(store, shop_with_backup, checked=found)
        assert done.kept_damaged and done.kept_in is not None
        assert done.kept_in.parent == data_dir / "damaged"
        assert "for inspection only" in (done.kept_in / NOTE_FILE).read_text()
        assert not (done.kept_in / "manifest.json").exists()  # kept aside, not a backup
        assert store.count("invoices") == 30
        assert store.db.clients.find_one({})["businessName"] == "Asha Auto Spares"
        # Another shop's backup over such data: refused until confirmed, naming why.
        store.close()
        damage_shop_page(data_dir / DB)
        store = open_store(data_dir)
        theirs = other_shops_backup(tmp_path / "other")
        with pytest.raises(ValidationError, match="cannot be read to compare"):
            backups.restore(store, theirs)
        assert backups.restore(store, theirs, allow_other_shop=True).kept_damaged
        assert store.db.clients.find_one({})["phoneNumber"] == "9890000077"
    finally:
        store.close()
    assert not list(data_dir.rglob("*.partial"))


@pytest.mark.parametrize("how", ["truncated", "emptied", "missing", "pages"])
def test_restore_data_dir_works_whatever_the_state(
    data_dir: Path, shop_with_backup: Path, how: str
) -> None:
    db_file = data_dir / DB
    if how == "truncated":
        db_file.write_bytes(db_file.read_bytes()[: db_file.stat().st_size // 2 // 4096 * 4096])
    elif how == "emptied":
        db_file.write_bytes(b"")
    elif how == "missing":
        db_file.unlink()
    else:
        damage(data_dir)
    done = backups.restore_data_dir(data_dir, shop_with_backup)
    assert done.damaged and done.backup.counts["invoices"] == 30
    if how == "missing":
        assert done.kept_in is None
    else:
        assert done.kept_in is not None and (done.kept_in / DB).is_file()
        assert "for inspection only" in (done.kept_in / NOTE_FILE).read_text()
    assert len(file_rows(db_file)["invoices"]) == 30
    store = open_store(data_dir)
    store.close()


def test_restore_data_dir_over_sound_data_keeps_a_checked_safety_copy(
    data_dir: Path, shop_with_backup: Path
) -> None:
    done = backups.restore_data_dir(data_dir, shop_with_backup)
    assert not done.damaged and done.kept_in is not None
    assert (done.kept_in / "manifest.json").is_file()
    assert len(file_rows(done.kept_in / DB)["invoices"]) == 31
    assert len(file_rows(data_dir / DB)["invoices"]) == 30


def test_another_stores_backup_over_damaged_data_needs_consent(
    data_dir: Path, shop_with_backup: Path, tmp_path: Path
) -> None:
    backup = other_shops_backup(tmp_path / "other")
    (data_dir / DB).write_bytes(b"")
    with pytest.raises(ValidationError, match="another shop"):
        backups.restore_data_dir(data_dir, backup)
    assert (data_dir / DB).read_bytes() == b""
    done = backups.restore_data_dir(data_dir, backup, allow_other_shop=True)
    assert done.backup.shop_phone == "9890000077"


def test_copy_aside_keeps_each_copy_and_never_runs_beside_an_open_store(
    data_dir: Path, shop_with_backup: Path, tmp_path: Path
) -> None:
    damage(data_dir)
    before = (data_dir / DB).read_bytes()
    first = backups.copy_aside(data_dir, tmp_path / "pen")
    second = backups.copy_aside(data_dir, tmp_path / "pen")
    assert first != second and first.parent == second.parent == tmp_path / "pen"
    assert (first / DB).read_bytes() == (second / DB).read_bytes() == before
    assert backups.find_backups([tmp_path / "pen"]) == []  # copies, never backups
    with pytest.raises(ValidationError, match="choose a folder"):
        backups.copy_aside(data_dir, "  ")
    store = open_store(data_dir)  # another program has the data open: it waits its turn
    try:
        with pytest.raises(StoreLockedError):
            backups.copy_aside(data_dir, tmp_path / "pen")
    finally:
        store.close()
    assert (data_dir / DB).read_bytes()[100:] == before[100:]
