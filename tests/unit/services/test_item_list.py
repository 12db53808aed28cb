"""The Inventory list from the store: pages, counts, filters and sorts answer what sorting
and filtering every item in Python answers."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from contextlib import closing
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.older_store import as_version_3
from viveka_pos.domain.entities.item import Item, item_from_stored
from viveka_pos.services.context import ServiceContext
from viveka_pos.services.facade import ShopServices
from viveka_pos.services.item_list import (
    ALL_GROUPS,
    NO_GROUP,
    SORT_COLUMNS,
    ItemListing,
    ItemView,
)
from viveka_pos.services.shop import ShopService
from viveka_pos.store import Store, open_store


@pytest.fixture
def shelf(svc: ShopServices) -> dict[str, Any]:
    cat = svc.catalog
    brakes = cat.create_group("Brakes")
    oils = cat.create_group("Engine oils")
    rows = [
        ("Brake pad front", 450, "BP-F", "87083000", 12, brakes, "nos", 18),
        ("brake shoe", 300, "BS", "87083000", 3, brakes, "nos", 18),
        ("Engine oil 1 L", 380, "OIL1", "27101980", "2.5", oils, "litre", 18),
        ("Zinc washer", 1, "ZW", "7318", 0, None, "nos", 5),
        ("Air filter", 220, "AF", "84213100", 5, None, "nos", 28),
        ("Coolant", 150, "COOL", "38200000", 40, oils, "litre", 12),
    ]
    for name, price, code, hsn, stock, group, unit, rate in rows:
        cat.create_item(
            name=name,
            price=price,
            code=code,
            hsn_code=hsn,
            stock=stock,
            group_id=group.id if group else None,
            unit=unit,
            gst_rate=rate,
        )
    cat.set_active(cat.item_by_code("COOL").id, False)
    return {"brakes": brakes, "oils": oils}


def _every_item(svc: ShopServices, *, include_inactive: bool) -> list[Item]:
    """The shop's items by name, each read in Python (a catalogue held whole: fine for
    the few items of a test, the answer the SQL list is checked against)."""
    items = [
        item_from_stored(doc)
        for doc in svc.scope.store.iter_docs("items")
        if doc.get("clientId") == svc.scope.client_id
        and (include_inactive or doc.get("isActive", True))
    ]
    return sorted(items, key=lambda item: item.name.casefold())


def _expected(svc: ShopServices, view: ItemView) -> list[str]:
    """The old screen's answer: every item in Python, filtered and sorted."""
    names = {g.id: g.name for g in svc.catalog.groups()}
    items = _every_item(svc, include_inactive=view.include_inactive)

    def keep(d: Item) -> bool:
        hay = " ".join([d.name, d.code, names.get(d.group_id, ""), d.hsn_code]).casefold()
        if not all(term in hay for term in view.text.casefold().split()):
            return False
        if view.group == NO_GROUP and d.group_id is not None:
            return False
        if view.group not in (ALL_GROUPS, NO_GROUP) and d.group_id != view.group:
            return False
        return not view.low_only or (d.is_active and d.stock <= d.low_stock_quantity)

    def status(d: Item) -> int:
        if not d.is_active:
            return 1
        return 3 if d.stock <= 0 else 2 if d.stock <= Decimal(5) else 0

    group_rank = {g.id: n for n, g in enumerate(svc.catalog.groups())}
    sort: dict[str, Any] = {
        "name": lambda d: d.name.casefold(),
        "code": lambda d: d.code.casefold(),
        "group": lambda d: group_rank.get(d.group_id, len(group_rank)),
        "unit": lambda d: d.unit,
        "price": lambda d: d.price,
        "gst": lambda d: d.gst_rate,
        "hsn": lambda d: d.hsn_code,
        "stock": lambda d: d.stock,
        "low": lambda d: d.low_stock_quantity,
        "status": status,
    }
    shown = sorted((d for d in items if keep(d)), key=lambda d: d.name.casefold())
    shown.sort(key=sort[view.sort], reverse=view.descending)  # ties stay in name order
    return [d.name for d in shown]


VIEWS = [
    ItemView(),
    ItemView(text="brake"),
    ItemView(text="oils"),
    ItemView(text="8708 pad"),
    ItemView(text="o"),
    ItemView(group=NO_GROUP),
    ItemView(low_only=True),
    ItemView(include_inactive=True),
    ItemView(include_inactive=True, low_only=True),
    ItemView(text="zzz"),
]


