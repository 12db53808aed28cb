"""Building a platypus document into reproducible PDF bytes, with "Page X of Y" decoration.

The page count is known only after the last page is laid out, so the canvas keeps every
finished page aside and draws the page furniture (page numbers, continued markers, running
headers) on all of them when the document is saved.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

from viveka_pos.printing.fonts import register_fonts

PageDecorator = Callable[[Canvas, int, int], None]
"""Draws on one page: ``decorate(canvas, page_number, page_count)``."""

CREATOR = "Viveka POS"


class _CountingCanvas(Canvas):
    """A canvas that finishes its pages only at ``save``, when the page count is known."""

    def __init__(self, *args: Any, decorate: PageDecorator, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._decorate = decorate
        self._pending: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pending.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        count = len(self._pending)
        for number, state in enumerate(self._pending, 1):
            self.__dict__.update(state)
            self.saveState()
            self._decorate(self, number, count)
            self.restoreState()
            super().showPage()
        super().save()


@dataclass(frozen=True, slots=True)
class Margins:
    left: float
    right: float
    top: float
    bottom: float


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """PDF metadata; fixed text only, so that a re-render is byte-identical."""

    title: str
    subject: str = ""
    author: str = ""


def build_pdf(
    story: Sequence[Flowable],
    *,
    pagesize: tuple[float, float],
    margins: Margins,
    info: DocumentInfo,
    decorate: PageDecorator,
) -> bytes:
    """Lay out ``story`` and return the PDF.

    ``invariant=1`` pins the creation date and the document id that ReportLab would
    otherwise take from the clock, so the same input gives the same bytes.
    """
    register_fonts()
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=margins.left,
        rightMargin=margins.right,
        topMargin=margins.top,
        bottomMargin=margins.bottom,
        title=info.title,
        subject=info.subject,
        author=info.author,
        creator=CREATOR,
        producer=CREATOR,
        invariant=1,
    )
    width, height = pagesize
    body = Frame(
        margins.left,
        margins.bottom,
        width - margins.left - margins.right,
        height - margins.top - margins.bottom,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )
    doc.addPageTemplates([PageTemplate(id="page", frames=[body])])
    doc.build(list(story), canvasmaker=partial(_CountingCanvas, decorate=decorate))
    return buffer.getvalue()


def frame_width(pagesize: tuple[float, float], margins: Margins) -> float:
    """The width the story is laid out in."""
    return pagesize[0] - margins.left - margins.right
