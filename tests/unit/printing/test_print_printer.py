"""Saving PDFs and handing them to the print service (Qt's own rendering needs QtPdf)."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from tests.unit.printing.documents import make_invoice, make_shop
from viveka_pos.printing import printer
from viveka_pos.printing.receipt_thermal import render_receipt


@pytest.fixture
def pdf() -> bytes:
    return render_receipt(make_invoice(), make_shop(), width_mm=58)


def test_save_pdf_writes_the_bytes_and_leaves_no_temporary_file(tmp_path, pdf):
    target = tmp_path / "A1-2526-00042.pdf"
    assert printer.save_pdf(pdf, target) == target
    assert target.read_bytes() == pdf
    assert [p.name for p in tmp_path.iterdir()] == [target.name]
    printer.save_pdf(b"%PDF-replaced", target)
    assert target.read_bytes() == b"%PDF-replaced"


def test_save_pdf_into_a_missing_folder_fails_loudly(tmp_path, pdf):
    with pytest.raises(OSError, match="missing: no such folder; nothing was written"):
        printer.save_pdf(pdf, tmp_path / "missing" / "x.pdf")
    assert list(tmp_path.iterdir()) == []


def test_lp_command():
    path = Path("/tmp/x.pdf")  # written as the platform writes paths ("\\tmp\\x.pdf" on Windows)
    assert printer.lp_command(path, "Counter-TVS", "a4") == [
        "lp",
        "-t",
        "Viveka POS",
        "-d",
        "Counter-TVS",
        "-o",
        "media=A4",
        str(path),
    ]
    assert printer.lp_command(path, "", "58mm") == ["lp", "-t", "Viveka POS", str(path)]


def test_bad_arguments_are_refused(pdf):
    with pytest.raises(ValueError, match="paper"):
        printer.print_pdf(pdf, paper="letter", show_dialog=False)
    with pytest.raises(printer.PrintError, match="not a PDF"):
        printer.print_pdf(b"hello", show_dialog=False)


@pytest.fixture
def fake_lp(tmp_path, monkeypatch):
    """An ``lp`` on PATH that records its arguments and a copy of the file it was given."""
    folder = tmp_path / "bin"
    folder.mkdir()
    record = tmp_path / "lp-args"
    script = folder / "lp"
    script.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\n" "$@" > "{record}"\n'
        "for last; do :; done\n"
        f'cp "$last" "{tmp_path}/printed.pdf"\n'
        'case "$*" in *Broken*) echo "lp: The printer or class does not exist." >&2; exit 1;; '
        "esac\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(printer, "_pdf_document_class", lambda: None)
    return record


@pytest.mark.skipif(sys.platform == "win32", reason="lp is the Linux/macOS print service")
def test_without_qt_pdf_the_job_goes_to_lp(fake_lp, tmp_path, pdf):
    result = printer.print_pdf(pdf, printer_name="Counter-TVS", paper="58mm", show_dialog=False)
    assert result == printer.PrintResult(printed=True, printer_name="Counter-TVS")
    args = fake_lp.read_text().splitlines()
    assert args[:5] == ["-t", "Viveka POS", "-d", "Counter-TVS", args[-1]]
    assert (tmp_path / "printed.pdf").read_bytes() == pdf
    assert not Path(args[-1]).exists()  # the temporary copy is gone


@pytest.mark.skipif(sys.platform == "win32", reason="lp is the Linux/macOS print service")
def test_lp_refusal_is_reported(fake_lp, pdf):
    with pytest.raises(printer.PrintError, match="does not exist"):
        printer.print_pdf(pdf, printer_name="Broken", show_dialog=False)


@pytest.mark.skipif(sys.platform == "win32", reason="lp is the Linux/macOS print service")
def test_no_print_service_at_all_is_explained(monkeypatch, tmp_path, pdf):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(printer, "_pdf_document_class", lambda: None)
    with pytest.raises(printer.PrintError, match=r"PySide6-Pdf .*'lp'"):
        printer.print_pdf(pdf, show_dialog=False)


def _answer_dialog(qtbot, answer):
    """Run ``answer(dialog)`` on the print dialog as soon as it is open."""
    from PySide6.QtCore import QTimer
    from PySide6.QtPrintSupport import QPrintDialog
    from PySide6.QtWidgets import QApplication

    seen = []

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QPrintDialog):
            seen.append(dialog)
            answer(dialog)
        else:
            QTimer.singleShot(20, poll)

    QTimer.singleShot(20, poll)
    return seen


windows_without_printer = sys.platform == "win32" and not printer.available_printers()


@pytest.mark.skipif(windows_without_printer, reason="Windows' print dialog needs a printer")
def test_cancelled_dialog_prints_nothing(qtbot, fake_lp, pdf):
    seen = _answer_dialog(qtbot, lambda dialog: dialog.reject())
    result = printer.print_pdf(pdf, paper="58mm")
    assert len(seen) == 1
    assert result.printed is False
    assert not fake_lp.exists()


@pytest.mark.skipif(not windows_without_printer, reason="a Windows PC with no printer installed")
@pytest.mark.parametrize("show_dialog", [True, False])
def test_no_printer_on_windows_is_explained(qtbot, pdf, show_dialog):
    # Qt's dialog used to return at once as if cancelled: the bill silently did not print.
    with pytest.raises(printer.PrintError, match="No printer is installed on this computer"):
        printer.print_pdf(pdf, paper="a4", show_dialog=show_dialog)


def _print_to_file(dialog, path: str) -> None:
    """What a user does in Qt's own (Linux) print dialog: pick "Print to File", type a name."""
    from PySide6.QtWidgets import QComboBox, QLineEdit

    printers = dialog.findChild(QComboBox, "printers")
    printers.setCurrentIndex(printers.findText("Print to File (PDF)"))
    dialog.findChild(QLineEdit, "filename").setText(path)
    dialog.accept()


