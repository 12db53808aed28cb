"""Type sizes, colours and paragraph styles shared by the A4 documents."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle

from viveka_pos.printing.fonts import BOLD, REGULAR, register_fonts

INK = colors.HexColor("#1f1f1f")
MUTED = colors.HexColor("#5a5a5a")
RULE = colors.HexColor("#9a9a9a")
HAIRLINE = colors.HexColor("#d0d0d0")
SHADE = colors.HexColor("#ececec")
ALERT = colors.HexColor("#b00020")

# Table cell padding in points, left/right and top/bottom.
CELL_PAD_X = 3.0
CELL_PAD_Y = 2.0


@dataclass(frozen=True, slots=True)
class Styles:
    body: ParagraphStyle
    small: ParagraphStyle
    small_right: ParagraphStyle
    label: ParagraphStyle
    shop_name: ParagraphStyle
    title_right: ParagraphStyle
    cell: ParagraphStyle
    cell_right: ParagraphStyle
    head: ParagraphStyle
    head_right: ParagraphStyle
    right: ParagraphStyle


#: ReportLab's paragraph alignments (TA_LEFT, TA_CENTER, TA_RIGHT, TA_JUSTIFY)
Alignment = Literal[0, 1, 2, 4]


def _style(
    name: str,
    size: float,
    *,
    bold: bool = False,
    align: Alignment = TA_LEFT,
    color: colors.Color = INK,
    leading: float | None = None,
) -> ParagraphStyle:
    return ParagraphStyle(
        name,
        fontName=BOLD if bold else REGULAR,
        fontSize=size,
        leading=leading or round(size * 1.25, 2),
        alignment=align,
        textColor=color,
    )


@cache
def styles(cell_size: float = 7.5) -> Styles:
    """The paragraph styles; table cells use ``cell_size`` points."""
    register_fonts()
    return Styles(
        body=_style("body", 8.5),
        small=_style("small", 7.5, color=MUTED),
        small_right=_style("small_right", 7.5, color=MUTED, align=TA_RIGHT),
        label=_style("label", 7, bold=True, color=MUTED),
        shop_name=_style("shop_name", 15, bold=True, leading=18),
        title_right=_style("title_right", 13, bold=True, align=TA_RIGHT),
        cell=_style("cell", cell_size),
        cell_right=_style("cell_right", cell_size, align=TA_RIGHT),
        head=_style("head", cell_size, bold=True),
        head_right=_style("head_right", cell_size, bold=True, align=TA_RIGHT),
        right=_style("right", 8.5, align=TA_RIGHT),
    )
