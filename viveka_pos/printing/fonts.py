"""The bundled DejaVu fonts, registered once with ReportLab.

ReportLab's built-in PDF fonts (Helvetica ...) have no rupee sign, and system fonts differ
from PC to PC, so every document uses the DejaVu Sans files shipped in ``resources/fonts``.
"""

from __future__ import annotations

import threading
from typing import Literal

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from ..resources import BOLD, REGULAR, font_file  # the faces' names live with their files

_lock = threading.Lock()
_registered = False


class FontsMissingError(RuntimeError):
    """The bundled font files are not where the application expects them."""


def register_fonts() -> None:
    """Register the bundled fonts with ReportLab; later calls do nothing.

    Also maps the family so that ``<b>`` (and ``<i>``, drawn upright) inside a Paragraph
    picks the bundled faces instead of falling back to a built-in font without ₹.
    """
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        for name in (REGULAR, BOLD):
            path = font_file(name)
            if not path.is_file():
                raise FontsMissingError(
                    f"The font file {path} is missing; reinstall Viveka POS to restore it."
                )
            pdfmetrics.registerFont(TTFont(name, str(path)))
        # Italic entries first: the last mapping of a face decides how it reads back, and
        # REGULAR/BOLD must read back as upright regular/bold.
        faces: tuple[tuple[Literal[0, 1], Literal[0, 1], str], ...] = (
            (0, 1, REGULAR),
            (1, 1, BOLD),
            (0, 0, REGULAR),
            (1, 0, BOLD),
        )
        for bold, italic, face in faces:
            addMapping(REGULAR, bold, italic, face)
        _registered = True


def text_width(text: str, *, bold: bool = False, size: float) -> float:
    """Width in points of ``text`` set in the bundled font at ``size``."""
    register_fonts()
    return pdfmetrics.stringWidth(text, BOLD if bold else REGULAR, size)
