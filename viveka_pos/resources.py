"""Where the files shipped in ``resources/`` are (fonts, stylesheet, icons): the one place
both the screens and the PDFs find them."""

from __future__ import annotations

import sys
from pathlib import Path

#: the bundled DejaVu Sans faces (they have the rupee sign), by the names the PDFs use
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
#: each face -> its file in ``fonts/``
FONT_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}


def resources_dir() -> Path:
    """The ``resources`` folder: inside a PyInstaller bundle, else at the checkout root."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[1] / "resources"


def font_file(face: str) -> Path:
    """The file of one of :data:`FONT_FILES`' faces."""
    return resources_dir() / "fonts" / FONT_FILES[face]
