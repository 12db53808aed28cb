"""A registered shop with its services over a real store on a temp dir."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from viveka_pos.domain.clock import FixedClock
from viveka_pos.domain.entities.shop import Shop
from viveka_pos.services.context import ServiceContext
from viveka_pos.services.facade import ShopServices
from viveka_pos.services.shop import ShopService
from viveka_pos.store import Store

SHOP_GSTIN = "29ABCDE1234F1ZW"  # Karnataka (29), valid check character


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2025, 6, 16, 5, 0, tzinfo=UTC))  # 10:30 in India


@pytest.fixture
def ctx(store: Store, clock: FixedClock) -> ServiceContext:
    return ServiceContext(store=store, device_id="pc-test", clock=clock)


@pytest.fixture
def shop(ctx: ServiceContext) -> Shop:
    return ShopService(ctx).register(
        phone="9890000000",
        owner_name="Asha Kulkarni",
        business_name="Asha Auto Spares",
        shop_name="Asha Auto",
        city="Bengaluru",
        state="Karnataka",
        gstin=SHOP_GSTIN,
        settings={"customerFields": {"address": True, "gstNo": True, "emailId": True}},
    )


@pytest.fixture
def svc(ctx: ServiceContext, shop: Shop) -> ShopServices:
    return ShopServices(ctx, shop.id)
