"""The soak's derived-table check (derived_check.py) finds nothing in a shop the store kept,
and finds each kind of drift: a wrong row, a text index out of step, search rows out of
name order."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.derived_check import derived_drift
from viveka_pos.services.context import ServiceContext
from viveka_pos.services.demo import create_demo_shop
from viveka_pos.services.facade import ShopServices
from viveka_pos.store import open_store


@pytest.fixture
def shop_file(tmp_path: Path) -> Path:
    """A demo shop, then a bill, a catalogue edit and a new item, all kept by the store's
    own upkeep."""
    store = open_store(tmp_path / "data")
    try:
        ctx = ServiceContext(store, "pc-test")
        svc = ShopServices(ctx, create_demo_shop(ctx).id)
        items = svc.search.search("a", 5)
        cart = svc.carts.create()
        for item in items[:3]:
            svc.carts.add_item(cart.cart_id, item.id, 1)
        total = svc.carts.view(cart.cart_id).totals.total_amount
        svc.invoices.generate(cart.cart_id, paid_amount=total / 100, method="cash")
        svc.catalog.update_item(items[0].id, name="Aaa renamed first")
        svc.catalog.create_item(name="Brake pad", code="BP1", unit="nos", price="120.00", stock=5)
        svc.customers.create("9812345678", name="Ravi")
        return store.db_path
    finally:
        store.close()


def _damage(db_file: Path, *statements: str) -> None:
    store = open_store(db_file.parent)
    try:
        for statement in statements:
            store.engine.connection.execute(statement)
    finally:
        store.close()


def test_a_shop_kept_by_the_store_has_no_drift(shop_file: Path) -> None:
    problems, rows = derived_drift(shop_file)
    assert problems == []
    assert rows > 100


def test_a_wrong_ledger_row_is_named(shop_file: Path) -> None:
    _damage(shop_file, "UPDATE ledger_invoices SET total = total + 1")
    problems, _rows = derived_drift(shop_file)
    assert any(p.startswith("ledger_invoices: kept") for p in problems), problems
    assert any(p.startswith("ledger_invoices: a rebuild makes") for p in problems), problems


def test_a_text_index_out_of_step_is_named(shop_file: Path) -> None:
    # the row changes, its text index does not: searches would find the old words
    _damage(
        shop_file,
        "UPDATE search_items SET words = 'nothing like it' "
        "WHERE id = (SELECT MIN(id) FROM search_items)",
    )
    problems, _rows = derived_drift(shop_file)
    assert any("search_words: the text index does not match" in p for p in problems), problems
    assert any(p.startswith("search_items: kept") for p in problems), problems


def test_search_rows_out_of_name_order_are_named(shop_file: Path) -> None:
    _damage(
        shop_file,
        "UPDATE search_items SET id = -id WHERE id = (SELECT MAX(id) FROM search_items)",
    )
    problems, _rows = derived_drift(shop_file)
    assert any(p.startswith("search_items: row 0 in number order") for p in problems), problems
