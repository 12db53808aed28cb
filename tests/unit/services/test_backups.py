"""Automatic backups (when, where, verified, kept how long) and restore with its preview."""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import bson
import pytest

from tests.fixtures.safety_shop import CUSTOMER_PHONE, fixed_clock, make_shop, sell
from tests.fixtures.stored import stored
from viveka_pos.domain.clock import FixedClock, shop_zone
from viveka_pos.domain.errors import ValidationError
from viveka_pos.services import backups
from viveka_pos.services.backups import AutoBackup, BackupEntry, chain_check, plan_retention
from viveka_pos.services.facade import ShopServices
from viveka_pos.store import SCHEMA_VERSION, Store, StoreCorruptError, open_store
from viveka_pos.store.backup_file import read_backup

IST = shop_zone("Asia/Kolkata")


@pytest.fixture
def clock() -> FixedClock:
    return fixed_clock()


@pytest.fixture
def svc(store: Store, clock: FixedClock) -> ShopServices:
    return make_shop(store, clock=clock)


def auto_folders(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("auto-"))


# ------------------------------------------------------------------------- when and where
def test_start_up_backup_once_a_day_into_the_default_folder(
    store: Store, svc: ShopServices, clock: FixedClock, data_dir: Path
) -> None:
    sell(svc, paid=100, customer=CUSTOMER_PHONE)
    auto = AutoBackup(store, clock=clock)
    thread = auto.start_up()
    assert thread is not None
    thread.join(30)
    folder = data_dir / "backups" / "auto"
    assert auto_folders(folder) == ["auto-20250616T050000Z"]
    made = folder / "auto-20250616T050000Z"
    assert read_backup(made).counts["invoices"] == 1
    assert json.loads((made / "verified.json").read_text())["good"] is True
    last = backups.last_good_backup(store)
    assert last is not None and last.folder == made
    assert last.at == datetime(2025, 6, 16, 5, 0, tzinfo=UTC)
    assert last.counts == store.counts() and last.store_id == store.store_id

    assert auto.start_up() is None  # already backed up today
    clock.advance(hours=10)  # 20:30 in India: still the same shop day
    assert auto.start_up() is None
    clock.advance(hours=9)  # 05:30 the next morning in India
    thread = auto.start_up()
    assert thread is not None
    thread.join(30)
    assert len(auto_folders(folder)) == 2


def test_a_backup_every_n_bills_into_the_chosen_folder(
    store: Store, svc: ShopServices, clock: FixedClock, tmp_path: Path
) -> None:
    chosen = tmp_path / "pen-drive" / "VivekaBackups"
    svc.device.update(backupDir=str(chosen), backupEveryBills=3)
    auto = AutoBackup(store, clock=clock)
    auto.run()
    assert len(auto_folders(chosen)) == 1
    started = []
    for _ in range(5):
        sell(svc)
        clock.advance(minutes=1)
        thread = auto.note_bill_saved()
        if thread is not None:
            started.append(thread)
            thread.join(30)
    assert len(started) == 1  # after the third bill, not before or after
    assert backups.last_good_backup(store).counts["invoices"] == 3
    assert auto.bills_since_backup() == 2
    assert chosen in backups.known_backup_dirs(store.data_dir)


def test_a_failed_backup_is_recorded_and_not_retried_every_bill(
    store: Store, svc: ShopServices, clock: FixedClock, tmp_path: Path
) -> None:
    good = AutoBackup(store, clock=clock).run()
    assert good.ok
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the backup folder should be")
    svc.device.update(backupDir=str(blocker / "sub"), backupEveryBills=2)
    auto = AutoBackup(store, clock=clock)
    outcomes = []
    auto.on_finished = outcomes.append
    for _ in range(2):
        sell(svc)
    thread = auto.note_bill_saved()
    assert thread is not None
    thread.join(30)
    assert len(outcomes) == 1 and not outcomes[0].ok
    # names the folder asked for, or (Windows) the file in its way
    assert outcomes[0].error.startswith(f"The backup folder {blocker}")
    assert "cannot be used" in outcomes[0].error
    failure = backups.last_failure(store)
    assert failure is not None and failure[1] == outcomes[0].error
    assert backups.last_good_backup(store).folder == good.entry.folder  # unchanged
    sell(svc)
    assert auto.note_bill_saved() is None  # one more bill: not yet another attempt
    sell(svc)
    thread = auto.note_bill_saved()  # two more: try again
    assert thread is not None
    thread.join(30)
    assert len(outcomes) == 2