def test_pages_counts_and_positions_agree_with_python(
    svc: ShopServices, shelf: dict[str, Any]
) -> None:
    listing = ItemListing(svc.scope)
    views = [*VIEWS, ItemView(group=shelf["brakes"].id)]
    views += [
        ItemView(include_inactive=True, sort=s, descending=d)
        for s in SORT_COLUMNS
        for d in (False, True)
    ]
    for view in views:
        expected = _expected(svc, view)
        pages = [d.name for o in range(0, 8, 2) for d in listing.page(view, o, 2)]
        assert pages == expected, view
        counts = listing.counts(view)
        assert counts.shown == len(expected), view
        for n, name in enumerate(expected):
            item = next(d for d in _every_item(svc, include_inactive=True) if d.name == name)
            assert listing.position(view, item.id) == n
    everything = listing.counts(ItemView(include_inactive=True))
    assert (everything.shown, everything.out_of_stock, everything.low) == (6, 1, 3)
    assert listing.by_group(include_inactive=False) == {
        shelf["brakes"].id: 2,
        shelf["oils"].id: 1,
        None: 2,
    }


def test_a_shop_without_groups_sorts_by_group_in_name_order(svc: ShopServices) -> None:
    for name, code in [("Wiper blade", "WB"), ("air filter", "AF"), ("Horn", "HN")]:
        svc.catalog.create_item(name=name, price=100, code=code, stock=5)
    listing = ItemListing(svc.scope)
    for descending in (False, True):
        view = ItemView(sort="group", descending=descending)
        assert [d.name for d in listing.page(view, 0, 10)] == ["air filter", "Horn", "Wiper blade"]
        assert [d.name for d in listing.page(view, 0, 10)] == _expected(svc, view)
        horn = svc.catalog.item_by_code("HN")
        assert listing.position(view, horn.id) == 1


def test_the_list_follows_edits_and_an_older_store_gets_it_at_its_upgrade(
    svc: ShopServices, shelf: dict[str, Any], store: Store, tmp_path: Path
) -> None:
    listing = ItemListing(svc.scope)
    zinc = svc.catalog.item_by_code("ZW")
    svc.catalog.update_item(zinc.id, name="Anchor washer", group_id=shelf["brakes"].id)
    svc.catalog.adjust_stock(zinc.id, new_stock=50)
    svc.catalog.update_group(shelf["brakes"].id, name="Stopping")
    for view in [
        *VIEWS,
        ItemView(text="stopping"),
        ItemView(text="zinc"),
        ItemView(text="anchor"),
        ItemView(text="chor wash"),
    ]:
        assert [d.name for d in listing.page(view, 0, 50)] == _expected(svc, view), view
    copy = tmp_path / "older"
    store.backup(copy)
    as_version_3(copy, "DROP TABLE catalog_grams", "DROP TABLE catalog_rows")
    older = open_store(copy)  # upgraded: the list is filed
    try:
        ctx = ServiceContext(older, "pc-test")
        again = ItemListing(ShopServices(ctx, ShopService(ctx).local_shop().id).scope)
        for view in VIEWS:
            assert [d.name for d in again.page(view, 0, 50)] == _expected(svc, view)
    finally:
        older.close()


