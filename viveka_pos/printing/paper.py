"""An invoice or a credit note on the shop's paper: A4 gets the full-page document, an 80 or
58 mm roll the thermal receipt. The one place that turns a paper name into a renderer."""

from __future__ import annotations

from typing import Any

from viveka_pos.printing.invoice_a4 import render_credit_note_a4, render_invoice_a4
from viveka_pos.printing.receipt_thermal import render_credit_note_receipt, render_receipt

PAPERS = ("a4", "80mm", "58mm")


def paper_of(shop: dict[str, Any], chosen: str | None = None) -> str:
    """``chosen`` when given, else the shop's paper size, else A4."""
    return chosen or (shop.get("clientSettings") or {}).get("paperSize") or "a4"


def _roll_width(paper: str) -> int:
    if paper not in PAPERS:
        raise ValueError(f"paper must be one of {', '.join(PAPERS)}, not {paper!r}")
    return int(paper.removesuffix("mm"))


def invoice_on(
    paper: str,
    invoice: dict[str, Any],
    shop: dict[str, Any],
    payments: list[dict[str, Any]] | None = None,
    *,
    copy: str | None = "original",
) -> bytes:
    if paper == "a4":
        return render_invoice_a4(invoice, shop, payments, copy=copy)
    return render_receipt(invoice, shop, payments, _roll_width(paper), copy=copy)


def credit_note_on(
    paper: str, note: dict[str, Any], shop: dict[str, Any], *, copy: str | None = "original"
) -> bytes:
    if paper == "a4":
        return render_credit_note_a4(note, shop, copy=copy)
    return render_credit_note_receipt(note, shop, _roll_width(paper), copy=copy)
