"""What only Windows does: the data folder's place, the print verb, replacing an open file.

These run in the Windows lane (installer/windows/lane/test.sh) and are skipped elsewhere.
The data folder's lock is tested on every platform by tests/unit/store/test_open_lock_ttl.py.
"""

from __future__ import annotations

import contextlib
import os
import sys
import textwrap
from pathlib import Path

import pytest

from tests.fixtures.waiting import wait_for
from viveka_pos import config
from viveka_pos.printing import printer

pytestmark = pytest.mark.skipif(sys.platform != "win32", reason="Windows only")

ROOT = Path(__file__).resolve().parents[2]


def same_path(a: Path | str, b: Path | str) -> bool:
    return os.path.normcase(os.path.normpath(a)) == os.path.normcase(os.path.normpath(b))


def test_data_folder_is_under_local_app_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(config.DATA_DIR_ENV, raising=False)
    expected = Path(os.environ["LOCALAPPDATA"]) / "Viveka" / "VivekaPOS"
    assert same_path(config.resolve_data_dir(), expected)
    # The installer tells the shop where its data stays when the program is removed.
    iss = (ROOT / "installer" / "windows" / "viveka-pos.iss").read_text(encoding="utf-8")
    assert r"%LOCALAPPDATA%\Viveka\VivekaPOS" in iss


def test_saving_over_a_pdf_open_in_another_program(tmp_path: Path) -> None:
    target = tmp_path / "A1-2526-00042.pdf"
    target.write_bytes(b"%PDF-first copy")
    # A viewer showing it: Windows will not replace it meanwhile.
    with target.open("rb"), pytest.raises(OSError, match="open in another program"):
        printer.save_pdf(b"%PDF-second copy", target)
    assert target.read_bytes() == b"%PDF-first copy"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no half-written copy
    printer.save_pdf(b"%PDF-second copy", target)  # closed: replaced
    assert target.read_bytes() == b"%PDF-second copy"


@pytest.fixture
def pdf_application(tmp_path: Path):
    """A PDF application registered with Windows: its "print" verb runs a script that copies
    the document it was given into ``printed/``. (Registered in HKEY_CLASSES_ROOT, which
    needs administrator rights, as the lane's Wine user has.)"""
    import winreg

    printed = tmp_path / "printed"
    printed.mkdir()
    script = tmp_path / "pdf_app.py"
    part, done = printed / "job.part", printed / "job.pdf"
    script.write_text(
        textwrap.dedent(f"""
        import os, shutil, sys
        shutil.copyfile(sys.argv[1], {str(part)!r})
        os.replace({str(part)!r}, {str(done)!r})
    """),
        encoding="utf-8",
    )
    root, prog_id = winreg.HKEY_CLASSES_ROOT, "VivekaPOS.TestPdfApplication"
    previous = None
    with contextlib.suppress(OSError):  # no PDF application yet
        previous = winreg.QueryValue(root, ".pdf")
    winreg.SetValue(root, ".pdf", winreg.REG_SZ, prog_id)
    winreg.SetValue(
        root,
        rf"{prog_id}\shell\print\command",
        winreg.REG_SZ,
        f'"{sys.executable}" "{script}" "%1"',
    )
    try:
        yield done
    finally:
        for key in (r"\shell\print\command", r"\shell\print", r"\shell", ""):
            winreg.DeleteKey(root, prog_id + key)
        if previous:
            winreg.SetValue(root, ".pdf", winreg.REG_SZ, previous)
        else:
            winreg.DeleteKey(root, ".pdf")


def test_the_print_verb_hands_the_pdf_to_the_registered_application(pdf_application: Path) -> None:
    document = b"%PDF-1.4 a bill\n%%EOF\n"
    result = printer._print_on_windows(document, "")
    assert result.printed is True
    wait_for(pdf_application.exists, 90, what="the PDF handed to the application")
    assert pdf_application.read_bytes() == document
