"""The derived tables every store keeps in step with its documents (engine.Projection)."""

from __future__ import annotations

from .chain_ledger import InvoiceChains
from .customer_search import CustomerSearch
from .engine import Projection
from .item_list import ItemList
from .item_search import ItemSearch
from .ledger import ReportLedger


def default_projections() -> list[Projection]:
    """Report ledgers, item and customer search, the item list and invoice chains: written
    in the same transaction as the documents."""
    return [ReportLedger(), ItemSearch(), CustomerSearch(), ItemList(), InvoiceChains()]
