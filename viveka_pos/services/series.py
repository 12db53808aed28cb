"""Numbered, hash-chained document series: invoices and credit notes.

Each device numbers its own series per financial year (``A/2627/00042``, credit notes
``CN-A/2627/00007``) and chains every document to the one before it in the series (see
``domain/hashchain``). Both kinds are numbered and sealed here, in the caller's unit of work.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..domain.hashchain import GENESIS_HASH, invoice_hash
from ..domain.numbering import (
    check_invoice_number,
    format_credit_note_number,
    format_invoice_number,
)


@dataclass(frozen=True)
class SeriesKind:
    collection: str
    number_field: str
    counter: str  # counters "_id" prefix of the next sequence: "<counter>:<series>:<fy>"
    chain: str  # counters "_id" prefix of the chain's last hash: "<chain>:<series>"
    format: Callable[[str, str, int], str]


INVOICE_SERIES = SeriesKind("invoices", "invoiceNumber", "invoice", "chain", format_invoice_number)
CREDIT_NOTE_SERIES = SeriesKind(
    "creditnotes", "creditNoteNumber", "creditnote", "creditnote-chain", format_credit_note_number
)


@dataclass(frozen=True)
class Slot:
    """The next place in a series: sequence, number, and the hash it links to."""

    series: str
    financial_year: str
    sequence: int
    number: str
    prev_hash: str


def issued_fields(series: str, fy: str, seq: int, now: Any, device_id: str) -> dict[str, Any]:
    """When, on which device and where in its series a numbered document was made."""
    return {
        "generatedAt": now,
        "updatedAt": now,
        "deviceId": device_id,
        "series": series,
        "financialYear": fy,
        "sequence": seq,
    }


def next_slot(db: Any, client_id: Any, kind: SeriesKind, series: str, fy: str) -> Slot:
    """Reserve nothing, just read: the number the next document of the series gets.

    A number is never reused, even if the counter was lost (a restore of an older backup
    while documents made later came back by sync): numbers already taken are skipped.
    """
    counter = db.counters.find_one({"_id": f"{kind.counter}:{series}:{fy}"}) or {}
    seq = int(counter.get("next", 1))
    while db[kind.collection].find_one(
        {"clientId": client_id, kind.number_field: kind.format(series, fy, seq)}
    ):
        seq += 1
    number = check_invoice_number(kind.format(series, fy, seq))
    chain = db.counters.find_one({"_id": f"{kind.chain}:{series}"}) or {}
    return Slot(series, fy, seq, number, chain.get("lastHash") or GENESIS_HASH)


def seal_and_insert(db: Any, kind: SeriesKind, slot: Slot, doc: dict[str, Any]) -> None:
    """Chain ``doc`` (complete but for ``prevHash``/``hash``) into its series and save it."""
    doc["prevHash"] = slot.prev_hash
    doc["hash"] = invoice_hash(doc, slot.prev_hash)
    db[kind.collection].insert_one(doc)
    counter_id = f"{kind.counter}:{slot.series}:{slot.financial_year}"
    db.counters.replace_one(
        {"_id": counter_id}, {"_id": counter_id, "next": slot.sequence + 1}, upsert=True
    )
    chain_id = f"{kind.chain}:{slot.series}"
    db.counters.replace_one(
        {"_id": chain_id},
        {"_id": chain_id, "lastHash": doc["hash"], "lastNumber": slot.number},
        upsert=True,
    )
