"""Items, groups, stock adjustments, customers and the settings that shape them."""

from __future__ import annotations

import pytest

from viveka_pos.domain.entities.shop import CustomerFields
from viveka_pos.domain.errors import ValidationError
from viveka_pos.services.facade import ShopServices
from viveka_pos.services.item_list import ItemListing, ItemView
from viveka_pos.services.shop import ShopService


def test_item_defaults_and_fields(svc: ShopServices) -> None:
    svc.shop.update_settings(svc.client_id, defaultGstRate=18)
    item = svc.catalog.create_item(name="  Spark plug ", price="185", code="SP1")
    assert item.name == "Spark plug" and item.price == 18500
    assert (item.stock, item.low_stock_quantity, item.unit, item.gst_rate) == (0, 5, "nos", 18)
    assert item.is_active is True and item.dealer_ids == () and item.description == ""
    stored = svc.ctx.store.get("items", item.id)
    assert stored is not None
    assert (stored["price"], stored["stock"], stored["lowStockQuantity"], stored["gstRate"]) == (
        185,
        0,
        5,
        18,
    )
    assert stored["isActive"] is True and stored["dealerIds"] == []
    item = svc.catalog.update_item(item.id, price="190.50", description="Iridium")
    assert item.price == 19050 and item.description == "Iridium"
    assert svc.ctx.store.get("items", item.id)["price"] == 190.5


def test_an_edit_names_fields_as_a_new_item_does(svc: ShopServices) -> None:
    item = svc.catalog.create_item(name="Spark plug", price=185, code="SP1")
    group = svc.catalog.create_group("Engine")
    edited = svc.catalog.update_item(
        item.id, gst_rate=5, hsn_code="8511", group_id=group.id, low_stock_quantity=2
    )
    assert (edited.gst_rate, edited.hsn_code, edited.group_id) == (5, "8511", group.id)
    assert edited.low_stock_quantity == 2
    with pytest.raises(ValidationError) as err:
        svc.catalog.update_item(item.id, gstRate=12)
    assert err.value.field == "gstRate" and "not an item field" in err.value.message
    with pytest.raises(ValidationError, match="deactivate"):
        svc.catalog.update_item(item.id, is_active=False)
    assert svc.catalog.item(item.id) == edited  # refused edits change nothing


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "X", "price": 10}, "name"),
        ({"name": "Nut", "price": -1}, "price"),
        ({"name": "Nut", "price": "1.005"}, "price"),
        ({"name": "Nut", "price": 1, "unit": "box"}, "unit"),
        ({"name": "Nut", "price": 1, "gst_rate": 15}, "gstRate"),
        ({"name": "Nut", "price": 1, "stock": -2}, "stock"),
        ({"name": "Nut", "price": 1, "description": "d" * 501}, "description"),
        ({"name": "Nut", "price": 1, "hsn_code": "12"}, "hsnCode"),
        ({"name": "Nut", "price": 1, "code": "A B"}, "code"),
    ],
)
def test_item_validation_names_the_field(svc: ShopServices, fields: dict, field: str) -> None:
    with pytest.raises(ValidationError) as err:
        svc.catalog.create_item(**fields)
    assert err.value.field == field
    assert svc.ctx.store.count("items") == 0


def test_item_code_unique_per_shop(svc: ShopServices) -> None:
    svc.catalog.create_item(name="Brake pad", price=420, code="8902001")
    with pytest.raises(ValidationError, match="already used by Brake pad"):
        svc.catalog.create_item(name="Other", price=1, code="8902001")
    other = svc.catalog.create_item(name="Other", price=1, code="X1")
    with pytest.raises(ValidationError, match="already used"):
        svc.catalog.update_item(other.id, code="8902001")
    assert svc.catalog.item(other.id).code == "X1"


