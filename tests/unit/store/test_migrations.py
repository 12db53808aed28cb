"""Data versions: a version-1 store is backed up and upgraded in one unit of work at open;
a failed upgrade changes nothing; a newer store is refused without damage."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.safety_shop import (
    CUSTOMER_PHONE,
    file_info,
    file_rows,
    fixed_clock,
    make_shop,
    sell,
    snapshot,
)
from viveka_pos.services.context import ServiceContext
from viveka_pos.services.facade import ShopServices
from viveka_pos.store import SCHEMA_VERSION, StoreVersionError, migrations, open_store
from viveka_pos.store.backup_file import read_backup, write_backup
from viveka_pos.store.migrations import Migration, StoreMigrationError

# What a version-1 program (or another tool writing the spec's fields only) left out.
ITEM_FIELDS_V2 = ("code", "hsnCode", "gstRate", "lowStockQuantity", "description")
DB = "viveka.sqlite3"


def _keeps(after: Any, before: Any) -> bool:
    """``after`` has every field of ``before`` with the same value (sub-documents too)."""
    if isinstance(before, dict):
        return isinstance(after, dict) and all(
            key in after and _keeps(after[key], value) for key, value in before.items()
        )
    return bool(after == before)


def _without(doc: dict[str, Any], *fields: str) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k not in fields}


def make_v1_store(data_dir: Path) -> dict[str, Any]:
    """A store with a shop, items, a GST customer and bills, turned into what version 1
    left: documents stripped of the fields version 2 fills in, data version "1"."""
    store = open_store(data_dir)
    try:
        svc = make_shop(store)
        customer = store.db.clientCustomers.find_one({"phoneNumber": "9891112222"})
        sell(svc, paid=1000, customer=CUSTOMER_PHONE)
        sell(svc, {"OIL": "1.5"}, customer=customer["_id"], paid="518.25")
        shop = store.db.clients.find_one({})
        with store.unit_of_work(record_outbox=False) as db:
            settings = _without(
                shop["clientSettings"], "stateCode", "timeZone", "allowNegativeStock"
            )
            db.clients.replace_one(
                {"_id": shop["_id"]}, {**_without(shop, "profileUrl"), "clientSettings": settings}
            )
            db.clientCustomers.replace_one(
                {"_id": customer["_id"]}, _without(customer, "stateCode", "emailId")
            )
            for item in db.items.find({"code": {"$in": ["PLUG", "OIL"]}}):
                db.items.replace_one({"_id": item["_id"]}, _without(item, *ITEM_FIELDS_V2))
        store.engine.set_info("schema_version", "1")
        before = snapshot(store)
        ids = {"shop": shop["_id"], "customer": customer["_id"]}
    finally:
        store.close()
    return {"before": before, **ids}


def test_a_version_1_store_is_backed_up_then_upgraded(data_dir: Path) -> None:
    made = make_v1_store(data_dir)
    before = made["before"]
    store = open_store(data_dir)
    try:
        assert store.schema_version == SCHEMA_VERSION == 4
        after = snapshot(store)
        # The backup holds the data exactly as it was, at version 1.
        backup = data_dir / "backups" / "before-migration-v1"
        manifest = read_backup(backup)
        assert manifest.schema_version == 1 and manifest.store_id == store.store_id
        assert file_info(backup / DB, "schema_version") == "1"
        saved = file_rows(backup / DB)
        for name, docs in before.items():
            assert saved.get(name, {}) == docs, name

        # Filled in: shop state code from its GSTIN, the customer's from hers, item defaults.
        shop = after["clients"][str(made["shop"])]
        assert shop["clientSettings"]["stateCode"] == "29"
        assert shop["clientSettings"]["timeZone"] == "Asia/Kolkata"
        assert shop["clientSettings"]["allowNegativeStock"] is False
        assert shop["profileUrl"] == ""
        customer = after["clientCustomers"][str(made["customer"])]
        assert customer["stateCode"] == "27" and customer["emailId"] == ""
        for item in after["items"].values():
            assert item["hsnCode"] in ("", "8409") and item["gstRate"] in (0, 18)
            assert item["lowStockQuantity"] == 5 and item["description"] == ""
        stripped = [i for i in before["items"].values() if "code" not in i]
        assert len(stripped) == 2
        for item in stripped:
            assert after["items"][str(item["_id"])]["code"] == ""

        # Nothing else changed: every field that existed keeps its value; other
        # collections (invoices, payments, stock, outbox) are untouched.
        for name, docs in before.items():
            assert set(after[name]) == set(docs), name
            for key, doc in docs.items():
                assert _keeps(after[name][key], doc), (name, key)
            if name not in ("clients", "clientCustomers", "items"):
                assert after[name] == docs, name
        assert after["items"][
            next(k for k, i in before["items"].items() if i.get("code") == "CARB")
        ] == next(i for i in before["items"].values() if i.get("code") == "CARB")
    finally:
        store.close()


def test_upgraded_data_keeps_its_chain_and_keeps_working(data_dir: Path) -> None:
    make_v1_store(data_dir)
    store = open_store(data_dir)
    try:
        outbox_before = store.outbox_size()
        ctx = ServiceContext(store, "pc-safety", fixed_clock())
        svc = ShopServices(ctx, store.db.clients.find_one({})["_id"])
        assert svc.invoices.verify() == []
        assert store.outbox_size() == outbox_before  # the upgrade itself is not synced
        invoice = sell(svc, {"CARB": 3})
        assert invoice["invoiceNumber"].endswith("/00003")
        assert svc.invoices.verify() == []
    finally:
        store.close()
    # Opening again upgrades nothing and takes no second backup.
    open_store(data_dir).close()
    assert sorted(p.name for p in (data_dir / "backups").iterdir()) == ["before-migration-v1"]


def test_a_failed_upgrade_changes_nothing(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made = make_v1_store(data_dir)

    def half_then_fail(store: Any, db: Any) -> dict[str, int]:
        migrations.fill_defaults_v2(store, db)  # writes plenty first...
        db.items.insert_one({"name": "half-written"})
        raise RuntimeError("disk said no")  # ...then fails

    monkeypatch.setitem(migrations.MIGRATIONS, 1, Migration(1, "broken", half_then_fail))
    with pytest.raises(StoreMigrationError, match="Nothing was changed") as caught:
        open_store(data_dir)
    assert "before-migration-v1" in str(caught.value)
    assert file_info(data_dir / DB, "schema_version") == "1"
    rows = file_rows(data_dir / DB)
    for name, docs in made["before"].items():
        assert rows.get(name, {}) == docs, name

    monkeypatch.undo()
    store = open_store(data_dir)  # the real step now runs; the first backup is kept
    try:
        assert store.schema_version == SCHEMA_VERSION
        assert store.db.items.count_documents({"name": "half-written"}) == 0
    finally:
        store.close()
    names = sorted(p.name for p in (data_dir / "backups").iterdir())
    assert names[0] == "before-migration-v1" and len(names) == 2
    assert names[1].startswith("before-migration-v1-")


def test_newer_data_is_refused_without_a_backup_or_any_change(data_dir: Path) -> None:
    store = open_store(data_dir)
    make_shop(store)
    store.engine.set_info("schema_version", str(SCHEMA_VERSION + 1))
    before = snapshot(store)
    store.close()
    with pytest.raises(StoreVersionError, match="newer version"):
        open_store(data_dir)
    assert not (data_dir / "backups").exists()
    assert file_rows(data_dir / DB) == {k: v for k, v in before.items() if v}
    assert file_info(data_dir / DB, "schema_version") == str(SCHEMA_VERSION + 1)


def test_a_version_without_an_upgrade_path_is_refused(data_dir: Path) -> None:
    store = open_store(data_dir)
    store.engine.set_info("schema_version", "0")
    store.close()
    with pytest.raises(StoreMigrationError, match="cannot upgrade data of version 0"):
        open_store(data_dir)
    assert file_info(data_dir / DB, "schema_version") == "0"


def test_restoring_a_version_1_backup_upgrades_it(tmp_path: Path) -> None:
    old_dir = tmp_path / "old"
    made = make_v1_store(old_dir)
    # Back up the version-1 data without opening it (opening would upgrade it).
    source = sqlite3.connect(f"file:{old_dir / DB}?mode=ro", uri=True)
    counts = {name: len(docs) for name, docs in made["before"].items()}
    write_backup(
        source,
        tmp_path / "v1-backup",
        counts=counts,
        store_id="old-store",
        schema_version=1,
        shops=[{"phoneNumber": "9890000000"}],
    )
    source.close()

    live = open_store(tmp_path / "live")
    try:
        live.restore(tmp_path / "v1-backup")
        assert live.schema_version == SCHEMA_VERSION
        customer = live.db.clientCustomers.find_one({"_id": made["customer"]})
        assert customer["stateCode"] == "27"
        assert (tmp_path / "live" / "backups" / "before-migration-v1").is_dir()
    finally:
        live.close()


def test_every_version_has_its_step() -> None:
    assert set(migrations.MIGRATIONS) == set(range(1, SCHEMA_VERSION))
    for source, step in migrations.MIGRATIONS.items():
        assert step.source == source and step.summary


def test_existing_values_are_never_overwritten() -> None:
    customer = {
        "_id": 1,
        "gstNo": "29ABCDE1234F1ZW",
        "stateCode": "27",
        "name": "X",
        "address": "",
        "emailId": "",
    }
    assert migrations._customer_fixes(customer) == {}
    item = {
        "code": "A1",
        "hsnCode": "1234",
        "gstRate": 5,
        "unit": "kg",
        "lowStockQuantity": 0,
        "dealerIds": [],
        "description": "d",
        "isActive": False,
        "stock": 7,
    }
    assert migrations._item_fixes(item) == {}
    shop = {
        "gstin": "29ABCDE1234F1ZW",
        "state": "Kerala",
        "shopName": "",
        "location": "",
        "city": "",
        "profileUrl": "",
        "isActive": False,
        "clientSettings": {
            "stateCode": "32",
            "defaultGstRate": 12,
            "pricesIncludeTax": True,
            "timeZone": "Asia/Dubai",
            "allowNegativeStock": True,
            "customerFields": {"address": True, "gstNo": True, "emailId": True},
        },
    }
    assert migrations._client_fixes(shop) == {}
    # A shop without a GSTIN takes its state code from the state's name.
    named = {"gstin": "", "state": "Kerala", "clientSettings": {}}
    assert migrations._client_fixes(named)["clientSettings"]["stateCode"] == "32"


def test_a_version_3_store_has_its_newer_tables_filed_again(data_dir: Path) -> None:
    """Tables that came while the data version was 3 may be stale: a version-3 program
    that did not know them could have written since they were filled. Upgrading to 4
    files them again, after a backup."""
    store = open_store(data_dir)
    try:
        svc = make_shop(store)
        sell(svc, paid=1000, customer=CUSTOMER_PHONE)
        sell(svc, {"OIL": "1.5"}, customer=CUSTOMER_PHONE, paid="518.25")
    finally:
        store.close()
    tables = {
        "catalog_rows": "SELECT * FROM catalog_rows ORDER BY key",
        "search_customers": "SELECT * FROM search_customers ORDER BY 1",
        "ledger_dealers": "SELECT * FROM ledger_dealers ORDER BY 1, 2",
        "chain_entries": "SELECT * FROM chain_entries ORDER BY key",
    }
    conn = sqlite3.connect(data_dir / DB)
    with conn:  # what an older program's writes leave behind
        conn.execute("DELETE FROM catalog_rows")
        conn.execute("DELETE FROM search_customers")
        conn.execute("INSERT INTO ledger_dealers VALUES ('shop', 'dealer', 1, 0, 1, 0)")
        conn.execute("UPDATE chain_entries SET ok = NULL")
        conn.execute("UPDATE store_info SET value = '3' WHERE key = 'schema_version'")
    conn.close()
    store = open_store(data_dir)
    try:
        assert store.schema_version == SCHEMA_VERSION == 4
        conn = store.engine.connection
        upgraded = {name: conn.execute(sql).fetchall() for name, sql in tables.items()}
        assert upgraded["catalog_rows"] and upgraded["search_customers"]
        assert upgraded["ledger_dealers"] == []
        assert all(row[-1] == 1 for row in upgraded["chain_entries"])
        store.rebuild_derived()
        assert {name: conn.execute(sql).fetchall() for name, sql in tables.items()} == upgraded
    finally:
        store.close()
    assert (data_dir / "backups" / "before-migration-v3").is_dir()
