"""``viveka-pos doctor``: each check, and a non-zero exit for each kind of problem.

Run as a user would: the CLI in a separate process on a data folder prepared here.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import bson
import pytest

from tests.fixtures.safety_shop import CUSTOMER_PHONE, damage_invoice_page, make_shop, sell
from tests.fixtures.stored import stored
from viveka_pos.domain.clock import FixedClock
from viveka_pos.services.backups import AutoBackup
from viveka_pos.services.health import check_health
from viveka_pos.store import SCHEMA_VERSION, open_store

CHECKS = ["version", "integrity", "chain", "derived", "outbox", "backup", "disk"]


def cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "viveka_pos", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def doctor(data_dir: Path) -> tuple[int, dict[str, dict]]:
    done = cli(data_dir, "doctor", "--json")
    report = json.loads(done.stdout)
    return done.returncode, {check["name"]: check for check in report["checks"]}


def make_data(
    data_dir: Path, *, backup_age: timedelta | None = timedelta(0), bills: int = 2
) -> None:
    store = open_store(data_dir)
    try:
        svc = make_shop(store)
        for _ in range(bills):
            sell(svc, paid=100, customer=CUSTOMER_PHONE)
        if backup_age is not None:
            clock = FixedClock(datetime.now(UTC) - backup_age)
            assert AutoBackup(store, clock=clock).run().ok
    finally:
        store.close()


def test_a_healthy_shop_passes_every_check(data_dir: Path) -> None:
    make_data(data_dir)
    done = cli(data_dir, "doctor")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == len(CHECKS) and all(line.startswith("ok") for line in lines)
    text = done.stdout
    assert f"data version {SCHEMA_VERSION}" in text and "the database file is sound" in text
    assert "all 2 invoices intact" in text and "waiting to sync" in text
    assert "minutes ago" in text and "free in" in text

    code, checks = doctor(data_dir)
    assert code == 0 and list(checks) == CHECKS
    store = open_store(data_dir)
    try:
        assert checks["outbox"]["value"] == {"pending": store.outbox_size(), "dead": 0}
    finally:
        store.close()


def test_no_recent_backup_is_a_problem(data_dir: Path, tmp_path: Path) -> None:
    make_data(data_dir, backup_age=None)
    code, checks = doctor(data_dir)
    assert code == 1 and not checks["backup"]["ok"]
    assert "no backup" in checks["backup"]["detail"]
    assert all(checks[name]["ok"] for name in CHECKS if name != "backup")

    old = tmp_path / "old"
    make_data(old, backup_age=timedelta(days=8))
    code, checks = doctor(old)
    assert code == 1 and "8.0 days ago" in checks["backup"]["detail"]
    assert "older than 7 days" in checks["backup"]["detail"]
    recent = tmp_path / "recent"
    make_data(recent, backup_age=timedelta(days=6))
    assert doctor(recent)[0] == 0


def test_a_changed_invoice_breaks_the_chain(data_dir: Path) -> None:
    make_data(data_dir)
    store = open_store(data_dir)
    try:
        first = store.db.invoices.find_one({"invoiceNumber": {"$in": ["A/2526/00001"]}})
        with store.unit_of_work() as db:
            db.invoices.update_one({"_id": first["_id"]}, {"$set": {"totalAmount": 1}})
    finally:
        store.close()
    done = cli(data_dir, "doctor")
    assert done.returncode == 1
    assert "FAIL  Invoice hash chain" in done.stdout
    assert "invoice A/2526/00001 was changed after it was made" in done.stdout
    # its payments (₹100) now cover the changed total (₹1): its open balance is wrong too
    assert "FAIL  Stock and balances" in done.stdout
    assert "invoice A/2526/00001: paid ₹100.00 (open)" in done.stdout
    assert "2 problem(s) found" in done.stderr


def test_a_damaged_file_fails_the_integrity_check(data_dir: Path) -> None:
    make_data(data_dir, bills=40)
    # An invoice's page: the store opens (invoices are read on first use), the check fails.
    damage_invoice_page(data_dir / "viveka.sqlite3", [f"A/2526/{n:05d}" for n in range(15, 26)])
    code, checks = doctor(data_dir)
    assert code == 1 and not checks["integrity"]["ok"]
    assert "damaged" in checks["integrity"]["detail"]
    assert "restore the newest good backup" in checks["integrity"]["detail"]


def test_little_free_space_is_a_problem(data_dir: Path) -> None:
    make_data(data_dir)
    store = open_store(data_dir)
    try:
        report = check_health(store, min_free_bytes=1 << 60)
        disk = next(c for c in report.checks if c.name == "disk")
        assert not report.ok and not disk.ok and "free some space" in disk.detail
        assert [c.name for c in report.problems] == ["disk"]
        assert check_health(store).ok
    finally:
        store.close()


def test_data_that_cannot_be_opened_is_reported_with_the_newest_backup(data_dir: Path) -> None:
    make_data(data_dir)
    (data_dir / "viveka.sqlite3").write_bytes(b"")
    done = cli(data_dir, "doctor")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stdout.startswith("FAIL  Open the data")
    assert "is empty" in done.stdout and "newest good backup:" in done.stdout
    assert "restore it with: viveka-pos --data-dir" in done.stdout
    assert str(data_dir / "backups" / "auto") in done.stdout


def test_backups_listing_and_verify_backup(data_dir: Path) -> None:
    make_data(data_dir, backup_age=None)
    made = cli(data_dir, "backups", "--now")
    assert made.returncode == 0, made.stderr
    assert "verified" in made.stdout and "good" in made.stdout
    listed = json.loads(cli(data_dir, "backups", "--json").stdout)
    assert len(listed) == 1 and listed[0]["verified"] is True
    assert listed[0]["counts"]["invoices"] == 2
    checked = cli(data_dir, "verify-backup", listed[0]["folder"])
    assert checked.returncode == 0, checked.stderr
    assert "checksum, integrity and counts ok" in checked.stdout
    assert "hash chains intact (2 invoices)" in checked.stdout
    missing = cli(data_dir, "verify-backup", str(data_dir / "nothing-here"))
    assert missing.returncode == 1 and "is not a Viveka POS backup folder" in missing.stderr


def test_verify_backup_finds_a_tampered_credit_note(data_dir: Path, tmp_path: Path) -> None:
    store = open_store(data_dir)
    try:
        svc = make_shop(store)
        invoice = sell(svc, paid=100, customer=CUSTOMER_PHONE)
        note = stored(svc, svc.returns.create(invoice["_id"], {0: 1}))
        store.backup(tmp_path / "copy")
    finally:
        store.close()
    intact = cli(data_dir, "verify-backup", str(tmp_path / "copy"))
    assert intact.returncode == 0, intact.stderr
    assert "hash chains intact (1 invoices, 1 credit notes)" in intact.stdout
    db_file = tmp_path / "copy" / "viveka.sqlite3"
    conn = sqlite3.connect(db_file)
    row = conn.execute("SELECT id, body FROM docs WHERE coll = 'vivekaDB.creditnotes'").fetchone()
    doc = bson.decode(row[1])
    doc["totalAmount"] = 1
    conn.execute("UPDATE docs SET body = ? WHERE id = ?", (bson.encode(doc), row[0]))
    conn.commit()
    conn.close()
    checked = cli(data_dir, "verify-backup", str(tmp_path / "copy"), "--chains-only")
    assert checked.returncode == 3 and "problem(s) in the hash chains" in checked.stderr
    assert f"credit note {note['creditNoteNumber']} was changed" in checked.stdout


@pytest.mark.parametrize("newer", [SCHEMA_VERSION + 1])
def test_data_from_a_newer_program_is_refused(data_dir: Path, newer: int) -> None:
    make_data(data_dir)
    store = open_store(data_dir)
    store.engine.set_info("schema_version", str(newer))
    store.close()
    done = cli(data_dir, "doctor")
    assert done.returncode == 1 and "newer version of Viveka POS" in done.stdout


def test_an_invoice_edited_in_the_file_itself_is_found(data_dir: Path) -> None:
    """The chain table the store keeps is trusted only while each invoice's bytes still
    match it: an edit made with an SQLite tool (not through the store) is found too, and
    so is an invoice removed from the file (one cut off the end of a series leaves no trace
    in any chain; the first one is removed here)."""
    import sqlite3

    import bson

    make_data(data_dir)
    store = open_store(data_dir)
    try:
        first = store.db.invoices.find_one({"invoiceNumber": "A/2526/00001"})
    finally:
        store.close()
    conn = sqlite3.connect(data_dir / "viveka.sqlite3")
    with conn:
        edited = {**first, "totalAmount": 1}
        conn.execute(
            "UPDATE docs SET body = ? WHERE coll = 'vivekaDB.invoices' AND id = ?",
            (bson.encode(edited), str(first["_id"])),
        )
    conn.close()
    done = cli(data_dir, "doctor")
    assert done.returncode == 1
    assert "invoice A/2526/00001 was changed after it was made" in done.stdout
    conn = sqlite3.connect(data_dir / "viveka.sqlite3")
    with conn:
        conn.execute(
            "DELETE FROM docs WHERE coll = 'vivekaDB.invoices' AND id = ?", (str(first["_id"]),)
        )
    conn.close()
    done = cli(data_dir, "verify")
    assert done.returncode == 1, done.stdout
    assert "invoice A/2526/00002 is not linked" in done.stdout
    assert "invoice A/2526/00001 is missing" in done.stdout
