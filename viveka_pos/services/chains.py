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
from ..domain.hashchain import verify_chain
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

    Each message names the shop only when there is more than one.
    """
    groups: dict[tuple[str, str], list[Mapping[str, Any]]] = defaultdict(list)
    for doc in invoices:
        series = _series_of(doc)
        if series is not None:
            groups[(str(doc.get("clientId")), series)].append(doc)
    shops = {client for client, _ in groups}
    problems: list[str] = []
    for client, series in sorted(groups):
        docs = sorted(groups[(client, series)], key=_order)
        found = verify_chain(docs)
        prefix = f"shop {client}: " if len(shops) > 1 else ""
        problems.extend(f"{prefix}series {series}: {text}" for text in found)
    return problems


def count_chained(invoices: Iterable[Mapping[str, Any]]) -> int:
    """How many of ``invoices`` belong to a hash chain."""
    return sum(1 for doc in invoices if _series_of(doc) is not None)
