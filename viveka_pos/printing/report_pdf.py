"""Any tabular report (sales, GST, stock, dues ...) as a paged PDF.

Callers format the cells; this module only lays them out: portrait A4 for up to seven
columns, landscape beyond, the column header repeated on every page, and every page headed
with the shop name, the report title and its period.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import LongTable, Paragraph

from viveka_pos.printing.fonts import BOLD, REGULAR, text_width
from viveka_pos.printing.furniture import draw_footer
from viveka_pos.printing.paging import DocumentInfo, Margins, build_pdf, frame_width
from viveka_pos.printing.shop import ShopView
from viveka_pos.printing.styles import INK, MUTED, RULE, styles
from viveka_pos.printing.tables import ruled_style, text_cell
from viveka_pos.printing.text import esc, fit

PORTRAIT_MAX_COLUMNS = 7
MARGINS = Margins(left=12 * mm, right=12 * mm, top=24 * mm, bottom=16 * mm)
NO_ROWS = "Nothing to show for this period."


@dataclass(frozen=True, slots=True)
class Column:
    """A report column: ``width`` is a weight, shared out of the page width."""

    name: str
    align: Literal["left", "right"] = "left"
    width: float = 1.0


@dataclass(slots=True)
class ReportTable:
    """A report ready to print; every cell is already formatted text."""

    title: str
    subtitle: str
    columns: list[Column]
    rows: list[list[str]]
    totals: list[str] | None = None

    def check(self) -> None:
        """Refuse a report whose rows do not match its columns (a caller's bug)."""
        if not self.columns:
            raise ValueError("a report needs at least one column")
        if any(column.width <= 0 for column in self.columns):
            raise ValueError("column widths must be positive weights")
        expected = len(self.columns)
        for number, row in enumerate(self.rows, 1):
            if len(row) != expected:
                raise ValueError(f"row {number} has {len(row)} cells, expected {expected}")
        if self.totals is not None and len(self.totals) != expected:
            raise ValueError(f"the totals row has {len(self.totals)} cells, expected {expected}")


def page_size(report: ReportTable) -> tuple[float, float]:
    return landscape(A4) if len(report.columns) > PORTRAIT_MAX_COLUMNS else A4


def render_report(report: ReportTable, shop: dict[str, Any], *, created: Any = None) -> bytes:
    """The report as PDF bytes, dated ``created`` (default: now); the same report of the
    same moment always gives the same bytes."""
    report.check()
    shop_view = ShopView.from_document(shop)
    pagesize = page_size(report)
    table = _table(report, frame_width(pagesize, MARGINS), 7.5 if pagesize == A4 else 7.0)
    return build_pdf(
        [table],
        pagesize=pagesize,
        margins=MARGINS,
        info=DocumentInfo(
            title=report.title, subject=report.subtitle, author=shop_view.name, created=created
        ),
        decorate=_Heading(pagesize, shop_view.name, report.title, report.subtitle),
    )


def _table(report: ReportTable, width: float, size: float) -> LongTable:
    s = styles(size)
    weight = sum(column.width for column in report.columns)
    widths = [width * column.width / weight for column in report.columns]
    right = [n for n, column in enumerate(report.columns) if column.align == "right"]

    def cell(text: str, col: int, bold: bool = False) -> str | Paragraph:
        if bold:
            style = s.head_right if col in right else s.head
        else:
            style = s.cell_right if col in right else s.cell
        return text_cell(text, widths[col], style)

    data: list[list[Any]] = [
        [cell(column.name, n, bold=True) for n, column in enumerate(report.columns)]
    ]
    data += [[cell(text, col) for col, text in enumerate(row)] for row in report.rows]
    if not report.rows:
        data.append([Paragraph(esc(NO_ROWS), s.cell), *[""] * (len(report.columns) - 1)])
    totals = report.totals is not None
    if report.totals is not None:
        data.append([cell(text, col, bold=True) for col, text in enumerate(report.totals)])
    table = LongTable(
        data,
        colWidths=widths,
        repeatRows=1,
        style=ruled_style(size=size, right_columns=right, total_row=totals),
    )
    if not report.rows:
        table.setStyle([("SPAN", (0, 1), (-1, 1))])
    return table


@dataclass(frozen=True, slots=True)
class _Heading:
    """Shop name and period, then the report title, on every page; page numbers below."""

    pagesize: tuple[float, float]
    shop: str
    title: str
    subtitle: str

    def __call__(self, canvas: Canvas, page: int, count: int) -> None:
        page_width, page_height = self.pagesize
        left, right = MARGINS.left, page_width - MARGINS.right
        room = right - left
        top = page_height - 11 * mm
        canvas.setFillColor(INK)
        canvas.setFont(BOLD, 10)
        shop = fit(self.shop, room * 0.55, size=10, bold=True)
        canvas.drawString(left, top, shop)
        if self.subtitle:
            canvas.setFillColor(MUTED)
            canvas.setFont(REGULAR, 8.5)
            rest = room - text_width(shop, size=10, bold=True) - 6 * mm
            canvas.drawRightString(right, top, fit(self.subtitle, rest, size=8.5))
        canvas.setFillColor(INK)
        canvas.setFont(BOLD, 12)
        canvas.drawString(left, top - 6 * mm, fit(self.title, room, size=12, bold=True))
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.8)
        canvas.line(left, top - 8.5 * mm, right, top - 8.5 * mm)
        draw_footer(canvas, page, count, pagesize=self.pagesize, margins=MARGINS, label=self.title)