def test_a_restored_backup_from_before_the_new_tables_gets_them(
    svc: ShopServices, shelf: dict[str, Any], store: Store, tmp_path: Path
) -> None:
    """Restoring (while the app runs) a backup made before the item list, customer lookup
    and dealer sums existed: they are made from its documents, and writes keep them."""
    copy = tmp_path / "older"
    store.backup(copy)
    as_version_3(
        copy,
        *(
            f"DROP TABLE {table}"
            for table in (
                "catalog_grams",
                "catalog_rows",
                "search_customer_grams",
                "search_customers",
                "ledger_dealers",
                "ledger_collections",
                "ledger_stock_sums",
            )
        ),
        "DROP TRIGGER IF EXISTS ledger_stock_added",
    )
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    manifest["schema_version"] = 3
    manifest["sha256"] = hashlib.sha256((copy / "viveka.sqlite3").read_bytes()).hexdigest()
    (copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    svc.catalog.create_item(name="Made after the backup", price=5, code="NEW")
    store.restore(copy, safety_copy_dir=tmp_path / "safety")
    listing = ItemListing(svc.scope)
    for view in VIEWS:
        assert [d.name for d in listing.page(view, 0, 50)] == _expected(svc, view), view
    svc.catalog.create_item(name="Bolt", price=2, code="BOLT", stock=9)
    svc.customers.create("9845012345", name="Asha")
    dealer = svc.dealers.create("Kumar Traders")
    svc.dealers.pay_dealer(dealer, 100)
    assert "Bolt" in [d.name for d in listing.page(ItemView(), 0, 50)]
    assert [c.name for c in svc.customers.search("ash")] == ["Asha"]
    assert svc.dealers.dues(dealer).paid == 10000
    assert svc.reports.stock_report().items == 6


def _marks(listing: ItemListing) -> tuple[int, int]:
    counts = listing.counts(ItemView(include_inactive=True))
    return counts.out_of_stock, counts.low


def test_low_and_out_counts_follow_sales_and_an_older_list_gets_them(
    svc: ShopServices, shelf: dict[str, Any], store: Store, tmp_path: Path
) -> None:
    """The low and out-of-stock counts come from each row's stock state: a sale that
    crosses the low level or empties the shelf moves them; a list made before the state
    was kept gets it at the next open, and rows written by a program that sets only the
    stock (an older version) keep it right too."""
    listing = ItemListing(svc.scope)
    assert _marks(listing) == (1, 3)
    cart = svc.carts.create()
    svc.carts.add_item(cart.cart_id, "BP-F", 7)  # 12 -> 5: at the low level
    svc.carts.add_item(cart.cart_id, "AF", 5)  # 5 -> 0: out
    svc.invoices.generate(cart.cart_id)
    assert _marks(listing) == (2, 3)
    pad = svc.catalog.item_by_code("BP-F")
    svc.catalog.adjust_stock(pad.id, new_stock=6)  # back above it
    assert _marks(listing) == (2, 2)
    assert [d.name for d in listing.page(ItemView(low_only=True), 0, 50)] == _expected(
        svc, ItemView(low_only=True)
    )

    copy = tmp_path / "older"
    store.backup(copy)
    # the list as it was made before the state was kept (the data version was 4 already)
    with closing(sqlite3.connect(copy / "viveka.sqlite3")) as conn, conn:
        conn.execute("DROP INDEX catalog_rows_states")
        conn.execute("DROP TRIGGER catalog_rows_state_new")
        conn.execute("DROP TRIGGER catalog_rows_state")
        conn.execute("ALTER TABLE catalog_rows DROP COLUMN state")
        conn.execute(
            "CREATE INDEX catalog_rows_counts ON catalog_rows (client, active, group_key, "
            "stock, low)"
        )
    older = open_store(copy)
    try:
        ctx = ServiceContext(older, "pc-test")
        again = ItemListing(ShopServices(ctx, ShopService(ctx).local_shop().id).scope)
        assert _marks(again) == (2, 2)
        plan = older.engine.query(
            "EXPLAIN QUERY PLAN SELECT COUNT(*), SUM(state = 1) FROM catalog_rows "
            "WHERE client = ? AND active = 1",
            ("x",),
        )
        assert "COVERING INDEX catalog_rows_states" in plan[0][-1]
        assert not older.engine.query(
            "SELECT 1 FROM sqlite_master WHERE name = 'catalog_rows_counts'"
        )
    finally:
        older.close()
    with sqlite3.connect(copy / "viveka.sqlite3") as conn:  # an older program's writes
        conn.execute("UPDATE catalog_rows SET stock = 0 WHERE code = 'bs'")
        conn.execute("UPDATE catalog_rows SET stock = 1 WHERE code = 'af'")
        row = conn.execute("SELECT * FROM catalog_rows WHERE code = 'zw'").fetchone()
        conn.execute("DELETE FROM catalog_rows WHERE code = 'zw'")
        conn.execute(f"INSERT INTO catalog_rows VALUES ({', '.join('?' * 13)}, 0)", row[:13])
    older = open_store(copy, read_only=True)
    try:
        ctx = ServiceContext(older, "pc-test")
        again = ItemListing(ShopServices(ctx, ShopService(ctx).local_shop().id).scope)
        # out: the brake shoe and the zinc washer (filed again as it was); low: oil, filter
        assert _marks(again) == (2, 2)
        assert dict(older.engine.query("SELECT code, state FROM catalog_rows")) == {
            "bp-f": 0,
            "bs": 3,
            "oil1": 1,
            "zw": 3,
            "af": 1,
            "cool": 0,
        }
        assert [d.name for d in again.page(ItemView(low_only=True), 0, 9)] == [
            "Air filter",
            "brake shoe",
            "Engine oil 1 L",
            "Zinc washer",
        ]
    finally:
        older.close()
