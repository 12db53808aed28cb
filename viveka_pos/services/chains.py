"""The invoice hash chains of a whole store (every shop, every series), from any documents.

:meth:`InvoiceService.verify` checks one shop of an open store. Backups and the health check
need the same answer for all shops, and for documents read straight out of a backup file
(which must not be opened as a store: opening writes to it), so this works on any iterable
of invoice documents.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from ..domain.errors import ValidationError
from ..domain.hashchain import ChainEntry, chain_entry, verify_entries
from ..domain.numbering import parse_invoice_number


def _series_of(doc: Mapping[str, Any]) -> str | None:
    series = doc.get("series")
    if isinstance(series, str) and series:
        return series
    if not doc.get("hash"):
        return None  # not made by this program (e.g. the old backend's numbers): no chain
    try:
        return parse_invoice_number(doc.get("invoiceNumber")).series
    except ValidationError:
        return "?"


def _order(doc: Mapping[str, Any]) -> tuple[str, int, str]:
    fy, seq = doc.get("financialYear"), doc.get("sequence")
    if not isinstance(fy, str) or not isinstance(seq, int):
        try:
            parts = parse_invoice_number(doc.get("invoiceNumber"))
            fy, seq = parts.financial_year, parts.sequence
        except ValidationError:
            fy, seq = "", 0
    return fy, seq, str(doc.get("invoiceNumber", ""))


def chain_problems(invoices: Iterable[Mapping[str, Any]]) -> list[str]:
    """Problems in every hash chain; an empty list means every chain is intact.

    Reads ``invoices`` once, keeping a small entry per invoice (``ChainEntry``), never the
    documents: a stream of years of invoices is checked in little memory. Each message
    names the shop only when there is more than one.
    """
    return chain_report(invoices)[0]


def chain_report(invoices: Iterable[Mapping[str, Any]], *, name_series: bool = True
                 ) -> tuple[list[str], int]:
    """(problems, how many invoices belong to a chain), in one pass over ``invoices``;
    messages start with their series unless ``name_series`` is false."""
    groups: dict[tuple[str, str], list[tuple[tuple[str, int, str], ChainEntry]]] = \
        defaultdict(list)
    for doc in invoices:
        series = _series_of(doc)
        if series is not None:
            groups[(str(doc.get("clientId")), series)].append((_order(doc), chain_entry(doc)))
    shops = {client for client, _ in groups}
    problems: list[str] = []
    chained = 0
    for client, series in sorted(groups):
        entries = groups.pop((client, series))
        chained += len(entries)
        entries.sort(key=lambda pair: pair[0])
        found = verify_entries(entry for _order_key, entry in entries)
        prefix = f"shop {client}: " if len(shops) > 1 else ""
        if name_series:
            prefix += f"series {series}: "
        problems.extend(prefix + text for text in found)
    return problems, chained


def count_chained(invoices: Iterable[Mapping[str, Any]]) -> int:
    """How many of ``invoices`` belong to a hash chain."""
    return sum(1 for doc in invoices if _series_of(doc) is not None)
