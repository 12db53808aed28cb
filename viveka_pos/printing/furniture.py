"""Page furniture of the A4 documents: the footer with "Page X of Y" and the running head."""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from viveka_pos.printing.fonts import BOLD, REGULAR, text_width
from viveka_pos.printing.paging import Margins
from viveka_pos.printing.styles import HAIRLINE, INK, MUTED
from viveka_pos.printing.text import fit

CONTINUED = "Continued on next page"
_SIZE = 7.5


def draw_footer(
    canvas: Canvas,
    page: int,
    count: int,
    *,
    pagesize: tuple[float, float],
    margins: Margins,
    label: str,
) -> None:
    """A rule, ``label`` on the left, "Continued on next page" while pages follow, and
    "Page X of Y" on the right, all inside the bottom margin."""
    page_width = pagesize[0]
    left, right = margins.left, page_width - margins.right
    y = margins.bottom - 9 * mm
    canvas.setStrokeColor(HAIRLINE)
    canvas.setLineWidth(0.5)
    canvas.line(left, y + 3.5 * mm, right, y + 3.5 * mm)
    canvas.setFillColor(MUTED)
    canvas.setFont(REGULAR, _SIZE)
    canvas.drawRightString(right, y, f"Page {page} of {count}")
    room = (right - left - text_width(CONTINUED, size=_SIZE, bold=True)) / 2 - 4 * mm
    canvas.drawString(left, y, fit(label, room, size=_SIZE))
    if page < count:
        canvas.setFillColor(INK)
        canvas.setFont(BOLD, _SIZE)
        canvas.drawCentredString(page_width / 2, y, CONTINUED)


def draw_running_head(
    canvas: Canvas, *, pagesize: tuple[float, float], margins: Margins, heading: str, note: str = ""
) -> None:
    """``heading`` (bold, left) and ``note`` (right) inside the top margin."""
    page_width, page_height = pagesize
    left, right = margins.left, page_width - margins.right
    y = page_height - margins.top + 5 * mm
    heading = fit(heading, (right - left) * 0.6, size=_SIZE, bold=True)
    canvas.setFillColor(INK)
    canvas.setFont(BOLD, _SIZE)
    canvas.drawString(left, y, heading)
    if note:
        room = right - left - text_width(heading, size=_SIZE, bold=True) - 6 * mm
        canvas.setFillColor(MUTED)
        canvas.setFont(REGULAR, _SIZE)
        canvas.drawRightString(right, y, fit(note, room, size=_SIZE))


@dataclass(frozen=True, slots=True)
class ContinuedPages:
    """The furniture of a document: footer on every page, running head from page 2 on."""

    pagesize: tuple[float, float]
    margins: Margins
    label: str
    note: str = ""

    def __call__(self, canvas: Canvas, page: int, count: int) -> None:
        draw_footer(
            canvas, page, count, pagesize=self.pagesize, margins=self.margins, label=self.label
        )
        if page > 1:
            draw_running_head(
                canvas,
                pagesize=self.pagesize,
                margins=self.margins,
                heading=f"{self.label} (continued)",
                note=self.note,
            )
