"""PDF documents: the A4 tax invoice, thermal receipts, dealer purchase orders and reports.

Every renderer takes stored documents (rupee amounts, as in docs/design/documents.md) and
returns PDF bytes, byte-identical for the same input. Nothing here imports Qt except
``printing.printer``, which sends the bytes to a printer; import it only from the UI.
"""

from viveka_pos.printing.dealer_order import render_dealer_order
from viveka_pos.printing.invoice_a4 import render_invoice_a4
from viveka_pos.printing.receipt_thermal import render_receipt
from viveka_pos.printing.report_pdf import Column, ReportTable, render_report

__all__ = [
    "Column",
    "ReportTable",
    "render_dealer_order",
    "render_invoice_a4",
    "render_receipt",
    "render_report",
]