def test_backup_while_billing_is_a_consistent_snapshot(store: Store, svc: ShopServices) -> None:
    for _ in range(3):
        sell(svc)
    auto = AutoBackup(store)
    errors: list[BaseException] = []

    def bill_on() -> None:
        try:
            for _ in range(8):
                sell(svc)
        except BaseException as exc:  # reported below
            errors.append(exc)

    biller = threading.Thread(target=bill_on)
    biller.start()
    outcome = auto.run()
    biller.join(60)
    assert not errors
    assert outcome.ok, outcome.error
    assert outcome.lock_seconds < 0.5
    manifest = read_backup(outcome.entry.folder)  # counts, checksum, integrity all agree
    assert 3 <= manifest.counts["invoices"] <= 11
    assert store.count("invoices") == 11


def test_large_copies_are_checked_by_a_separate_process(
    store: Store, svc: ShopServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    sell(svc)
    sell(svc)
    monkeypatch.setattr(chain_check, "CHILD_THRESHOLD", 0)
    calls = []
    original = chain_check._in_child
    monkeypatch.setattr(chain_check, "_in_child", lambda *a: calls.append(a) or original(*a))
    outcome = AutoBackup(store).run()
    assert outcome.ok and calls
    # Tamper with the copy: the separate process finds it too.
    copy = outcome.entry.folder
    conn = sqlite3.connect(copy / "viveka.sqlite3")
    row = conn.execute("SELECT id, body FROM docs WHERE coll = 'vivekaDB.invoices'").fetchone()
    doc = bson.decode(row[1])
    doc["totalAmount"] = 1
    conn.execute("UPDATE docs SET body = ? WHERE id = ?", (bson.encode(doc), row[0]))
    conn.commit()
    conn.close()
    problems = chain_check.check_chains(copy, 2)
    assert problems and "changed after it was made" in problems[0]
    assert problems == chain_check.verify_copy(copy).problems


def test_a_broken_chain_makes_a_kept_but_not_good_backup(
    store: Store, svc: ShopServices, clock: FixedClock
) -> None:
    invoice = sell(svc)
    auto = AutoBackup(store, clock=clock)
    first = auto.run()
    assert first.ok
    with store.unit_of_work() as db:  # someone edits a saved bill behind the app's back
        db.invoices.update_one({"_id": invoice["_id"]}, {"$set": {"totalAmount": 1}})
    clock.advance(hours=1)
    second = auto.run()
    assert not second.ok and "hash chain" in second.error
    assert second.entry is not None and second.entry.verified is False
    assert backups.last_good_backup(store).folder == first.entry.folder
    # Both kept: the good one from before the damage, and the newest (bad) one to look at.
    assert {p.name for p in first.entry.folder.parent.iterdir()} == {
        first.entry.folder.name,
        second.entry.folder.name,
    }


def _tamper(db_file: Path, collection: str, field: str, value: object) -> None:
    conn = sqlite3.connect(db_file)
    row = conn.execute(
        "SELECT id, body FROM docs WHERE coll = ?", (f"vivekaDB.{collection}",)
    ).fetchone()
    doc = bson.decode(row[1])
    doc[field] = value
    conn.execute("UPDATE docs SET body = ? WHERE id = ?", (bson.encode(doc), row[0]))
    conn.commit()
    conn.close()


def test_a_tampered_credit_note_in_a_backup_is_reported(
    store: Store, svc: ShopServices, clock: FixedClock
) -> None:
    invoice = sell(svc)
    note = stored(svc, svc.returns.create(invoice["_id"], {0: 1}))
    first = AutoBackup(store, clock=clock).run()
    assert first.ok, first.error
    intact = chain_check.verify_copy(first.entry.folder)
    assert (intact.problems, intact.invoices, intact.credit_notes) == ([], 1, 1)
    # The copy edited afterwards: its check names the credit note.
    _tamper(first.entry.folder / "viveka.sqlite3", "creditnotes", "totalAmount", 1)
    found = chain_check.verify_copy(first.entry.folder)
    assert len(found.problems) == 1 and found.problems[0].endswith(
        f"credit note {note['creditNoteNumber']} was changed after it was made"
    )
    assert found.invoices == 1 and found.credit_notes == 1


def test_a_backup_of_a_tampered_credit_note_is_kept_but_not_good(
    store: Store, svc: ShopServices, clock: FixedClock
) -> None:
    invoice = sell(svc)
    note = stored(svc, svc.returns.create(invoice["_id"], {0: 1}))
    auto = AutoBackup(store, clock=clock)
    first = auto.run()
    assert first.ok, first.error
    with store.unit_of_work() as db:  # a credit note edited behind the app's back
        db.creditnotes.update_one({"_id": note["_id"]}, {"$set": {"reason": "edited"}})
    clock.advance(hours=1)
    second = auto.run()
    assert not second.ok and note["creditNoteNumber"] in second.error
    assert second.entry is not None and second.entry.verified is False
    assert backups.last_good_backup(store).folder == first.entry.folder


# ------------------------------------------------------------------------- retention
def entry(at: datetime, *, good: bool | None = True, name: str = "") -> BackupEntry:
    folder = Path("/b") / (name or f"auto-{at.strftime('%Y%m%dT%H%M%SZ')}")
    return BackupEntry(folder, at, "s1", 2, {"invoices": 1}, [], good)


def test_retention_keeps_seven_days_and_four_weeks() -> None:
    start = datetime(2025, 3, 1, 4, 0, tzinfo=UTC)  # a Saturday, 09:30 in India
    entries = [entry(start + timedelta(days=d, hours=h)) for d in range(60) for h in (0, 8)]
    keep, delete = plan_retention(entries, IST)
    assert len(keep) + len(delete) == len(entries)
    kept = sorted(e.created_at for e in keep)
    last_day = start + timedelta(days=59)
    # The newest backup of each of the last 7 days (12:00 UTC is 17:30 the same day in India)
    daily = [last_day + timedelta(days=-d, hours=8) for d in range(7)]
    assert set(daily) <= set(kept)
    # ...and the newest of each of the last 4 ISO weeks: the 7 days above cover the two most
    # recent weeks; the two weeks before are represented by their Sundays.
    older = [k for k in kept if k not in daily]
    assert len(older) == 2
    weeks = {k.astimezone(IST).isocalendar()[:2] for k in kept}
    assert len(weeks) == 4
    for moment in older:
        assert moment.astimezone(IST).weekday() == 6 and moment.hour == 12  # 04:00 + 8 h


def test_retention_never_drops_the_newest_good_and_keeps_one_newer_bad() -> None:
    old = datetime(2024, 1, 1, tzinfo=UTC)
    good = entry(old)
    bads = [entry(old + timedelta(days=d), good=False) for d in (1, 2, 3)]
    keep, delete = plan_retention([good, *bads], IST)
    assert good in keep and bads[-1] in keep
    assert set(map(id, delete)) == {id(bads[0]), id(bads[1])}
    # A bad one older than the newest good one is not kept.
    newer_good = entry(old + timedelta(days=5))
    keep, delete = plan_retention([good, newer_good, *bads], IST)
    assert [e.created_at for e in keep] == [newer_good.created_at, good.created_at]


def test_prune_touches_only_this_stores_automatic_backups(
    store: Store, svc: ShopServices, clock: FixedClock, tmp_path: Path
) -> None:
    folder = tmp_path / "shared"
    svc.device.update(backupDir=str(folder))
    auto = AutoBackup(store, clock=clock)
    for _ in range(10):
        assert auto.run().ok
        clock.advance(days=1)
    manual = folder / "viveka-backup-20250101-101010"
    store.backup(manual)
    other = tmp_path / "other-data"
    other_store = open_store(other)
    try:
        make_shop(other_store, phone="9812345678", name="Other Shop")
        backups.make_backup(other_store, folder, now=datetime(2025, 1, 1, tzinfo=UTC))
    finally:
        other_store.close()
    (folder / f".incomplete-{store.store_id[:12]}-auto-x").mkdir()
    assert auto.run().ok
    names = auto_folders(folder)
    mine = [n for n in names if backups.read_entry(folder / n).store_id == store.store_id]
    assert len(mine) == 7  # the last 7 days (they cover the last 2 weeks)
    assert "auto-20250101T000000Z" in names  # the other store's backup is untouched
    assert manual.is_dir()
    assert not any(p.name.startswith(".incomplete-") for p in folder.iterdir())


# ------------------------------------------------------------------------- restore
def test_preview_and_restore_of_this_shops_backup(
    store: Store, svc: ShopServices, data_dir: Path
) -> None:
    sell(svc, paid=100, customer=CUSTOMER_PHONE)
    outcome = AutoBackup(store).run()
    later = sell(svc)
    seen = backups.preview(outcome.entry.folder, store)
    assert (seen.shop_name, seen.shop_phone) == ("Asha Auto Spares", "9890000000")
    assert seen.counts["invoices"] == 1 and seen.total == outcome.entry.total
    assert seen.is_this_shop is True and seen.same_store and seen.readable
    assert seen.schema_version == SCHEMA_VERSION and seen.verified is True
    backups.restore(store, outcome.entry.folder)
    assert store.count("invoices") == 1
    assert store.db.invoices.find_one({"_id": later["_id"]}) is None
    safety = [p for p in (data_dir / "backups").iterdir() if p.name.startswith("before-restore")]
    assert len(safety) == 1 and read_backup(safety[0]).counts["invoices"] == 2
    assert backups.last_good_backup(store) is not None  # the status survives the restore


def test_another_shops_backup_needs_explicit_confirmation(
    store: Store, svc: ShopServices, tmp_path: Path
) -> None:
    other = open_store(tmp_path / "other")
    try:
        other_svc = make_shop(other, phone="9812345678", name="Ravi Tyres")
        sell(other_svc)
        theirs = AutoBackup(other).run().entry.folder
    finally:
        other.close()
    seen = backups.preview(theirs, store)
    assert seen.is_this_shop is False and not seen.same_store
    with pytest.raises(ValidationError) as refused:
        backups.restore(store, theirs)
    message = refused.value.message
    assert "Ravi Tyres" in message and "9812345678" in message
    assert "Asha Auto Spares" in message and "9890000000" in message
    assert store.db.clients.find_one({"phoneNumber": "9890000000"}) is not None
    backups.restore(store, theirs, allow_other_shop=True)
    assert store.db.clients.find_one({})["businessName"] == "Ravi Tyres"


def test_preview_refuses_what_is_not_a_good_backup(
    store: Store, svc: ShopServices, tmp_path: Path
) -> None:
    with pytest.raises(ValidationError, match="not a Viveka POS backup"):
        backups.preview(tmp_path, store)
    folder = AutoBackup(store).run().entry.folder
    damaged = tmp_path / "damaged"
    shutil.copytree(folder, damaged)
    db_file = damaged / "viveka.sqlite3"
    data = bytearray(db_file.read_bytes())
    data[len(data) // 2] ^= 0xFF
    db_file.write_bytes(bytes(data))
    with pytest.raises(StoreCorruptError, match="checksum"):
        backups.preview(damaged, store)


def test_backups_made_within_one_second_keep_growing_names(
    store: Store, svc: ShopServices, clock: FixedClock, data_dir: Path
) -> None:
    auto = AutoBackup(store, clock=clock)
    made = []
    for _ in range(4):  # the clock stands still: all in the same second
        sell(svc)
        made.append(auto.run().entry.folder.name)
    assert made == [
        "auto-20250616T050000Z",
        "auto-20250616T050000Z-2",
        "auto-20250616T050000Z-3",
        "auto-20250616T050000Z-4",
    ]
    # Retention kept only the newest of the day, and it is the one with all four bills.
    assert auto_folders(data_dir / "backups" / "auto") == ["auto-20250616T050000Z-4"]
    assert backups.last_good_backup(store).counts["invoices"] == 4
