"""Getting a large shop's data ready for the counter before the first customer.

The store decodes collections and builds indexes on first use. At a shop with years of
bills the first bill after start would wait for them (about 1.5 s for the payments' index
alone at 300k payments), so the app does that work in the background right after the
billing screen is up: ``prepare_for_billing`` on a worker thread. None of it holds up a bill
being saved for long: documents are decoded without the store's lock, and the reports'
ledger files them without it (each index build does hold it, about a second at most).
"""

from __future__ import annotations

from typing import Final

from ..store import Store
from .report_ledger import sales_ledger
from .report_stock import stock_book

#: Collections read first: billing and the status bar's sales need them.
BILLING_COLLECTIONS: Final = ["clientCustomers", "invoices", "payments"]

#: Indexes a bill uses that no unique key stands in for (items by code, customers by phone
#: and invoices by number are found through their unique keys, always kept).
BILLING_INDEXES: Final = {
    "payments": ["invoiceId"],  # re-deriving an invoice's paid amount
    "cartitems": ["cartId"],  # the lines of the bill on screen
}


#: Indexes a customer's history uses (the report reads invoices, the customer screen the
#: purchase history)
REPORT_INDEXES: Final = {"invoices": ["clientCustomerId"],
                         "purchasehistories": ["clientCustomerId"]}


def prepare_for_billing(store: Store) -> None:
    """Load every collection (billing's first), build billing's indexes, then what the
    reports read: the sales ledger (today's sales in the status bar read it at once) with
    every day's totals, the stock book and the reports' indexes."""
    store.preload(BILLING_COLLECTIONS)
    store.build_indexes(BILLING_INDEXES)
    ledger = sales_ledger(store)
    stock_book(store)
    store.build_indexes(REPORT_INDEXES)
    ledger.compute_every_day(store)