def test_soft_delete_and_low_stock(svc: ShopServices) -> None:
    a = svc.catalog.create_item(name="Cable", price=145, code="C", stock=3)
    b = svc.catalog.create_item(name="Bulb", price=95, code="B", stock=150)
    svc.catalog.create_item(name="Fuse", price=5, code="F", stock=5)
    assert [d.name for d in svc.catalog.low_stock()] == ["Cable", "Fuse"]
    svc.catalog.set_active(a.id, False)
    assert svc.ctx.store.get("items", a.id) is not None  # never removed
    assert [d.name for d in svc.catalog.low_stock()] == ["Fuse"]  # inactive: not listed
    svc.catalog.adjust_stock(b.id, new_stock=4, note="count")  # falls to low: listed
    assert [d.name for d in svc.catalog.low_stock()] == ["Bulb", "Fuse"]
    svc.catalog.adjust_stock(b.id, new_stock=150, note="count")
    assert [d.name for d in svc.catalog.low_stock()] == ["Fuse"]
    listing = ItemListing(svc.scope)
    assert [d.name for d in listing.page(ItemView(), 0, 10)] == ["Bulb", "Fuse"]
    assert len(listing.page(ItemView(include_inactive=True), 0, 10)) == 3
    cart = svc.carts.create()
    with pytest.raises(ValidationError, match="no active item"):
        svc.carts.add_item(cart.cart_id, "C", 1)
    svc.catalog.adjust_stock(b.id, new_stock=140, note="stock count")
    svc.catalog.adjust_stock(b.id, delta="-5", note="damaged")
    assert svc.catalog.item(b.id).stock == 135
    with pytest.raises(ValidationError):
        svc.catalog.adjust_stock(b.id, delta="-500")
    with pytest.raises(ValidationError, match="stock adjustment"):
        svc.catalog.update_item(b.id, stock=1)


def test_groups(svc: ShopServices) -> None:
    engine = svc.catalog.create_group("Engine Parts", "All engine-related parts")
    with pytest.raises(ValidationError, match="already exists"):
        svc.catalog.create_group("engine parts")
    assert (engine.name, engine.description) == ("Engine Parts", "All engine-related parts")
    item = svc.catalog.create_item(name="Piston", price=1450, group_id=engine.id)
    with pytest.raises(ValidationError, match="still has 1 item"):
        svc.catalog.delete_group(engine.id)
    brakes = svc.catalog.create_group("Brake Parts")
    svc.catalog.update_item(item.id, group_id=brakes.id)
    svc.catalog.delete_group(engine.id)
    assert [g.name for g in svc.catalog.groups()] == ["Brake Parts"]
    assert svc.catalog.update_group(brakes.id, name="Brakes") == svc.catalog.group(brakes.id)
    assert svc.catalog.group_named("brakes").name == "Brakes"


def test_customer_phone_unique_and_optional_fields(svc: ShopServices, ctx) -> None:
    svc.customers.create("98911 12222", name="Bob Smith", email="bob@example.com")
    with pytest.raises(ValidationError, match="already exists"):
        svc.customers.create("+91 9891112222")
    with pytest.raises(ValidationError) as err:
        svc.customers.create("98911", name="Short")
    assert err.value.field == "phoneNumber"
    svc.shop.update_settings(
        svc.client_id, customerFields={"address": False, "gstNo": False, "emailId": False}
    )
    with pytest.raises(ValidationError, match="not collected by this shop") as err:
        svc.customers.create("9000000001", email="x@y.in")
    assert err.value.field == "emailId"
    assert svc.customers.enabled_fields() == CustomerFields(
        address=False, email_id=False, gst_no=False
    )
    found = svc.customers.search("9891")
    assert [c.name for c in found] == ["Bob Smith"]
    assert [c.phone_number for c in svc.customers.search("bob")] == ["9891112222"]


def test_shop_profile_rules(svc: ShopServices, ctx) -> None:
    shops = ShopService(ctx)
    with pytest.raises(ValidationError, match="cannot be changed"):
        shops.update_profile(svc.client_id, phoneNumber="9999999999")
    with pytest.raises(ValidationError, match="already registered"):
        shops.register(phone="9890000000", owner_name="Someone", business_name="Other Shop")
    shop = shops.update_profile(svc.client_id, gstin="27AAPFU0939F1ZV")
    assert shop.settings.state_code == "27"
    with pytest.raises(ValidationError) as err:
        shops.update_settings(svc.client_id, paperSize="a3")
    assert err.value.field == "paperSize"
