"""The demo shop is realistic and internally consistent."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from viveka_pos.services.context import ServiceContext
from viveka_pos.services.convert import paise_of, quantity_of
from viveka_pos.services.demo import DEMO_PHONE, create_demo_shop
from viveka_pos.services.device import DeviceSettings
from viveka_pos.services.facade import ShopServices


def test_demo_shop_is_consistent(ctx: ServiceContext) -> None:
    shop = create_demo_shop(ctx)
    assert shop.phone_number == DEMO_PHONE and shop.settings.state_code == "29"
    assert DeviceSettings(ctx.store).get("otpMode") == "mock"
    assert create_demo_shop(ctx).id == shop.id  # a second click changes nothing
    store = ctx.store
    svc = ShopServices(ctx, shop.id)
    assert store.count("items") >= 20 and store.count("invoices") >= 10
    assert store.count("dealers") == 3 and store.count("dealerorders") == 2
    assert svc.invoices.verify() == []
    moved: dict = defaultdict(Decimal)
    for movement in store.iter_docs("stockmovements"):
        moved[movement["itemId"]] += quantity_of(movement["quantity"])
    for item in store.iter_docs("items"):
        assert quantity_of(item["stock"]) == moved[item["_id"]] >= 0
    paid: dict = defaultdict(int)
    for payment in store.iter_docs("payments"):
        paid[payment["invoiceId"]] += paise_of(payment["amount"])
    for invoice in store.iter_docs("invoices"):
        assert paise_of(invoice["paidAmount"]) == paid[invoice["_id"]]
        assert invoice["isFinalized"] == (paid[invoice["_id"]] >= paise_of(invoice["totalAmount"]))


def test_empty_demo_shop(ctx: ServiceContext) -> None:
    create_demo_shop(ctx, empty=True)
    assert ctx.store.count("clients") == 1 and ctx.store.count("items") == 0
