"""The services' rules that sync applies to what it pulls (:class:`~viveka_pos.sync.local.
LocalRules`): given to the sync engine by whoever builds it."""

from __future__ import annotations

from typing import Any, Final

from ..store import Store
from .payments import recompute_invoice
from .stock import recompute_item_stock


class ShopRules:
    """Derived values as the services keep them (payments, stock)."""

    def recompute_invoice(self, store: Store, invoice_id: Any) -> bool:
        return recompute_invoice(store, invoice_id)

    def recompute_item_stock(self, store: Store, item_id: Any) -> bool:
        return recompute_item_stock(store, item_id)


SHOP_RULES: Final = ShopRules()
