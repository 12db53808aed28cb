"""Every service entry point refuses malformed input with a ValidationError naming the
field, and leaves the store exactly as it was."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fixtures.stored import stored
from viveka_pos.domain.clock import FixedClock
from viveka_pos.domain.errors import ValidationError
from viveka_pos.services.context import ServiceContext
from viveka_pos.services.facade import ShopServices
from viveka_pos.services.shop import ShopService
from viveka_pos.store import open_store

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            " ",
            "-1",
            "1e9",
            "NaN",
            "inf",
            "1.2345",
            "0",
            "abc",
            "12,50",
            "9" * 30,
            "₹100",
            "２５",
            "\x00",
        ]
    ),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=True, allow_infinity=True),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Any:
    store = open_store(Path(tmp_path_factory.mktemp("malformed")))
    ctx = ServiceContext(store, "pc-test", FixedClock(datetime(2025, 6, 16, 5, tzinfo=UTC)))
    shop = ShopService(ctx).register(
        phone="9890000000", owner_name="Asha K", business_name="Asha Auto", state="Karnataka"
    )
    svc = ShopServices(ctx, shop.id)
    item = svc.catalog.create_item(name="Carburetor", price=2500, code="CARB", stock=100000)
    customer = svc.customers.create("9891112222", name="Bob")
    cart = svc.carts.create(customer=customer.id)
    view = svc.carts.add_item(cart.cart_id, "CARB", 1)
    other = svc.carts.create(customer=customer.id)
    svc.carts.add_item(other.cart_id, "CARB", 1)
    invoice = stored(svc, svc.invoices.generate(other.cart_id, paid_amount=100))
    yield {
        "svc": svc,
        "item": item,
        "cart": cart.cart_id,
        "line": view.lines[0].id,
        "invoice": invoice["_id"],
        "store": store,
        "group": svc.catalog.create_group("Group A"),
    }
    store.close()


def _snapshot(store: Any) -> tuple[dict[str, int], list[Any]]:
    docs = {
        name: sorted(str(d) for d in store.iter_docs(name))
        for name in (
            "items",
            "invoices",
            "payments",
            "carts",
            "cartitems",
            "clients",
            "clientCustomers",
            "stockmovements",
            "itemgroups",
        )
    }
    return store.counts(), [docs]


ENTRY_POINTS: dict[str, Callable[[dict[str, Any], Any], Any]] = {
    "create_item.name": lambda w, x: w["svc"].catalog.create_item(name=x, price=1),
    "create_item.price": lambda w, x: w["svc"].catalog.create_item(name="Nut", price=x),
    "create_item.stock": lambda w, x: w["svc"].catalog.create_item(name="Nut", price=1, stock=x),
    "create_item.unit": lambda w, x: w["svc"].catalog.create_item(name="Nut", price=1, unit=x),
    "create_item.gst": lambda w, x: w["svc"].catalog.create_item(name="Nut", price=1, gst_rate=x),
    "create_item.hsn": lambda w, x: w["svc"].catalog.create_item(name="Nut", price=1, hsn_code=x),
    "create_item.group": lambda w, x: w["svc"].catalog.create_item(name="Nut", price=1, group_id=x),
    "create_item.low": lambda w, x: w["svc"].catalog.create_item(
        name="Nut", price=1, low_stock_quantity=x
    ),
    "update_item.price": lambda w, x: w["svc"].catalog.update_item(w["item"].id, price=x),
    "update_item.id": lambda w, x: w["svc"].catalog.update_item(x, price=5),
    "adjust_stock.new": lambda w, x: w["svc"].catalog.adjust_stock(w["item"].id, new_stock=x),
    "adjust_stock.delta": lambda w, x: w["svc"].catalog.adjust_stock(w["item"].id, delta=x),
    "create_group.name": lambda w, x: w["svc"].catalog.create_group(x),
    "customer.phone": lambda w, x: w["svc"].customers.create(x),
    "customer.name": lambda w, x: w["svc"].customers.create("9000000009", name=x),
    "customer.state": lambda w, x: w["svc"].customers.create("9000000009", state_code=x),
    "cart.add.item": lambda w, x: w["svc"].carts.add_item(w["cart"], x, 1),
    "cart.add.qty": lambda w, x: w["svc"].carts.add_item(w["cart"], "CARB", x),
    "cart.set_qty": lambda w, x: w["svc"].carts.set_quantity(w["cart"], w["line"], x),
    "cart.line_discount": lambda w, x: w["svc"].carts.set_line_discount(w["cart"], w["line"], x),
    "cart.bill_discount": lambda w, x: w["svc"].carts.set_bill_discount(w["cart"], x),
    "cart.customer": lambda w, x: w["svc"].carts.set_customer(w["cart"], x),
    "cart.id": lambda w, x: w["svc"].carts.view(x),
    "generate.paid": lambda w, x: w["svc"].invoices.generate(w["fresh"], paid_amount=x),
    "generate.method": lambda w, x: w["svc"].invoices.generate(w["fresh"], method=x),
    "generate.notes": lambda w, x: w["svc"].invoices.generate(
        w["fresh"], notes=x if not isinstance(x, str) else x * 50
    ),
    "pay.amount": lambda w, x: w["svc"].payments.record(w["invoice"], x),
    "pay.method": lambda w, x: w["svc"].payments.record(w["invoice"], 1, method=x),
    "pay.invoice": lambda w, x: w["svc"].payments.record(x, 1),
    "shop.settings": lambda w, x: w["svc"].shop.update_settings(
        w["svc"].client_id, defaultGstRate=x
    ),
    "shop.profile": lambda w, x: w["svc"].shop.update_profile(w["svc"].client_id, gstin=x),
}


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_malformed_input_is_refused_cleanly(world: dict[str, Any], entry: str) -> None:
    call = ENTRY_POINTS[entry]

    # (too_slow: on a busy machine making 40 junk values can take longer than hypothesis
    # likes; the test is about refusals, not speed)
    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(value=junk)
    def check(value: Any) -> None:
        if entry.startswith("generate."):
            # a valid value saves the bill, so each example gets a bill of its own; earlier
            # entries (adjust_stock.*) may have left the item out of stock
            world["svc"].catalog.adjust_stock(world["item"].id, new_stock=100000)
            fresh = world["svc"].carts.create()
            world["svc"].carts.add_item(fresh.cart_id, "CARB", 1)
            world["fresh"] = fresh.cart_id
        before = _snapshot(world["store"])
        outbox = world["store"].outbox_size()
        try:
            call(world, value)
        except ValidationError as err:
            assert err.field, f"{entry}: error without a field"
            assert err.message
            assert _snapshot(world["store"]) == before, f"{entry} changed the store"
            assert world["store"].outbox_size() == outbox
        # success is allowed when the random value happens to be valid

    check()
