"""Building a platypus document into reproducible PDF bytes, with "Page X of Y" decoration.

The page count is known only after the last page is laid out, so the canvas keeps every
finished page aside and draws the page furniture (page numbers, continued markers, running
headers) on all of them when the document is saved.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from reportlab.lib.utils import TimeStamp
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

from viveka_pos.printing.fonts import register_fonts

PageDecorator = Callable[[Canvas, int, int], None]
"""Draws on one page: ``decorate(canvas, page_number, page_count)``."""

CREATOR = "Viveka POS"


def pin_creation_date(canvas: Canvas, created: Any) -> None:
    """Date the PDF (its CreationDate and ModDate) at ``created``, the moment the document
    is of (an invoice: when it was generated; a datetime or its ISO text), else now.

    The canvas is made with ``invariant=1`` for its fixed document id; ReportLab would then
    date every PDF 1 Jan 2000. A datetime without a zone is UTC, as the store keeps them.
    """
    if isinstance(created, str):  # as JSON carries them: 2025-07-14T06:30:00Z
        try:
            created = datetime.fromisoformat(created)
        except ValueError:
            created = None
    moment = created if isinstance(created, datetime) else datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    stamp = TimeStamp(invariant=1)  # the UTC form ReportLab writes; then our moment in it
    stamp.t = moment.timestamp()
    stamp.lt = moment.utctimetuple()
    stamp.YMDhms = tuple(stamp.lt)[:6]
    # ReportLab keeps the creation date on its private document object (no public setter).
    canvas._doc._timeStamp = stamp  # type: ignore[attr-defined]


class _CountingCanvas(Canvas):
    """A canvas that finishes its pages only at ``save``, when the page count is known."""

    def __init__(
        self, *args: Any, decorate: PageDecorator, created: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        pin_creation_date(self, created)
        self._decorate = decorate
        self._pending: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pending.append(dict(self.__dict__))
        self._startPage()  # type: ignore[attr-defined]  # Canvas's own page reset, private

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
    """PDF metadata; fixed text and a given date, so that a re-render is byte-identical."""

    title: str
    subject: str = ""
    author: str = ""
    #: the PDF's creation date, a datetime (see pin_creation_date); else: when rendered
    created: Any = None


def build_pdf(
    story: Sequence[Flowable],
    *,
    pagesize: tuple[float, float],
    margins: Margins,
    info: DocumentInfo,
    decorate: PageDecorator,
) -> bytes:
    """Lay out ``story`` and return the PDF.

    ``invariant=1`` pins the document id that ReportLab would otherwise take from the clock,
    and the creation date is ``info.created``, so the same input gives the same bytes.
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
    doc.build(
        list(story), canvasmaker=partial(_CountingCanvas, decorate=decorate, created=info.created)
    )
    return buffer.getvalue()


def frame_width(pagesize: tuple[float, float], margins: Margins) -> float:
    """The width the story is laid out in."""
    return pagesize[0] - margins.left - margins.right
