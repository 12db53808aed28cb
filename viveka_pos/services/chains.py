"""The hash chains of a whole store (every shop, every series), from any documents.

:meth:`InvoiceService.verify` checks one shop of an open store. Backups and the health check
need the same answer for all shops, and for documents read straight out of a backup file
(which must not be opened as a store: opening writes to it), so this works on any iterable
of invoice (or credit note) documents, keeping a small entry per document, never the
documents. An open store's invoices are checked from the chain table the store keeps
(:func:`store_chain_report`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from itertools import groupby
from typing import TYPE_CHECKING, Any

from ..domain.hashchain import (
    INVOICES,
    ChainEntry,
    ChainKind,
    chain_entry,
    chain_order,
    series_of,
    verify_entries,
)

if TYPE_CHECKING:
    from ..store import Store


def chain_problems(invoices: Iterable[Mapping[str, Any]], kind: ChainKind = INVOICES) -> list[str]:
    """Problems in every hash chain; an empty list means every chain is intact.

    Each message names the shop only when there is more than one. ``kind``: invoices, or
    credit notes (``hashchain.CREDIT_NOTES``).
    """
    return chain_report(invoices, kind)[0]


def chain_report(
    invoices: Iterable[Mapping[str, Any]], kind: ChainKind = INVOICES, *, name_series: bool = True
) -> tuple[list[str], int]:
    """(problems, how many documents belong to a chain), in one pass over ``invoices``;
    messages start with their series unless ``name_series`` is false."""
    groups: dict[tuple[str, str], list[tuple[tuple[str, int, str], ChainEntry]]] = defaultdict(list)
    for doc in invoices:
        series = series_of(doc, kind)
        if series is not None:
            groups[(str(doc.get("clientId")), series)].append(
                (chain_order(doc, kind), chain_entry(doc, kind))
            )
    shops = {client for client, _ in groups}
    problems: list[str] = []
    chained = 0
    for client, series in sorted(groups):
        entries = groups.pop((client, series))
        chained += len(entries)
        entries.sort(key=lambda pair: pair[0])
        found = verify_entries((entry for _order, entry in entries), kind=kind)
        problems.extend(
            _prefix(client if len(shops) > 1 else None, series if name_series else None) + text
            for text in found
        )
    return problems, chained


def store_chain_report(
    store: Store, client_id: Any = None, *, name_series: bool = True
) -> tuple[list[str], int]:
    """(problems, invoices in a chain) of an open store's invoice chains (one shop's, or
    all), from the chain table the store keeps (``store.chains``): no invoice is hashed
    again unless its stored bytes changed, chains with nothing to report are cleared by
    one SQL pass, and the others are walked one entry at a time."""
    chains = store.chains
    fresh = chains.changed_outside()
    total, suspect = chains.suspect_chains(client_id)
    if not fresh and not suspect:
        return [], total
    several = client_id is None and len(chains.shops()) > 1
    problems: list[str] = []
    chained = 0
    # invoices edited outside the store: walk every chain (their rows cannot be trusted)
    only = None if fresh else suspect
    for (client, series), group in groupby(
        chains.entries(client_id, fresh, only), key=lambda placed: (placed[0], placed[1])
    ):
        counted = _Counted(entry for _client, _series, _place, entry in group)
        found = verify_entries(counted)
        chained += counted.count
        problems.extend(
            _prefix(client if several else None, series if name_series else None) + text
            for text in found
        )
    return problems, chained if only is None else total


def _prefix(shop: str | None, series: str | None) -> str:
    return (f"shop {shop}: " if shop is not None else "") + (
        f"series {series}: " if series is not None else ""
    )


class _Counted:
    """An iterator that counts what passes through it."""

    def __init__(self, items: Iterator[ChainEntry]):
        self._items = items
        self.count = 0

    def __iter__(self) -> _Counted:
        return self

    def __next__(self) -> ChainEntry:
        item = next(self._items)
        self.count += 1
        return item
