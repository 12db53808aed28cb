"""Printing from the screens: render the PDF on a worker, print it on the UI thread.

The paper comes from this PC's setting (``paperSize``) or else the shop's; A4 gets the tax
invoice, 80/58 mm rolls the thermal receipt. When a printer was chosen in Settings the job
goes straight to it; otherwise the print dialog opens. If printing fails, the PDF can be
saved instead, so a bill is never lost for want of a printer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from ..domain.entities.credit_note import CreditNote
from ..domain.entities.invoice import Invoice
from ..services.facade import ShopServices
from .errors import show_error
from .workers import start_job

log = logging.getLogger("viveka_pos.ui.print")


def paper_for(services: ShopServices) -> str:
    chosen = services.device.current().paper_size or services.shop.settings().paper_size
    return chosen if chosen in ("a4", "80mm", "58mm") else "a4"


def render_invoice(
    invoice: dict[str, Any], shop: dict[str, Any], payments: list[dict[str, Any]], paper: str
) -> bytes:
    from ..printing.paper import invoice_on

    return invoice_on(paper, invoice, shop, payments)


def render_credit_note(note: dict[str, Any], shop: dict[str, Any], paper: str) -> bytes:
    from ..printing.paper import credit_note_on

    return credit_note_on(paper, note, shop)


def print_invoice(
    parent: QWidget,
    services: ShopServices,
    invoice: Invoice,
    *,
    ask: bool = False,
    on_finished: Callable[[str], None] | None = None,
) -> None:
    """Render and print one invoice; ``on_finished`` gets a line saying what happened."""
    document = services.invoices.document(invoice.id)
    payments = services.payments.documents_for_invoice(invoice.id)
    _print(
        parent,
        services,
        lambda shop, paper: render_invoice(document, shop, payments, paper),
        invoice.number,
        ask,
        on_finished,
    )


def print_credit_note(
    parent: QWidget,
    services: ShopServices,
    note: CreditNote,
    *,
    ask: bool = False,
    on_finished: Callable[[str], None] | None = None,
) -> None:
    """Render and print one credit note, like an invoice."""
    document = services.returns.document(note.id)
    _print(
        parent,
        services,
        lambda shop, paper: render_credit_note(document, shop, paper),
        note.number,
        ask,
        on_finished,
    )


def _print(
    parent: QWidget,
    services: ShopServices,
    render: Callable[[dict[str, Any], str], bytes],
    number: str,
    ask: bool,
    on_finished: Callable[[str], None] | None,
) -> None:
    paper = paper_for(services)
    shop = services.shop.document_for_print()

    def done(pdf: bytes) -> None:
        message = send_to_printer(
            parent,
            services,
            pdf,
            paper=paper,
            ask=ask,
            suggested_name=f"{number.replace('/', '-')}.pdf",
        )
        if on_finished is not None:
            on_finished(message)

    start_job(
        lambda _progress: render(shop, paper),
        on_done=done,
        on_failed=lambda exc: show_error(parent, exc, "Printing"),
    )


def send_to_printer(
    parent: QWidget,
    services: ShopServices,
    pdf: bytes,
    *,
    paper: str,
    ask: bool,
    suggested_name: str,
) -> str:
    from ..printing.printer import PrintError, print_pdf

    printer = services.device.current().printer_name
    try:
        result = print_pdf(
            pdf,
            parent,
            printer_name=printer or None,
            paper=paper,
            show_dialog=ask or not printer,
            document_name=suggested_name.removesuffix(".pdf"),
        )
    except PrintError as exc:
        log.warning("printing failed: %s", exc)
        return offer_save(parent, pdf, suggested_name, reason=str(exc))
    if not result.printed:
        return "Printing cancelled."
    if result.printer_name and result.printer_name != printer:
        services.device.update(printer_name=result.printer_name)
    return f"Sent to {result.printer_name or 'the printer'}."


def offer_save(parent: QWidget, pdf: bytes, suggested_name: str, *, reason: str) -> str:
    answer = QMessageBox.question(
        parent, "Could not print", f"{reason}\n\nSave the document as a PDF file instead?"
    )
    if answer != QMessageBox.StandardButton.Yes:
        return "Not printed."
    return save_pdf_as(parent, pdf, suggested_name)


def save_pdf_as(parent: QWidget, pdf: bytes, suggested_name: str) -> str:
    from ..printing.printer import save_pdf

    path, _ = QFileDialog.getSaveFileName(
        parent, "Save PDF", str(Path.home() / suggested_name), "PDF files (*.pdf)"
    )
    if not path:
        return "Not saved."
    try:
        save_pdf(pdf, path)
    except OSError as exc:
        show_error(parent, exc, "Saving PDF")
        return "Not saved."
    return f"Saved {path}."
