"""Column sizing, the common look of the ruled tables on A4 documents, and the two-column
blocks (side by side, boxed pair, label and value list) their headers are made of."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from viveka_pos.printing.fonts import BOLD, REGULAR, text_width
from viveka_pos.printing.styles import (
    CELL_PAD_X,
    CELL_PAD_Y,
    HAIRLINE,
    INK,
    RULE,
    SHADE,
    styles,
)
from viveka_pos.printing.text import esc

#: one command of a ReportLab ``TableStyle``: ("NAME", (col, row), (col, row), values...)
StyleCommand = tuple[Any, ...]


def text_cell(text: str, width: float, style: ParagraphStyle) -> str | Paragraph:
    """Plain text when it fits on one line of a ``width`` column, else a wrapping Paragraph.

    A plain string takes the font and alignment of the table style and lays out many times
    faster than a Paragraph, which matters on long tables; ``style`` must match that font.
    """
    room = width - 2 * CELL_PAD_X
    bold = style.fontName == BOLD
    if "\n" not in text and text_width(text, size=style.fontSize, bold=bold) <= room:
        return text
    return Paragraph(esc(text).replace("\n", "<br/>"), style)


def natural_width(texts: Sequence[str], header: str, *, size: float) -> float:
    """The width a column of unbreakable texts needs, header words included, with padding.

    Headers are Paragraphs and may wrap between words, so only their longest word counts.
    """
    widest = max((text_width(text, size=size) for text in texts), default=0.0)
    head = max((text_width(word, size=size, bold=True) for word in header.split()), default=0.0)
    return max(widest, head) + 2 * CELL_PAD_X + 0.5


def header_width(header: str, *, size: float) -> float:
    """The width that sets ``header`` on one line, with padding."""
    return text_width(header, size=size, bold=True) + 2 * CELL_PAD_X + 0.5


def share_room(widths: list[float], flex: int, keep: float, wishes: list[float]) -> list[float]:
    """Give the flexible column's width beyond ``keep`` to the others, up to their ``wishes``.

    Used to widen number columns (and unwrap their headers) when the item column has more
    room than it needs; when the room does not cover every wish, each gets the same share
    of what it asked for.
    """
    extras = [
        0.0 if col == flex else max(wish - widths[col], 0.0) for col, wish in enumerate(wishes)
    ]
    asked = sum(extras)
    if asked <= 0:
        return list(widths)
    factor = min(1.0, max(widths[flex] - keep, 0.0) / asked)
    result = [width + extra * factor for width, extra in zip(widths, extras, strict=True)]
    result[flex] -= asked * factor
    return result


def ruled_style(
    *,
    size: float,
    right_columns: Sequence[int] = (),
    center_columns: Sequence[int] = (),
    header_rows: int = 1,
    total_row: bool = False,
) -> TableStyle:
    """Light horizontal rules, a shaded header row and (optionally) a bold totals row."""
    commands: list[StyleCommand] = [
        ("FONT", (0, 0), (-1, -1), REGULAR, size),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD_X),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD_X),
        ("TOPPADDING", (0, 0), (-1, -1), CELL_PAD_Y),
        ("BOTTOMPADDING", (0, 0), (-1, -1), CELL_PAD_Y + 1),
        ("LINEBELOW", (0, header_rows), (-1, -1), 0.25, HAIRLINE),
        ("BOX", (0, 0), (-1, -1), 0.6, RULE),
    ]
    if header_rows:
        commands += [
            ("FONT", (0, 0), (-1, header_rows - 1), BOLD, size),
            ("BACKGROUND", (0, 0), (-1, header_rows - 1), SHADE),
            ("VALIGN", (0, 0), (-1, header_rows - 1), "BOTTOM"),
            ("LINEBELOW", (0, header_rows - 1), (-1, header_rows - 1), 0.6, RULE),
        ]
    commands += [("ALIGN", (col, 0), (col, -1), "RIGHT") for col in right_columns]
    commands += [("ALIGN", (col, 0), (col, -1), "CENTER") for col in center_columns]
    if total_row:
        commands += [
            ("FONT", (0, -1), (-1, -1), BOLD, size),
            ("BACKGROUND", (0, -1), (-1, -1), SHADE),
            ("LINEABOVE", (0, -1), (-1, -1), 0.6, RULE),
        ]
    return TableStyle(commands)


Cell = Flowable | Sequence[Flowable]


def side_by_side(
    left: Cell,
    right: Cell,
    widths: tuple[float, float],
    *,
    gap: float = 0.0,
    style: Sequence[StyleCommand] = (),
) -> Table:
    """Two blocks next to each other, tops aligned, with no padding but ``gap`` after the
    left one; ``style`` adds rules, alignment or padding of its own."""
    commands: list[StyleCommand] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
    ]
    if gap:
        commands.append(("RIGHTPADDING", (0, 0), (0, 0), gap))
    return Table([[left, right]], colWidths=list(widths), style=TableStyle([*commands, *style]))


def boxed_pair(left: Cell, right: Cell, widths: tuple[float, float]) -> Table:
    """Two blocks in one ruled box with a rule between them (bill to / supply)."""
    return Table(
        [[left, right]],
        colWidths=list(widths),
        style=TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BOX", (0, 0), (-1, -1), 0.6, RULE),
                ("LINEAFTER", (0, 0), (0, 0), 0.6, RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), 2 * mm),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2 * mm),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5 * mm),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2 * mm),
            ]
        ),
    )


def label_values(rows: Sequence[tuple[str, str]], label_width: float, width: float) -> Table:
    """A document's number, dates and status: small labels, bold values on the right, a
    hairline between rows."""
    s = styles()
    return Table(
        [
            [Paragraph(label, s.small), Paragraph(f"<b>{esc(value)}</b>", s.right)]
            for label, value in rows
        ],
        colWidths=[label_width, width - label_width],
        style=TableStyle(
            [
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ("LINEBELOW", (0, 0), (-1, -2), 0.25, HAIRLINE),
            ]
        ),
    )
