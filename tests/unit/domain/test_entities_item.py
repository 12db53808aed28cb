"""Items and item groups as the services hand them out, built from stored documents."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from decimal import Decimal

import pytest
from bson import ObjectId

from viveka_pos.domain.entities.item import (
    Item,
    ItemGroup,
    item_from_stored,
    item_group_from_stored,
)

SHOP = ObjectId("507f1f77bcf86cd799439011")
GROUP = ObjectId("507f1f77bcf86cd799439013")
ITEM = ObjectId("507f1f77bcf86cd799439020")
DEALERS = [ObjectId("507f1f77bcf86cd799439090"), ObjectId("507f1f77bcf86cd799439091")]
WHEN = datetime(2025, 1, 12, 10, 0)


def test_a_spec_shaped_item() -> None:
    """The spec's example item, with the fields this app adds (code, GST rate, HSN)."""
    item = item_from_stored(
        {
            "_id": ITEM,
            "clientId": SHOP,
            "groupId": GROUP,
            "name": "Carburetor",
            "price": 2500,
            "dealerIds": DEALERS,
            "stock": 50,
            "lowStockQuantity": 5,
            "unit": "nos",
            "description": "Standard carburetor for 150cc engines",
            "isActive": True,
            "code": "8901001",
            "gstRate": 28,
            "hsnCode": "84099199",
            "createdAt": WHEN,
            "updatedAt": WHEN,
            "deviceId": "pc-1",
        }
    )
    assert item == Item(
        id=ITEM,
        name="Carburetor",
        code="8901001",
        price=250000,
        unit="nos",
        gst_rate=28,
        hsn_code="84099199",
        group_id=GROUP,
        stock=Decimal(50),
        low_stock_quantity=Decimal(5),
        description="Standard carburetor for 150cc engines",
        dealer_ids=tuple(DEALERS),
        is_active=True,
    )
    assert not item.is_low_on_stock and not item.is_out_of_stock


def test_an_item_without_its_optional_fields_gets_the_spec_defaults() -> None:
    item = item_from_stored({"_id": ITEM, "clientId": SHOP, "name": "Nut", "price": 2})
    assert (item.code, item.unit, item.gst_rate, item.hsn_code, item.description) == (
        "",
        "nos",
        0,
        "",
        "",
    )
    assert (item.group_id, item.dealer_ids, item.is_active) == (None, (), True)
    assert (item.stock, item.low_stock_quantity, item.price) == (0, 5, 200)
    assert item.is_out_of_stock and item.is_low_on_stock


def test_an_item_written_by_the_spec_backend() -> None:
    """Mongoose stores numbers as doubles, adds ``__v`` and knows nothing of sync fields,
    codes or GST; a null group and an explicit zero low-stock level are its own values."""
    item = item_from_stored(
        {
            "_id": ITEM,
            "clientId": SHOP,
            "groupId": None,
            "name": "Copper wire 1.5 sq mm",
            "price": 28.5,
            "dealerIds": [],
            "stock": 500.5,
            "lowStockQuantity": 0.0,
            "unit": "meter",
            "description": "",
            "isActive": False,
            "gstRate": 18.0,
            "createdAt": WHEN,
            "updatedAt": WHEN,
            "__v": 0,
        }
    )
    assert (item.price, item.stock, item.low_stock_quantity) == (2850, Decimal("500.5"), 0)
    assert type(item.gst_rate) is int and item.gst_rate == 18  # shown as "18%", not "18.0%"
    assert (item.unit, item.code, item.group_id, item.is_active) == ("meter", "", None, False)
    assert not item.is_low_on_stock


def test_fractional_rates_and_quantities_stay_exact() -> None:
    item = item_from_stored(
        {"_id": ITEM, "name": "Gold pin", "price": 0.1, "gstRate": 0.25, "stock": 2.675}
    )
    assert (item.price, item.gst_rate, item.stock) == (10, Decimal("0.25"), Decimal("2.675"))


def test_groups() -> None:
    spec = item_group_from_stored(
        {
            "_id": GROUP,
            "clientId": SHOP,
            "name": "Engine Parts",
            "description": "All engine-related spare parts",
            "createdAt": WHEN,
            "updatedAt": WHEN,
            "__v": 0,
        }
    )
    assert spec == ItemGroup(GROUP, "Engine Parts", "All engine-related spare parts")
    bare = item_group_from_stored({"_id": GROUP, "clientId": SHOP, "name": "Brakes"})
    assert bare.description == ""


def test_views_cannot_be_edited_in_place() -> None:
    item = item_from_stored({"_id": ITEM, "name": "Nut", "price": 2})
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.price = 1  # type: ignore[misc]
    assert not hasattr(item, "__dict__")  # slots: a search page of them stays small
