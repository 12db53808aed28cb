"""What an invoice's payments make of it: its ``paidAmount`` and ``isFinalized``.

One rule for every place that derives them (a payment taken here, a pull that brought
payments from elsewhere, the health check that compares them).
"""

from __future__ import annotations

from typing import Any

from .stored import paise_of, rupees


def payment_changes(invoice: dict[str, Any], paid: int) -> dict[str, Any]:
    """The fields that bring ``invoice`` in line with its payments (``paid``: their sum in
    paise); empty when it already agrees.

    A cancelled invoice is finalized: nothing is due on it. A stored amount equal in value
    but not in type (rupees kept as text, or a float) is written again as the type the app
    stores."""
    finalized = paid >= paise_of(invoice.get("totalAmount")) or bool(invoice.get("isCancelled"))
    changes: dict[str, Any] = {}
    stored = invoice.get("paidAmount")
    if paise_of(stored) != paid or type(stored) is not type(rupees(paid)):
        changes["paidAmount"] = rupees(paid)
    if bool(invoice.get("isFinalized")) != finalized:
        changes["isFinalized"] = finalized
    return changes
