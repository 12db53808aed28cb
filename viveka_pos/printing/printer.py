"""Printing, saving and opening PDFs from the desktop app — the only Qt code of ``printing``.

Pages are drawn on the chosen printer with Qt's PDF renderer (``PySide6.QtPdf``) when it is
installed; it is not part of PySide6-Essentials but of the small PySide6-Pdf wheel (PySide6
6.12). Without it the PDF is
handed to the operating system's print service: ``lp`` (CUPS) on Linux and macOS, the
registered PDF application's "print" verb on Windows.

Nothing is remembered here: :func:`print_pdf` returns the printer that was used and the
caller stores it as the shop's preference.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRectF, QSize, QSizeF
from PySide6.QtGui import QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrinterInfo
from PySide6.QtWidgets import QDialog, QWidget

from ..files import write_file

PAPERS = ("a4", "80mm", "58mm")
_RENDER_DPI = 300  # ample for laser and thermal heads; printer DPI (1200) would need GBs
_JOB_NAME = "Viveka POS"


NO_PRINTER_ON_WINDOWS = (
    "No printer is installed on this computer. Add your printer in Windows Settings "
    "(Printers & scanners), then print again."
)


class PrintError(RuntimeError):
    """The document could not be sent to the printer; the message says why."""


@dataclass(frozen=True, slots=True)
class PrintResult:
    """Whether a job was sent, and to which printer (store it to preselect it next time)."""

    printed: bool
    printer_name: str


def qt_pdf_available() -> bool:
    """True when Qt can render PDF pages itself (PySide6-Pdf installed)."""
    return _pdf_document_class() is not None


def _pdf_document_class() -> Any:
    try:
        from PySide6.QtPdf import QPdfDocument
    except ImportError:
        return None
    return QPdfDocument


def available_printers() -> list[str]:
    """Names of the printers the system knows about (needs a running QGuiApplication)."""
    return list(QPrinterInfo.availablePrinterNames())


def default_printer() -> str:
    return QPrinterInfo.defaultPrinterName()


def print_pdf(
    pdf_bytes: bytes,
    parent: QWidget | None = None,
    *,
    printer_name: str | None = None,
    paper: str = "a4",
    show_dialog: bool = True,
    document_name: str = "",
) -> PrintResult:
    """Print a PDF made by this package; ``paper`` is ``"a4"``, ``"80mm"`` or ``"58mm"``.

    With ``show_dialog`` the print dialog opens on ``printer_name`` (or the system default)
    and a cancel returns ``PrintResult(False, …)``. Without it the job goes straight to
    ``printer_name``, or to the default printer when that is empty. ``document_name`` names
    the job (and the file the dialog's "Print to file" proposes): fit for a file name.
    Raises :class:`PrintError` when the document cannot be printed.
    """
    if paper not in PAPERS:
        raise ValueError(f"paper must be one of {', '.join(PAPERS)}, not {paper!r}")
    if not pdf_bytes.startswith(b"%PDF"):
        raise PrintError("The document to print is not a PDF.")
    if sys.platform == "win32" and not available_printers():
        # Windows' print dialog cannot open without a printer (Qt returns at once, as if
        # cancelled) and the PDF application's print verb has nowhere to send the job.
        raise PrintError(NO_PRINTER_ON_WINDOWS)
    document_class = _pdf_document_class()
    if not show_dialog and document_class is None:
        return _print_with_os(pdf_bytes, printer_name or "", paper)

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    if printer_name:
        printer.setPrinterName(printer_name)
        if not show_dialog and printer.printerName() != printer_name:
            raise PrintError(f"The printer '{printer_name}' was not found; choose another one.")
    # The print dialog's "Print to file" proposes this name (with .pdf): the invoice number.
    printer.setDocName(document_name or _JOB_NAME)
    document = _load(document_class, pdf_bytes) if document_class is not None else None
    _set_paper(printer, paper, _first_page_points(document))
    if show_dialog:
        dialog = QPrintDialog(printer, parent)
        dialog.setWindowTitle("Print")
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return PrintResult(False, printer.printerName())
    chosen = printer.printerName()
    target = printer.outputFileName()
    if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat and target:
        # "Print to file": our own PDF is the best copy there can be.
        if target.endswith(("/", os.sep)) or Path(target).is_dir():
            raise PrintError("To print to a file, type a file name such as invoice.pdf.")
        try:
            save_pdf(pdf_bytes, target)
        except OSError as exc:
            raise PrintError(f"Could not write {target}: {exc.strerror or exc}") from exc
        return PrintResult(True, chosen)
    if document is None:
        return _print_with_os(pdf_bytes, chosen, paper)
    _paint_pages(document, printer)
    return PrintResult(True, chosen)


def _load(document_class: Any, pdf_bytes: bytes) -> Any:
    document = document_class()
    buffer = QBuffer(document)  # owned by the document, which reads it while printing
    buffer.setData(QByteArray(pdf_bytes))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document.load(buffer)
    if document.pageCount() < 1:
        raise PrintError(f"The document could not be read for printing ({document.error()}).")
    return document


def _first_page_points(document: Any) -> QSizeF | None:
    return document.pagePointSize(0) if document is not None else None


def _set_paper(printer: QPrinter, paper: str, page_points: QSizeF | None) -> None:
    """A4, or a roll exactly as wide and as long as the (single) page.

    The documents keep their own margins, so pages are printed edge to edge at 1:1.
    """
    if paper == "a4":
        printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    else:
        width_mm = float(paper.removesuffix("mm"))
        height_mm = page_points.height() * 25.4 / 72 if page_points else 297.0
        printer.setPageSize(
            QPageSize(
                QSizeF(width_mm, height_mm),
                QPageSize.Unit.Millimeter,
                f"Roll {paper}",
                QPageSize.SizeMatchPolicy.ExactMatch,
            )
        )
    printer.setPageOrientation(QPageLayout.Orientation.Portrait)
    printer.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)
    printer.setFullPage(True)


def _paint_pages(document: Any, printer: QPrinter) -> None:
    painter = QPainter()
    if not painter.begin(printer):
        raise PrintError(f"Could not start printing on {printer.printerName() or 'the printer'}.")
    try:
        for index in range(document.pageCount()):
            if index and not printer.newPage():
                raise PrintError("The printer refused a new page.")
            points = document.pagePointSize(index)
            image = document.render(
                index,
                QSize(
                    round(points.width() * _RENDER_DPI / 72),
                    round(points.height() * _RENDER_DPI / 72),
                ),
            )
            target = printer.paperRect(QPrinter.Unit.DevicePixel)
            dpi = printer.resolution()
            width, height = points.width() * dpi / 72, points.height() * dpi / 72
            scale = min(target.width() / width, target.height() / height, 1.0)
            painter.drawImage(QRectF(target.x(), target.y(), width * scale, height * scale), image)
    finally:
        painter.end()


def lp_command(path: Path, printer_name: str, paper: str) -> list[str]:
    """The CUPS ``lp`` command line for a PDF file."""
    command = ["lp", "-t", _JOB_NAME]
    if printer_name:
        command += ["-d", printer_name]
    if paper == "a4":
        command += ["-o", "media=A4"]
    return [*command, str(path)]


def _print_with_os(pdf_bytes: bytes, printer_name: str, paper: str) -> PrintResult:
    if sys.platform == "win32":
        return _print_on_windows(pdf_bytes, printer_name)
    lp = shutil.which("lp")
    if lp is None:
        raise PrintError(
            "No way to print was found: install the PySide6-Pdf package (Qt PDF) or the "
            "CUPS client ('lp'), or save the PDF and print it from a PDF viewer."
        )
    with tempfile.TemporaryDirectory(prefix="viveka-print-") as folder:
        path = Path(folder) / "document.pdf"
        path.write_bytes(pdf_bytes)
        command = lp_command(path, printer_name, paper)
        command[0] = lp
        try:
            # lp has sent the whole file to the print server when it returns.
            done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PrintError(f"The print service did not respond: {exc}") from exc
    if done.returncode != 0:
        reason = (done.stderr or done.stdout).strip() or f"lp exited with {done.returncode}"
        raise PrintError(f"The print service refused the job: {reason}")
    return PrintResult(True, printer_name)


def _print_on_windows(pdf_bytes: bytes, printer_name: str) -> PrintResult:
    """Hand the file to the PDF application registered with Windows.

    "printto" sends it to a named printer where the application supports that verb; else
    "print" uses the default printer. The file stays in the temp folder: the application
    reads it after this returns.
    """
    startfile = getattr(os, "startfile", None)
    if startfile is None:
        raise PrintError("Printing through Windows is not available here.")
    handle, name = tempfile.mkstemp(prefix="viveka-print-", suffix=".pdf")
    with os.fdopen(handle, "wb") as file:
        file.write(pdf_bytes)
    try:
        if printer_name:
            try:
                startfile(name, "printto", f'"{printer_name}"')
                return PrintResult(True, printer_name)
            except OSError:
                pass  # no "printto" verb: fall back to the default printer
        startfile(name, "print")
    except OSError as exc:
        raise PrintError(
            "Windows has no application that can print PDF files. Install a PDF reader, "
            f"or save the PDF and print it from there ({exc})."
        ) from exc
    return PrintResult(True, default_printer())


def save_pdf(pdf_bytes: bytes, path: str | os.PathLike[str], *, example: str = "") -> Path:
    """Write the PDF to ``path`` atomically: a crash never leaves half a file behind, a link
    is written through (see :mod:`viveka_pos.files`). Raises ``OutputFileError`` (an
    ``OSError``) in one line naming the path; ``example`` is a file name to suggest when
    ``path`` is a folder."""
    return write_file(path, pdf_bytes, example=example)
