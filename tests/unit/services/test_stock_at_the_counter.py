"""Out of stock is said when the line is added, and the shop's "allow selling beyond stock"
setting decides whether the line may stay."""

from __future__ import annotations

import pytest

from tests.fixtures.stored import stored
from viveka_pos.domain.errors import ValidationError
from viveka_pos.services.facade import ShopServices


@pytest.fixture
def items(svc: ShopServices) -> ShopServices:
    svc.catalog.create_item(name="Spark plug", price=185, code="PLUG", stock=3)
    svc.catalog.create_item(name="Horn 12V", price=540, code="HORN", stock=0)
    return svc


def allow_beyond_stock(svc: ShopServices, allowed: bool) -> None:
    svc.shop.update_settings(svc.client_id, allowNegativeStock=allowed)


def test_out_of_stock_is_refused_when_added(items: ShopServices) -> None:
    svc = items
    cart = svc.carts.create()
    with pytest.raises(ValidationError) as err:
        svc.carts.add_item(cart.cart_id, "HORN")
    assert err.value.field == "stock"
    assert err.value.message.startswith("Horn 12V is out of stock — not added.")
    assert "allow selling beyond stock in Settings → Billing" in err.value.message
    assert svc.carts.view(cart.cart_id).is_empty


def test_beyond_stock_is_refused_when_the_quantity_grows(items: ShopServices) -> None:
    svc = items
    cart = svc.carts.create()
    view = svc.carts.add_item(cart.cart_id, "PLUG", 3)
    assert view.warning == ""
    with pytest.raises(ValidationError, match=r"only 3 nos in stock, the bill has 4"):
        svc.carts.add_item(cart.cart_id, "PLUG")
    line = view.lines[0].id
    with pytest.raises(ValidationError, match="the bill has 5"):
        svc.carts.set_quantity(cart.cart_id, line, 5)
    with pytest.raises(ValidationError, match="the bill has 4"):
        svc.carts.change_quantity(cart.cart_id, line, 1)
    assert svc.carts.view(cart.cart_id).lines[0].quantity == 3


def test_allowed_beyond_stock_adds_the_line_with_a_warning(items: ShopServices) -> None:
    svc = items
    allow_beyond_stock(svc, True)
    cart = svc.carts.create()
    view = svc.carts.add_item(cart.cart_id, "HORN")
    assert view.warning == ("Horn 12V is out of stock — selling beyond stock (allowed in Settings)")
    view = svc.carts.add_item(cart.cart_id, "PLUG", 4)
    assert view.warning.startswith("Spark plug: only 3 nos in stock, the bill has 4")
    invoice = stored(svc, svc.invoices.generate(cart.cart_id))
    assert invoice["isFinalized"] is True
    assert svc.catalog.item_by_code("HORN").stock == -1


def test_lowering_an_over_stock_line_is_never_refused(items: ShopServices) -> None:
    svc = items
    allow_beyond_stock(svc, True)
    cart = svc.carts.create()
    view = svc.carts.add_item(cart.cart_id, "PLUG", 6)
    allow_beyond_stock(svc, False)  # the owner changes their mind
    view = svc.carts.change_quantity(cart.cart_id, view.lines[0].id, -1)
    assert view.warning == (
        "Spark plug: only 3 nos in stock, the bill has 5 — lower the "
        "quantity or remove the line to save the bill"
    )
    view = svc.carts.set_quantity(cart.cart_id, view.lines[0].id, 3)
    assert view.warning == ""
