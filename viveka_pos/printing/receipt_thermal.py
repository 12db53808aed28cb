"""Thermal roll receipts (80 mm and 58 mm) as one long PDF page.

The receipt is laid out line by line first (:func:`layout_receipt`): every text run is
measured with the font metrics and wrapped to the printable width of the roll, so nothing can
run off the paper, and the page height is simply the sum of the lines. Drawing is then a
plain walk over the lines.

A bill to a buyer with GSTIN is a full tax invoice on the roll (Rule 46): HSN, rate and
taxable value per line, the buyer's address and state, reverse charge and the signatory. Every
receipt is marked with its copy (Rule 48). Credit notes print on the roll the same way
(:func:`render_credit_note_receipt`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from viveka_pos.domain.money import format_inr
from viveka_pos.printing.dates import shop_zone
from viveka_pos.printing.fonts import BOLD, REGULAR, register_fonts, text_width
from viveka_pos.printing.invoice_view import InvoiceView, copy_label
from viveka_pos.printing.paging import CREATOR, pin_creation_date
from viveka_pos.printing.shop import ShopView
from viveka_pos.printing.text import wrap
from viveka_pos.printing.upi import QrCode, upi_payment_uri

Align = Literal["left", "right", "center"]

THANKS = "Thank you! Please visit again."
_MIN_WIDTH_MM = 44
_MAX_WIDTH_MM = 120
_TOP_MM = 3
_BOTTOM_MM = 8  # room above the cutter


@dataclass(frozen=True, slots=True)
class Paper:
    """A roll: its width and the printable margins (58 mm heads print about 48 mm)."""

    width: float
    margin: float
    size: float

    @classmethod
    def for_width(cls, width_mm: int) -> Paper:
        if not _MIN_WIDTH_MM <= width_mm <= _MAX_WIDTH_MM:
            raise ValueError(
                f"A receipt roll must be {_MIN_WIDTH_MM}–{_MAX_WIDTH_MM} mm wide, not {width_mm}"
            )
        wide = width_mm >= 70
        return cls(width=width_mm * mm, margin=(4 if wide else 5) * mm, size=8.5 if wide else 7.5)

    @property
    def left(self) -> float:
        return self.margin

    @property
    def right(self) -> float:
        return self.width - self.margin

    @property
    def room(self) -> float:
        return self.width - 2 * self.margin


@dataclass(frozen=True, slots=True)
class Run:
    """A piece of text at a measured position: ``x`` is its left edge, in points."""

    text: str
    x: float
    size: float
    bold: bool = False

    @property
    def width(self) -> float:
        return text_width(self.text, size=self.size, bold=self.bold)


@dataclass(frozen=True, slots=True)
class Line:
    """One printed line: text runs, a dashed rule, a QR code, or just space."""

    height: float
    runs: tuple[Run, ...] = ()
    rule: bool = False
    picture: QrCode | None = None


@dataclass(frozen=True, slots=True)
class ReceiptLayout:
    paper: Paper
    lines: tuple[Line, ...]

    @property
    def height(self) -> float:
        return (_TOP_MM + _BOTTOM_MM) * mm + sum(line.height for line in self.lines)


@dataclass
class _Builder:
    paper: Paper
    lines: list[Line] = field(default_factory=list)

    def _leading(self, size: float) -> float:
        return round(size * 1.32, 2)

    def text(
        self,
        text: str,
        *,
        size: float | None = None,
        bold: bool = False,
        align: Align = "left",
        indent: float = 0.0,
    ) -> None:
        size = size or self.paper.size
        room = self.paper.room - indent
        for part in wrap(text, room, size=size, bold=bold):
            self._add_run(part, size, bold, align, indent)

    def _add_run(self, text: str, size: float, bold: bool, align: Align, indent: float) -> None:
        width = text_width(text, size=size, bold=bold)
        if align == "right":
            x = self.paper.right - width
        elif align == "center":
            x = self.paper.left + indent + (self.paper.room - indent - width) / 2
        else:
            x = self.paper.left + indent
        self.lines.append(Line(self._leading(size), (Run(text, x, size, bold),)))

    def numbered(self, number: str, text: str, *, indent: float, bold: bool = False) -> None:
        """``number`` in a gutter of width ``indent``; ``text`` wraps beside it."""
        size = self.paper.size
        parts = wrap(text, self.paper.room - indent, size=size, bold=bold)
        for n, part in enumerate(parts):
            runs: tuple[Run, ...] = (Run(part, self.paper.left + indent, size, bold),)
            if n == 0:
                runs = (Run(number, self.paper.left, size, bold), *runs)
            self.lines.append(Line(self._leading(size), runs))

    def pair(
        self,
        left: str,
        right: str,
        *,
        size: float | None = None,
        bold: bool = False,
        indent: float = 0.0,
    ) -> None:
        """``left`` and ``right`` on one line; ``left`` wraps in what ``right`` leaves free."""
        size = size or self.paper.size
        gap = size * 0.8
        right_width = text_width(right, size=size, bold=bold)
        room = self.paper.room - indent - right_width - gap
        if room < self.paper.room * 0.3:
            # Too little left beside the value: label and value get lines of their own.
            self.text(left, size=size, bold=bold, indent=indent)
            self.text(right, size=size, bold=bold, align="right")
            return
        parts = wrap(left, room, size=size, bold=bold)
        first = Line(
            self._leading(size),
            (
                Run(parts[0], self.paper.left + indent, size, bold),
                Run(right, self.paper.right - right_width, size, bold),
            ),
        )
        self.lines.append(first)
        for part in parts[1:]:
            self._add_run(part, size, bold, "left", indent)

    def rule(self) -> None:
        self.lines.append(Line(self.paper.size * 0.9, rule=True))

    def space(self, height: float) -> None:
        self.lines.append(Line(height))

    def picture(self, picture: QrCode) -> None:
        self.lines.append(Line(picture.size + 2, picture=picture))


def layout_receipt(
    invoice: dict[str, Any],
    shop: dict[str, Any],
    payments: list[dict[str, Any]] | None = None,
    width_mm: int = 80,
    *,
    copy: str | None = "original",
) -> ReceiptLayout:
    """Every line of the receipt, measured and positioned for a ``width_mm`` roll."""
    shop_view = ShopView.from_document(shop)
    view = InvoiceView.from_documents(invoice, payments, shop_zone(shop_view.time_zone))
    return _layout(replace(view, copy_label=copy_label(copy)), shop_view, width_mm)


def layout_credit_note_receipt(
    note: dict[str, Any], shop: dict[str, Any], width_mm: int = 80, *, copy: str | None = "original"
) -> ReceiptLayout:
    """A credit note on the roll."""
    shop_view = ShopView.from_document(shop)
    view = InvoiceView.from_credit_note(note, shop_zone(shop_view.time_zone))
    return _layout(replace(view, copy_label=copy_label(copy)), shop_view, width_mm)


def _layout(view: InvoiceView, shop_view: ShopView, width_mm: int) -> ReceiptLayout:
    paper = Paper.for_width(width_mm)
    full = bool(view.customer_gstin) or view.is_credit_note  # a B2B tax invoice in full
    b = _Builder(paper)
    size = paper.size
    small = size - 1
    money = _money

    b.text(shop_view.name, size=size + 3.5, bold=True, align="center")
    for address_line in shop_view.address_lines:
        b.text(address_line, size=small, align="center")
    if shop_view.phone:
        b.text(f"Phone: {shop_view.phone}", size=small, align="center")
    if shop_view.gstin:
        b.text(f"GSTIN: {shop_view.gstin}", size=small, align="center")
    b.space(2)
    b.text(view.title.upper(), bold=True, align="center")
    if view.copy_label:
        b.text(view.copy_label, size=small, align="center")
    if view.cancelled:
        b.text(f"*** CANCELLED: {view.cancelled} ***", bold=True, align="center")
    b.rule()
    b.pair("Credit note No." if view.is_credit_note else "Bill No.", view.number)
    b.pair("Date", view.date)
    if view.reference_number:
        b.pair("Against invoice", view.reference_number)
        b.pair("Invoice date", view.reference_date)
    if view.customer_name:
        b.pair("Customer", view.customer_name)
    if view.customer_phone:
        b.pair("Phone", view.customer_phone)
    if full and view.customer_address:
        b.text(" ".join(view.customer_address.split()), size=small)
    if view.customer_gstin:
        b.pair("GSTIN", view.customer_gstin)
    if full and view.customer_state:
        b.pair("State", view.customer_state)
    if view.place_of_supply:
        b.pair("Place of supply", view.place_of_supply)
    if full:
        b.pair("Reverse charge", "No")
    b.rule()
    b.pair("Item", "Amount", bold=True)
    b.rule()
    indent = text_width("00. ", size=size)
    for line in view.lines:
        b.numbered(f"{line.number}.", line.name, indent=indent, bold=True)
        if view.is_credit_note:
            b.pair(f"{line.quantity_with_unit} returned", money(line.taxable), indent=indent)
        else:
            b.pair(
                f"{line.quantity_with_unit} × {money(line.rate)}", money(line.gross), indent=indent
            )
        if line.discount:
            b.pair("Discount", "-" + money(line.discount), size=small, indent=indent)
        if full:
            b.text(f"HSN {line.hsn or '—'} · GST {line.gst_rate}%", size=small, indent=indent)
            if not view.is_credit_note:
                b.pair("Taxable value", money(line.taxable), size=small, indent=indent)
    b.rule()
    if not view.is_credit_note:
        b.pair("Subtotal", money(view.subtotal))
    if view.discount:
        b.pair("Discount", "-" + money(view.discount))
    b.pair("Taxable value", money(view.taxable))
    if view.inter_state:
        b.pair("IGST", money(view.igst))
    else:
        b.pair("CGST", money(view.cgst))
        b.pair("SGST", money(view.sgst))
    b.rule()
    if view.is_credit_note:
        b.pair("TOTAL CREDIT", format_inr(view.total), size=size + 2, bold=True)
        if view.refund:
            b.pair(f"Refunded ({view.refund_method})", format_inr(view.refund))
        if view.adjusted:
            b.pair("Set against dues", format_inr(view.adjusted))
            for number, amount in view.adjustments:
                b.pair(number, money(amount), size=small, indent=indent)
        if view.reason:
            b.pair("Reason", view.reason, size=small)
    else:
        b.pair("TOTAL", format_inr(view.total), size=size + 2, bold=True)
        b.pair("Paid", format_inr(view.paid))
        b.pair("Balance", format_inr(view.balance), bold=view.balance > 0)
        b.pair("Status", view.status)
    if view.amount_in_words:
        b.space(2)
        b.text(view.amount_in_words, size=small)
    if view.tax_rows:
        b.rule()
        b.text("GST summary", size=small, bold=True)
        if full:  # per HSN and rate, as a tax invoice to a registered buyer needs
            for row in view.tax_rows:
                b.pair(
                    f"{row.hsn or '—'} @ {row.gst_rate}% on {money(row.taxable)}",
                    money(row.tax),
                    size=small,
                )
        else:
            for rate, taxable, tax in _by_rate(view):
                b.pair(f"GST {rate}% on {money(taxable)}", money(tax), size=small)
    if shop_view.upi_id and view.balance > 0 and not view.is_credit_note:
        b.rule()
        payload = upi_payment_uri(shop_view.upi_id, shop_view.name, view.balance, view.number)
        b.picture(QrCode(payload, min(paper.room, 32 * mm)))
        b.text(f"Scan to pay {format_inr(view.balance)}", size=small, align="center")
        b.text(f"UPI: {shop_view.upi_id}", size=small, align="center")
    if view.notes:
        b.rule()
        b.text(view.notes, size=small)
    if full:
        b.rule()
        b.text(f"For {shop_view.name}", size=small, align="right")
        b.space(9 * mm)
        b.text("Authorised signatory", size=small, align="right")
    b.rule()
    b.text(THANKS, bold=True, align="center")
    return ReceiptLayout(paper, tuple(b.lines))


def _by_rate(view: InvoiceView) -> list[tuple[str, int, int]]:
    """The HSN summary folded per GST rate (a roll has no room for HSN codes)."""
    rates: dict[str, tuple[int, int]] = {}
    for row in view.tax_rows:
        taxable, tax = rates.get(row.gst_rate, (0, 0))
        rates[row.gst_rate] = (taxable + row.taxable, tax + row.tax)
    return [(rate, taxable, tax) for rate, (taxable, tax) in rates.items()]


def _money(amount: int) -> str:
    return format_inr(amount, symbol=False)


def render_receipt(
    invoice: dict[str, Any],
    shop: dict[str, Any],
    payments: list[dict[str, Any]] | None = None,
    width_mm: int = 80,
    *,
    copy: str | None = "original",
) -> bytes:
    """The receipt as a one-page PDF exactly as wide as the roll and as long as its content."""
    layout = layout_receipt(invoice, shop, payments, width_mm, copy=copy)
    return draw_receipt(
        layout,
        title=str(invoice.get("invoiceNumber") or ""),
        author=ShopView.from_document(shop).name,
        created=invoice.get("generatedAt"),
    )


def render_credit_note_receipt(
    note: dict[str, Any], shop: dict[str, Any], width_mm: int = 80, *, copy: str | None = "original"
) -> bytes:
    """A credit note as a roll receipt (PDF)."""
    layout = layout_credit_note_receipt(note, shop, width_mm, copy=copy)
    return draw_receipt(
        layout,
        title=str(note.get("creditNoteNumber") or ""),
        author=ShopView.from_document(shop).name,
        created=note.get("generatedAt"),
    )


def draw_receipt(layout: ReceiptLayout, *, title: str, author: str, created: Any = None) -> bytes:
    register_fonts()
    paper = layout.paper
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(paper.width, layout.height), invariant=1)
    pin_creation_date(canvas, created)
    canvas.setTitle(title)
    canvas.setAuthor(author)
    canvas.setSubject("Receipt")
    canvas.setCreator(CREATOR)
    canvas.setProducer(CREATOR)
    top = layout.height - _TOP_MM * mm
    for line in layout.lines:
        bottom = top - line.height
        if line.rule:
            canvas.setDash(1.5, 1.5)
            canvas.setLineWidth(0.6)
            middle = (top + bottom) / 2
            canvas.line(paper.left, middle, paper.right, middle)
            canvas.setDash()
        if line.picture is not None:
            x = paper.left + (paper.room - line.picture.size) / 2
            line.picture.drawOn(canvas, x, bottom + 1)
        for run in line.runs:
            canvas.setFont(BOLD if run.bold else REGULAR, run.size)
            # Baseline placed so the line's leading is split evenly above and below the text.
            canvas.drawString(
                run.x, bottom + (line.height - run.size) / 2 + run.size * 0.22, run.text
            )
        top = bottom
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
