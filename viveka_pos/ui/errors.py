"""Errors in words: what a user can fix is said plainly; the unexpected is logged, not shown.

``show_error`` is for failures a user caused (a :class:`ValidationError`, a locked or full
disk, a printer that refused). :func:`install_excepthook` catches everything else that
reaches the event loop: the traceback goes to the log file and the screen shows a short
apology instead.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from ..domain.errors import ValidationError
from ..domain.money import MoneyError
from ..store import StoreError

log = logging.getLogger("viveka_pos.ui")

#: the spec's field names as a shopkeeper reads them
FIELD_LABELS: dict[str, str] = {
    "phoneNumber": "Phone number",
    "phone": "Phone number",
    "name": "Name",
    "ownerName": "Owner name",
    "businessName": "Business name",
    "shopName": "Shop name",
    "location": "Address",
    "address": "Address",
    "city": "City",
    "state": "State",
    "stateCode": "State",
    "gstin": "GSTIN",
    "gstNo": "GSTIN",
    "emailId": "Email",
    "email": "Email",
    "price": "Price",
    "code": "Code / barcode",
    "unit": "Unit",
    "gstRate": "GST rate",
    "defaultGstRate": "Default GST rate",
    "hsnCode": "HSN code",
    "groupId": "Group",
    "group": "Group",
    "lowStockQuantity": "Low-stock level",
    "description": "Description",
    "stock": "Stock",
    "quantity": "Quantity",
    "discount": "Discount",
    "paidAmount": "Amount paid",
    "amount": "Amount",
    "method": "Payment method",
    "note": "Note",
    "notes": "Notes",
    "invoicePrefix": "Invoice series",
    "cartId": "Bill",
    "lineId": "Bill line",
    "itemId": "Item",
    "invoiceId": "Invoice",
    "invoiceNumber": "Invoice",
    "invoiceDate": "Invoice date",
    "invoiceLine": "Invoice line",
    "itemCode": "Item code",
    "creditNoteNumber": "Credit note",
    "refundAmount": "Refund",
    "refundMethod": "Refund method",
    "refund": "Refund",
    "cancelReason": "Reason for cancelling",
    "month": "Month",
    "clientCustomerId": "Customer",
    "upiId": "UPI id",
    "termsText": "Terms",
    "paperSize": "Paper size",
    "label": "Bill name",
    "dealerId": "Dealer",
    "contactPerson": "Contact person",
    "dueDate": "Due date",
    "totalAmount": "Bill amount",
    "status": "Status",
    "isActive": "Status",
    "reason": "Reason",
}


def field_label(field: str) -> str:
    return FIELD_LABELS.get(field, field[:1].upper() + field[1:] if field else "Value")


def user_message(exc: BaseException) -> str:
    """The words to show for a failure a user can act on."""
    if isinstance(exc, ValidationError):
        return f"{field_label(exc.field)}: {exc.message}"
    if isinstance(exc, MoneyError):
        return f"Amount: {exc}"
    if isinstance(exc, StoreError | OSError):
        return str(exc) or exc.__class__.__name__
    return str(exc) or exc.__class__.__name__


def is_user_error(exc: BaseException) -> bool:
    """Failures explained by :func:`user_message`; anything else is a bug to log."""
    from ..printing.printer import PrintError

    return isinstance(exc, ValidationError | MoneyError | StoreError | OSError | PrintError)


def show_error(parent: QWidget | None, exc: BaseException, title: str = "Please check") -> None:
    """A message box for a user error, or the apology (and a log entry) for a bug."""
    if not is_user_error(exc):
        report_unexpected(type(exc), exc, exc.__traceback__)
        return
    QMessageBox.warning(parent, title, user_message(exc))


# ------------------------------------------------------------------ unexpected errors
APOLOGY = (
    "Sorry — something went wrong inside Viveka POS.\n\n"
    "Your saved bills and stock are safe: every change is written to disk before it is "
    "shown. Please try again; if it keeps happening, send the log file to support."
)

_log_file: Path | None = None
_showing = threading.Lock()


def set_log_file(path: Path | None) -> None:
    global _log_file
    _log_file = path


def report_unexpected(
    kind: type[BaseException], value: BaseException, tb: TracebackType | None
) -> None:
    """Log the traceback; on the UI thread, also show a short apology (never the trace)."""
    log.error("Unexpected error:\n%s", "".join(traceback.format_exception(kind, value, tb)))
    app = QApplication.instance()
    if app is None or QThread.currentThread() is not app.thread():
        return
    if not _showing.acquire(blocking=False):
        return  # one apology at a time, even if the dialog's own event loop errs again
    try:
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Viveka POS",
            APOLOGY,
            QMessageBox.StandardButton.Ok,
            QApplication.activeWindow(),
        )
        if _log_file is not None:
            box.setInformativeText(f"Log file: {_log_file}")
        box.exec()
    finally:
        _showing.release()


def install_excepthook() -> Callable[..., None]:
    """Route uncaught exceptions (also those raised in slots) to :func:`report_unexpected`.

    Returns the previous hook.
    """
    previous = sys.excepthook

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            previous(kind, value, tb)
            return
        report_unexpected(kind, value, tb)

    sys.excepthook = hook

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            report_unexpected(args.exc_type, args.exc_value, args.exc_traceback)

    threading.excepthook = thread_hook
    return previous
