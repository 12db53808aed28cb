"""What sync asks of the layers above it: the local values derived from other documents.

After a pull, an invoice's ``paidAmount``/``isFinalized`` follow from all its payments (and a
finalized invoice makes its purchase history), an item's ``stock`` from its movements. Those
rules belong to the services (payments, stock), which sync must not import; the composition
root (the app, the CLI, the join) hands them to the engine as a :class:`LocalRules`.
"""

from __future__ import annotations

from typing import Any, Protocol

from ..store import Store


class LocalRules(Protocol):
    def recompute_invoice(self, store: Store, invoice_id: Any) -> bool:
        """Re-derive one invoice from its payments (own unit of work); True when changed."""
        ...

    def recompute_item_stock(self, store: Store, item_id: Any) -> bool:
        """Set an item's stock to the sum of its movements; True when changed."""
        ...
