"""The chain table behind ``verify``: which invoices follow the one before them is kept as
each is written (in any order), and nothing edited in the file itself gets past it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import bson
import pytest

from tests.fixtures.older_store import as_version_3
from viveka_pos.domain.hashchain import GENESIS_HASH, invoice_hash
from viveka_pos.domain.numbering import format_invoice_number
from viveka_pos.services.chains import store_chain_report
from viveka_pos.store import Store, open_store
from viveka_pos.store import engine as engine_module

SHOP = bson.ObjectId()


def _chain(count: int, fy: str = "2526") -> list[dict]:
    docs, prev = [], GENESIS_HASH
    for seq in range(1, count + 1):
        doc = {
            "_id": bson.ObjectId(),
            "clientId": SHOP,
            "series": "A",
            "financialYear": fy,
            "sequence": seq,
            "invoiceNumber": format_invoice_number("A", fy, seq),
            "totalAmount": 100 * seq,
            "paidAmount": 0,
            "prevHash": prev,
        }
        doc["hash"] = prev = invoice_hash(doc, prev)
        docs.append(doc)
    return docs


def _edit_in_file(data_dir: Path, doc: dict, **changes: object) -> None:
    conn = sqlite3.connect(data_dir / "viveka.sqlite3")
    with conn:
        conn.execute(
            "UPDATE docs SET body = ? WHERE coll = 'vivekaDB.invoices' AND id = ?",
            (bson.encode({**doc, **changes}), str(doc["_id"])),
        )
    conn.close()


def test_invoices_written_out_of_order_still_verify_without_a_walk(store: Store) -> None:
    docs = _chain(5)
    for position in (2, 4, 0, 3, 1):  # e.g. pulled by sync in another order
        store.db.invoices.insert_one(docs[position])
    assert store.chains.suspect_chains() == (5, set())
    assert store_chain_report(store) == ([], 5)
    # payments rewrite an invoice in place: it and the next still follow
    store.db.invoices.update_one({"_id": docs[1]["_id"]}, {"$set": {"paidAmount": 100}})
    assert store.chains.suspect_chains() == (5, set())


def test_a_gap_or_an_edit_through_the_store_makes_the_chain_suspect(store: Store) -> None:
    docs = _chain(4)
    store.db.invoices.insert_many(docs)
    store.db.invoices.delete_one({"_id": docs[1]["_id"]})
    assert store.chains.suspect_chains()[1] == {(str(SHOP), "A")}
    problems = store_chain_report(store)[0]
    assert any("A/2526/00002 is missing" in p for p in problems)
    store.db.invoices.insert_one(docs[1])  # put back: the chain follows again
    assert store_chain_report(store) == ([], 4)
    store.db.invoices.update_one({"_id": docs[2]["_id"]}, {"$set": {"totalAmount": 1}})
    assert any("A/2526/00003 was changed" in p for p in store_chain_report(store)[0])


def test_an_invoice_body_edited_in_the_file_is_caught(data_dir: Path) -> None:
    store = open_store(data_dir)
    docs = _chain(3)
    store.db.invoices.insert_many(docs)
    store.close()
    # a paid amount changed by hand is not a change of the invoice
    _edit_in_file(data_dir, docs[0], paidAmount=300)
    # the same length of bytes, one digit of an amount changed
    _edit_in_file(data_dir, docs[1], totalAmount=900)
    reopened = open_store(data_dir, read_only=True)
    try:
        problems, chained = store_chain_report(reopened)
    finally:
        reopened.close()
    assert problems == ["series A: invoice A/2526/00002 was changed after it was made"]
    assert chained == 3


def test_a_chain_table_made_before_the_follow_flags_is_filled_at_its_upgrade(
    data_dir: Path,
) -> None:
    store = open_store(data_dir)
    docs = _chain(3)
    store.db.invoices.insert_many(docs)
    store.close()
    as_version_3(
        data_dir,
        "DROP INDEX chain_entries_suspect",
        "ALTER TABLE chain_entries DROP COLUMN ok",
    )
    store = open_store(data_dir)
    try:
        assert store.chains.suspect_chains() == (3, set())
        store.db.invoices.delete_one({"_id": docs[0]["_id"]})
        assert store.chains.suspect_chains()[1] == {(str(SHOP), "A")}
    finally:
        store.close()


@pytest.mark.parametrize("fy_order", [("2526", "2627"), ("2627", "2526")])
def test_a_new_financial_year_restarts_the_sequence(store: Store, fy_order: tuple) -> None:
    first, second = _chain(2, "2526"), _chain(2, "2627")
    second[0]["prevHash"] = first[-1]["hash"]
    second[0]["hash"] = invoice_hash(second[0], first[-1]["hash"])
    second[1]["prevHash"] = second[0]["hash"]
    second[1]["hash"] = invoice_hash(second[1], second[0]["hash"])
    by_fy = {"2526": first, "2627": second}
    for fy in fy_order:
        store.db.invoices.insert_many(by_fy[fy])
    assert store.chains.suspect_chains() == (4, set())


def test_a_backup_made_before_the_follow_flags_is_restored_and_bills_go_on(
    store: Store, tmp_path: Path
) -> None:
    docs = _chain(3)
    store.db.invoices.insert_many(docs[:2])
    conn = store.engine.connection  # the file as an earlier version wrote it
    conn.execute("DROP INDEX chain_entries_suspect")
    conn.execute("ALTER TABLE chain_entries DROP COLUMN ok")
    conn.execute("UPDATE store_info SET value = '3' WHERE key = 'schema_version'")
    store.backup(tmp_path / "old-backup")
    store.restore(tmp_path / "old-backup")
    store.db.invoices.insert_one(docs[2])
    assert store.chains.suspect_chains() == (3, set())
    assert store_chain_report(store) == ([], 3)


def test_a_snapshot_reads_its_rows_and_names_a_failed_read(store: Store) -> None:
    store.db.items.insert_many([{"n": n, "name": "x" * 3000} for n in range(2500)])
    sql, params = "SELECT id, body FROM docs WHERE coll = ? ORDER BY id", ("vivekaDB.items",)
    with store.engine.snapshot() as rows_of:
        rows = list(rows_of(sql, params))
    assert [key for key, _body in rows] == sorted(key for key, _body in rows)
    assert len(rows) == 2500 and all(len(body) > 3000 for _key, body in rows)
    with pytest.raises(Exception, match="could not be read"), store.engine.snapshot() as rows_of:
        list(rows_of("SELECT nothing FROM nowhere", ()))


@pytest.mark.parametrize("where", [0, 3, 6])
def test_what_changed_in_the_file_is_found_in_any_chunk(
    data_dir: Path, where: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Invoices and their rows are read side by side a chunk at a time: a change at the
    start, middle or end of the invoices, of each kind, leads to the invoice that changed."""
    monkeypatch.setattr(engine_module, "SCAN_CHUNK", 1)  # chunks of two rows
    store = open_store(data_dir)
    docs = _chain(7)
    store.db.invoices.insert_many(docs)
    keys = sorted(str(doc["_id"]) for doc in docs)
    assert store.chains.changed_outside() == {}
    store.close()
    target = next(doc for doc in docs if str(doc["_id"]) == keys[where])
    conn = sqlite3.connect(data_dir / "viveka.sqlite3")
    _edit_in_file(data_dir, target, totalAmount=1)
    reopened = open_store(data_dir, read_only=True)
    try:
        assert set(reopened.chains.changed_outside()) == {keys[where]}
    finally:
        reopened.close()
    with conn:  # the invoice gone from the file: its row is left without it
        conn.execute("DELETE FROM docs WHERE coll = 'vivekaDB.invoices' AND id = ?", (keys[where],))
    reopened = open_store(data_dir, read_only=True)
    try:
        assert reopened.chains.changed_outside() == {keys[where]: None}
    finally:
        reopened.close()
    with conn:  # and an invoice without its row
        conn.execute(
            "INSERT INTO docs (coll, id, body) VALUES ('vivekaDB.invoices', ?, ?)",
            (keys[where], bson.encode(target)),
        )
        conn.execute("DELETE FROM chain_entries WHERE key = ?", (keys[(where + 1) % 7],))
    conn.close()
    reopened = open_store(data_dir, read_only=True)
    try:
        fresh = reopened.chains.changed_outside()
        assert set(fresh) == {keys[(where + 1) % 7]}
        assert fresh[keys[(where + 1) % 7]] is not None
    finally:
        reopened.close()
