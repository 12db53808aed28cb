"""Payments against invoices, as the UI and the CLI read them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..money import Paise
from ..stored import paise_of


@dataclass(frozen=True, slots=True)
class Payment:
    """One payment taken on an invoice (append-only; ``paidAmount`` is their sum).

    ``credit_note_id`` is set when the payment is a credit note's value set against the
    invoice's dues rather than money received.
    """

    id: Any
    invoice_id: Any
    amount: Paise
    method: str
    note: str
    paid_at: datetime | None
    credit_note_id: Any = None


def payment_from_stored(doc: Mapping[str, Any]) -> Payment:
    return Payment(
        id=doc.get("_id"),
        invoice_id=doc.get("invoiceId"),
        amount=paise_of(doc.get("amount")),
        method=str(doc.get("method") or "cash"),
        note=str(doc.get("note") or ""),
        paid_at=doc.get("paidAt"),
        credit_note_id=doc.get("creditNoteId"),
    )
