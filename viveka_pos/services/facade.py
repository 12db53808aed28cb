"""All of one shop's services, built once (by app.py or the CLI) and handed around."""

from __future__ import annotations

from bson import ObjectId

from .carts import CartService
from .catalog import CatalogService
from .context import ServiceContext, ShopScope
from .customers import CustomerService
from .dealers import DealerService
from .device import DeviceSettings
from .gstr1 import Gstr1Service
from .invoices import InvoiceService
from .payments import PaymentService
from .reports import ReportService
from .returns import ReturnService
from .search import ItemSearchIndex
from .shop import ShopService


class ShopServices:
    def __init__(self, ctx: ServiceContext, client_id: ObjectId):
        self.ctx = ctx
        self.scope = ShopScope(ctx, client_id)
        self.shop = ShopService(ctx, self.scope.client_id)
        self.device = DeviceSettings(ctx.store)
        self.catalog = CatalogService(self.scope)
        self.customers = CustomerService(self.scope)
        self.carts = CartService(self.scope)
        self.invoices = InvoiceService(self.scope)
        self.payments = PaymentService(self.scope)
        self.returns = ReturnService(self.scope)
        self.gstr1 = Gstr1Service(self.scope)
        self._search: ItemSearchIndex | None = None
        self.dealers = DealerService(self.scope)
        self.reports = ReportService(self.scope)

    @property
    def client_id(self) -> ObjectId:
        return self.scope.client_id

    @property
    def search(self) -> ItemSearchIndex:
        """Item search (the store keeps its tables current: nothing to build)."""
        if self._search is None:
            self._search = ItemSearchIndex(self.ctx.store, self.scope.client_id)
        return self._search
