"""Text helpers shared by the documents: markup escaping, number display, measured wrapping."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from xml.sax.saxutils import escape

from viveka_pos.printing.fonts import text_width


def esc(value: object) -> str:
    """Plain text made safe for a ReportLab Paragraph (which parses a small XML markup)."""
    return escape("" if value is None else str(value))


def multiline(value: object) -> str:
    """Escaped text whose line breaks survive inside a Paragraph."""
    return "<br/>".join(esc(line) for line in str(value or "").splitlines())


def format_number(value: object) -> str:
    """A quantity or a tax rate without float noise or needless zeros: 2, 1.5, 0.125."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if number == number.to_integral_value():
        return str(number.quantize(Decimal(1)))
    return format(number.normalize(), "f")


def wrap(text: str, width: float, *, size: float, bold: bool = False) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` points.

    Breaks at spaces; a single word longer than the line (a long code, a URL) is cut between
    characters, so nothing ever runs past the edge. An empty text gives one empty line.
    """
    lines: list[str] = []
    for paragraph in str(text).splitlines() or [""]:
        current = ""
        for word in paragraph.split():
            candidate = f"{current} {word}" if current else word
            if text_width(candidate, size=size, bold=bold) <= width:
                current = candidate
                continue
            if current:
                lines.append(current)
            current = ""
            while text_width(word, size=size, bold=bold) > width:
                cut = _longest_prefix(word, width, size=size, bold=bold)
                lines.append(word[:cut])
                word = word[cut:]
            current = word
        lines.append(current)
    return lines


def _longest_prefix(word: str, width: float, *, size: float, bold: bool) -> int:
    cut = 1
    while cut < len(word) and text_width(word[: cut + 1], size=size, bold=bold) <= width:
        cut += 1
    return cut


def fit(text: str, width: float, *, size: float, bold: bool = False) -> str:
    """``text`` shortened with an ellipsis so that it fits in ``width`` points."""
    if text_width(text, size=size, bold=bold) <= width:
        return text
    while text and text_width(text + "…", size=size, bold=bold) > width:
        text = text[:-1]
    return text.rstrip() + "…"