qt_dialog = pytest.mark.skipif(sys.platform != "linux", reason="Qt's own print dialog (Linux)")


@qt_dialog
def test_print_to_file_from_the_dialog_saves_our_pdf(qtbot, fake_lp, tmp_path, pdf):
    target = tmp_path / "A1-2526-00042.pdf"
    _answer_dialog(qtbot, lambda dialog: _print_to_file(dialog, str(target)))
    assert printer.print_pdf(pdf, paper="a4").printed is True
    assert target.read_bytes() == pdf  # our PDF itself, not a re-rendering
    assert not fake_lp.exists()


@qt_dialog
def test_print_to_a_folder_asks_for_a_file_name(qtbot, fake_lp, tmp_path, pdf):
    _answer_dialog(qtbot, lambda dialog: _print_to_file(dialog, f"{tmp_path}/"))
    with pytest.raises(printer.PrintError, match="type a file name"):
        printer.print_pdf(pdf, paper="a4")


@pytest.mark.skipif(not printer.qt_pdf_available(), reason="needs QtPdf (PySide6-Pdf)")
@pytest.mark.parametrize("paper", ["a4", "58mm"])
def test_qt_draws_every_page_at_its_own_size(qtbot, tmp_path, paper):
    import io

    from pypdf import PdfReader
    from PySide6.QtPrintSupport import QPrinter

    from tests.unit.printing.documents import many_lines
    from viveka_pos.printing.invoice_a4 import render_invoice_a4

    source = (
        render_invoice_a4(make_invoice(many_lines(60)), make_shop())
        if paper == "a4"
        else render_receipt(make_invoice(), make_shop(), width_mm=58)
    )
    device = QPrinter(QPrinter.PrinterMode.HighResolution)
    device.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    device.setOutputFileName(str(tmp_path / "out.pdf"))
    document = printer._load(printer._pdf_document_class(), source)
    printer._set_paper(device, paper, printer._first_page_points(document))
    printer._paint_pages(document, device)
    expected = PdfReader(io.BytesIO(source)).pages
    drawn = PdfReader(tmp_path / "out.pdf").pages
    assert len(drawn) == len(expected) >= 1
    for mine, theirs in zip(drawn, expected, strict=True):
        assert float(mine.mediabox.width) == pytest.approx(float(theirs.mediabox.width), abs=1)
        assert float(mine.mediabox.height) == pytest.approx(float(theirs.mediabox.height), abs=1)
