"""All of one shop's services, built once (by app.py or the CLI) and handed around."""

from __future__ import annotations

from typing import Any

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
        self.returns = ReturnService(self.scope)
        self.gstr1 = Gstr1Service(self.scope)
        self._search: ItemSearchIndex | None = None
        self.dealers = DealerService(self.scope)
        self.reports = ReportService(self.scope)

    @property
    def client_id(self) -> Any:
        return self.scope.client_id

    @property
    def search(self) -> ItemSearchIndex:
        """The item search index, built on first use (see :meth:`build_search`)."""
        return self._search or self.build_search()

    @property
    def search_is_ready(self) -> bool:
        """Whether the item search index has been built (see :meth:`build_search`)."""
        return self._search is not None

    def build_search(self) -> ItemSearchIndex:
        """Build the item search index once; safe from any thread.

        It reads every item, then follows each commit. The store's read lock is held while
        it reads, so no commit slips between the read and the following; no other lock is
        taken (two locks in opposite orders on two threads could deadlock).
        """
        with self.ctx.store.read_lock():
            if self._search is None:
                self._search = ItemSearchIndex(self.ctx.store, self.scope.client_id)
            return self._search
