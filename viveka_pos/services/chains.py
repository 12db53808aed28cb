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
from ..domain.hashchain import INVOICES, ChainKind, verify_chain


def _series_of(doc: Mapping[str, Any], kind: ChainKind = INVOICES) -> str | None:
    series = doc.get("series")
    if isinstance(series, str) and series:
        return series
    if not doc.get("hash"):
        return None  # not made by this program (e.g. the old backend's numbers): no chain
    try:
        return str(kind.parse(doc.get(kind.number_field)).series)
    except ValidationError:
        return "?"


def _order(doc: Mapping[str, Any], kind: ChainKind) -> tuple[str, int, str]:
    fy, seq = doc.get("financialYear"), doc.get("sequence")
    if not isinstance(fy, str) or not isinstance(seq, int):
        try:
            parts = kind.parse(doc.get(kind.number_field))
            fy, seq = parts.financial_year, parts.sequence
        except ValidationError:
            fy, seq = "", 0
    return fy, seq, str(doc.get(kind.number_field, ""))


def chain_problems(invoices: Iterable[Mapping[str, Any]],
                   kind: ChainKind = INVOICES) -> list[str]:
    """Problems in every hash chain; an empty list means every chain is intact.

    Each message names the shop only when there is more than one. ``kind``: invoices, or
    credit notes (``hashchain.CREDIT_NOTES``).
    """
    groups: dict[tuple[str, str], list[Mapping[str, Any]]] = defaultdict(list)
    for doc in invoices:
        series = _series_of(doc, kind)
        if series is not None:
            groups[(str(doc.get("clientId")), series)].append(doc)
    shops = {client for client, _ in groups}
    problems: list[str] = []
    for client, series in sorted(groups):
        docs = sorted(groups[(client, series)], key=lambda doc: _order(doc, kind))
        found = verify_chain(docs, kind=kind)
        prefix = f"shop {client}: " if len(shops) > 1 else ""
        problems.extend(f"{prefix}series {series}: {text}" for text in found)
    return problems


def count_chained(invoices: Iterable[Mapping[str, Any]], kind: ChainKind = INVOICES) -> int:
    """How many of ``invoices`` (or credit notes) belong to a hash chain."""
    return sum(1 for doc in invoices if _series_of(doc, kind) is not None)
