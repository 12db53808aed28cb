"""All of one shop's services, built once (by app.py or the CLI) and handed around."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from .carts import CartService
from .catalog import CatalogService
from .context import ServiceContext, ShopScope
from .customers import CustomerService
from .dealers import DealerService
from .device import DeviceSettings
from .invoices import InvoiceService
from .payments import PaymentService
from .reports import ReportService
from .search import ItemSearchIndex
from .shop import ShopService


class ShopServices:
    def __init__(self, ctx: ServiceContext, client_id: Any):
        self.ctx = ctx
        self.scope = ShopScope(ctx, client_id)
        self.shop = ShopService(ctx)
        self.device = DeviceSettings(ctx.store)
        self.catalog = CatalogService(self.scope)
        self.customers = CustomerService(self.scope)
        self.carts = CartService(self.scope)
        self.invoices = InvoiceService(self.scope)
        self.payments = PaymentService(self.scope)
        self.dealers = DealerService(self.scope)
        self.reports = ReportService(self.scope)

    @property
    def client_id(self) -> Any:
        return self.scope.client_id

    @cached_property
    def search(self) -> ItemSearchIndex:
        """Built on first use: it reads every item once, then follows each commit."""
        return ItemSearchIndex(self.ctx.store, self.scope.client_id)
