"""The A4 GST tax invoice (CGST Rules, rule 46).

Layout, top to bottom: the shop and invoice details, the customer and place of supply, the
line table (its header row repeats on every page), then — kept together — the HSN/rate
summary with the totals, the amount in words, payment status with a UPI QR code for the
balance, notes, terms and the signatory box. Every page is footed with "Page X of Y" and,
when the invoice goes on, "Continued on next page"; later pages carry a "continued" header.
The copy is marked under the title (Rule 48: original for recipient, duplicate for
transporter, triplicate for supplier).

A credit note (:func:`render_credit_note_a4`) has the same layout: it names the invoice it
is issued against and its date, lists the goods taken back with the tax reversed per line
and per HSN and rate, and says how it was settled (paid out, set against dues).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable, Image, KeepTogether, Paragraph, Spacer, Table, TableStyle

from viveka_pos.domain.money import format_inr
from viveka_pos.printing.dates import shop_zone
from viveka_pos.printing.fonts import BOLD, REGULAR, text_width
from viveka_pos.printing.furniture import ContinuedPages
from viveka_pos.printing.invoice_view import PAID, InvoiceView, TaxRow, copy_label, half_rate
from viveka_pos.printing.paging import DocumentInfo, Margins, build_pdf, frame_width
from viveka_pos.printing.shop import ShopView, state_label
from viveka_pos.printing.styles import HAIRLINE, INK, RULE, SHADE, styles
from viveka_pos.printing.tables import (
    boxed_pair,
    header_width,
    label_values,
    natural_width,
    ruled_style,
    share_room,
    side_by_side,
    text_cell,
)
from viveka_pos.printing.text import esc, multiline
from viveka_pos.printing.upi import QrCode, upi_payment_uri

MARGINS = Margins(left=12 * mm, right=12 * mm, top=15 * mm, bottom=16 * mm)
_WIDTH = frame_width(A4, MARGINS)
_MIN_ITEM_WIDTH = 42 * mm
_COMFORTABLE_ITEM_WIDTH = 50 * mm
_CELL_SIZES = (7.5, 7.0, 6.5, 6.0)
_SIDE_BY_SIDE_TAX_ROWS = 12
_TOTALS_WIDTH = 68 * mm  # at least; wider when a crore-sized total needs it
_QR_SIZE = 30 * mm
_LOGO_BOX = (30 * mm, 22 * mm)


def render_invoice_a4(
    invoice: dict[str, Any],
    shop: dict[str, Any],
    payments: list[dict[str, Any]] | None = None,
    *,
    copy: str | None = "original",
) -> bytes:
    """The tax invoice as PDF bytes; the same documents always give the same bytes.

    ``invoice`` and ``shop`` are stored documents (an ``invoices`` and a ``clients``
    document); ``payments``, when given, are the invoice's payment documents and decide the
    paid amount and the balance printed. ``copy``: "original", "duplicate", "triplicate" or
    None (no marking).
    """
    shop_view = ShopView.from_document(shop)
    view = InvoiceView.from_documents(invoice, payments, shop_zone(shop_view.time_zone))
    return _render(
        replace(view, copy_label=copy_label(copy)), shop_view, invoice.get("generatedAt")
    )


def render_credit_note_a4(
    note: dict[str, Any], shop: dict[str, Any], *, copy: str | None = "original"
) -> bytes:
    """A credit note (a ``creditnotes`` document) as PDF bytes."""
    shop_view = ShopView.from_document(shop)
    view = InvoiceView.from_credit_note(note, shop_zone(shop_view.time_zone))
    return _render(replace(view, copy_label=copy_label(copy)), shop_view, note.get("generatedAt"))


def _render(view: InvoiceView, shop_view: ShopView, made: Any) -> bytes:
    """``made``: when the document was made (the PDF's creation date)."""
    story: list[Flowable] = [
        _header(view, shop_view),
        Spacer(1, 3 * mm),
        _parties(view),
        Spacer(1, 3 * mm),
        _line_table(view),
        Spacer(1, 3 * mm),
        *_closing(view, shop_view),
    ]
    return build_pdf(
        story,
        pagesize=A4,
        margins=MARGINS,
        info=DocumentInfo(
            title=view.number, subject=view.title, author=shop_view.name, created=made
        ),
        decorate=ContinuedPages(
            A4, MARGINS, label=f"{view.title} {view.number}", note=f"{shop_view.name} · {view.date}"
        ),
    )


# -- header -------------------------------------------------------------------------------


def _header(view: InvoiceView, shop: ShopView) -> Table:
    s = styles()
    left_width = _WIDTH * 0.58
    shop_block: list[Flowable] = [Paragraph(esc(shop.name), s.shop_name)]
    if shop.legal_name:
        shop_block.append(Paragraph(esc(shop.legal_name), s.small))
    shop_block += [Paragraph(esc(line), s.body) for line in shop.address_lines]
    if shop.phone:
        shop_block.append(Paragraph(f"Phone: {esc(shop.phone)}", s.body))
    if shop.gstin:
        shop_block.append(Paragraph(f"<b>GSTIN:</b> {esc(shop.gstin)}", s.body))
    if shop.state:
        code = f", State code: {esc(shop.state_code)}" if shop.state_code else ""
        shop_block.append(Paragraph(f"State: {esc(_state_name(shop))}{code}", s.body))

    logo = _logo(shop)
    left: Flowable | list[Flowable] = shop_block
    if logo is not None:
        logo_cell = logo.drawWidth + 4 * mm
        left = side_by_side(logo, shop_block, (logo_cell, left_width - logo_cell))

    meta_rows = [
        (view.number_label, view.number),
        ("Date" if view.is_credit_note else "Invoice date", view.date),
    ]
    if view.reference_number:
        meta_rows += [
            ("Against invoice", view.reference_number),
            ("Invoice date", view.reference_date),
        ]
    if view.due_date and not view.cancelled:
        meta_rows.append(("Due date", view.due_date))
    meta = label_values(meta_rows, 22 * mm, _WIDTH - left_width)
    right: list[Flowable] = [Paragraph(view.title, s.title_right)]
    if view.copy_label:
        right.append(Paragraph(esc(view.copy_label.upper()), s.small_right))
    if view.cancelled:
        right.append(
            Paragraph(
                f'<font color="#b00020"><b>CANCELLED</b> — {esc(view.cancelled)}</font>',
                s.small_right,
            )
        )
    right += [Spacer(1, 2 * mm), meta]
    return side_by_side(
        left,
        right,
        (left_width, _WIDTH - left_width),
        gap=6 * mm,
        style=[
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3 * mm),
            ("LINEBELOW", (0, 0), (-1, -1), 1.2, INK),
        ],
    )


def _state_name(shop: ShopView) -> str:
    """The state without the code in brackets (the header prints the code separately)."""
    suffix = f" ({shop.state_code})"
    return shop.state[: -len(suffix)] if shop.state.endswith(suffix) else shop.state


def _logo(shop: ShopView) -> Image | None:
    """The shop logo scaled into its box, or None when there is none or it cannot be read."""
    if shop.logo is None:
        return None
    try:
        image_width, image_height = ImageReader(str(shop.logo)).getSize()
    except (OSError, ValueError):
        return None  # a broken logo file must not stop a bill from printing
    if image_width <= 0 or image_height <= 0:
        return None
    box_width, box_height = _LOGO_BOX
    scale = min(box_width / image_width, box_height / image_height)
    return Image(str(shop.logo), width=image_width * scale, height=image_height * scale)


def _parties(view: InvoiceView) -> Table:
    s = styles()
    bill_to: list[Flowable] = [
        Paragraph("BILL TO", s.label),
        Paragraph(f"<b>{esc(view.customer_name or 'Walk-in customer')}</b>", s.body),
    ]
    if view.customer_phone:
        bill_to.append(Paragraph(f"Phone: {esc(view.customer_phone)}", s.body))
    if view.customer_address:
        bill_to.append(Paragraph(multiline(view.customer_address), s.body))
    if view.customer_state:
        bill_to.append(Paragraph(f"State: {esc(_customer_state(view))}", s.body))
    if view.customer_gstin:
        bill_to.append(Paragraph(f"<b>GSTIN:</b> {esc(view.customer_gstin)}", s.body))

    kind = "Inter-state (IGST)" if view.inter_state else "Intra-state (CGST + SGST)"
    supply: list[Flowable] = [
        Paragraph("SUPPLY", s.label),
        Paragraph(f"Place of supply: <b>{esc(view.place_of_supply or '—')}</b>", s.body),
        Paragraph(f"Supply type: {kind}", s.body),
        Paragraph("Tax payable on reverse charge: No", s.body),
    ]
    left_width = _WIDTH * 0.58
    return boxed_pair(bill_to, supply, (left_width, _WIDTH - left_width))


def _customer_state(view: InvoiceView) -> str:
    text = view.customer_state
    return state_label(text) if text.isdigit() and len(text) <= 2 else text


# -- line table ---------------------------------------------------------------------------


def _line_table(view: InvoiceView) -> Table:
    """The item lines; numbers are never wrapped, the item column takes what is left."""
    money = partial(format_inr, symbol=False)
    # a credit note reverses taxable values: the price and discount of the sale are the
    # invoice's business
    priced = not view.is_credit_note
    headers = [
        "#",
        "Item",
        "HSN",
        "Qty",
        *(["Rate (₹)", "Discount (₹)"] if priced else []),
        "Taxable value (₹)",
        "GST %",
    ]
    headers += ["IGST (₹)"] if view.inter_state else ["CGST (₹)", "SGST (₹)"]
    headers.append("Amount (₹)")
    rows: list[list[str]] = []
    for line in view.lines:
        taxes = [money(line.igst)] if view.inter_state else [money(line.cgst), money(line.sgst)]
        prices = [money(line.rate), money(line.discount)] if priced else []
        rows.append(
            [
                str(line.number),
                line.name,
                line.hsn,
                line.quantity_with_unit,
                *prices,
                money(line.taxable),
                line.gst_rate,
                *taxes,
                money(line.total),
            ]
        )

    item_col, hsn_col = 1, 2
    for size in _CELL_SIZES:
        widths = [
            natural_width([row[col] for row in rows], header, size=size)
            for col, header in enumerate(headers)
        ]
        widths[item_col] = _WIDTH - (sum(widths) - widths[item_col])
        if widths[item_col] >= _MIN_ITEM_WIDTH:
            break
    # Spare room goes first to air between the numbers, then to one-line headers.
    widths = share_room(widths, item_col, _COMFORTABLE_ITEM_WIDTH, [w + 5 for w in widths])
    widths = share_room(
        widths, item_col, _COMFORTABLE_ITEM_WIDTH, [header_width(h, size=size) for h in headers]
    )
    s = styles(size)
    data: list[list[Any]] = [
        [
            text_cell(h, widths[col], s.head if col in (item_col, hsn_col) else s.head_right)
            for col, h in enumerate(headers)
        ]
    ]
    item_width = widths[item_col]
    for row in rows:
        data.append(
            [*row[:item_col], text_cell(row[item_col], item_width, s.cell), *row[item_col + 1 :]]
        )
    if not rows:
        data.append(["", Paragraph("No items", s.cell), *[""] * (len(headers) - 2)])
    right = [col for col in range(len(headers)) if col not in (item_col, hsn_col)]
    return Table(
        data,
        colWidths=widths,
        repeatRows=1,
        style=ruled_style(size=size, right_columns=right),
    )


# -- closing block: summary, totals, payment, signature -----------------------------------


def _closing(view: InvoiceView, shop: ShopView) -> list[Flowable]:
    s = styles()
    summary, summary_width = _tax_summary(view)
    totals, totals_width = _totals(view)
    blocks: list[Flowable] = []
    if (
        len(view.tax_rows) <= _SIDE_BY_SIDE_TAX_ROWS
        and summary_width + 6 * mm + totals_width <= _WIDTH
    ):
        left_width = _WIDTH - totals_width
        blocks.append(side_by_side(summary, totals, (left_width, _WIDTH - left_width)))
    else:
        totals.hAlign = "RIGHT"
        blocks += [summary, Spacer(1, 3 * mm), totals]
    if view.amount_in_words:
        blocks += [
            Spacer(1, 2 * mm),
            Paragraph(f"<b>Amount in words:</b> {esc(view.amount_in_words)}", s.body),
        ]
    settled = _credit_block(view) if view.is_credit_note else _payment_block(view, shop)
    blocks += [Spacer(1, 3 * mm), settled]
    blocks += [Spacer(1, 3 * mm), _sign_off(view, shop)]
    return [KeepTogether(blocks)]


def _tax_summary(view: InvoiceView) -> tuple[Table, float]:
    """The HSN/rate summary and its width."""
    money = partial(format_inr, symbol=False)
    taxed = view.tax_rows
    # each column: its heading, a row's cell, and the total's cell
    columns: list[tuple[str, Callable[[TaxRow], str], str]] = [
        ("HSN/SAC", lambda r: r.hsn or "—", "Total"),
        ("Taxable value (₹)", lambda r: money(r.taxable), money(sum(r.taxable for r in taxed))),
    ]
    if view.inter_state:
        columns += [
            ("IGST %", lambda r: r.gst_rate, ""),
            ("IGST (₹)", lambda r: money(r.igst), money(view.igst)),
        ]
    else:
        columns += [
            ("CGST %", lambda r: half_rate(r.gst_rate), ""),
            ("CGST (₹)", lambda r: money(r.cgst), money(view.cgst)),
            ("SGST %", lambda r: half_rate(r.gst_rate), ""),
            ("SGST (₹)", lambda r: money(r.sgst), money(view.sgst)),
        ]
    columns.append(("Total tax (₹)", lambda r: money(r.tax), money(sum(r.tax for r in taxed))))
    headers = [heading for heading, _, _ in columns]
    rows = [[cell(r) for _, cell, _ in columns] for r in taxed]
    total = [last for _, _, last in columns]
    size = 7.0
    s = styles(size)
    body = [*rows, total]
    widths = [
        natural_width([row[col] for row in body], header, size=size) + 4
        for col, header in enumerate(headers)
    ]
    data: list[list[Any]] = [
        [
            text_cell(h, widths[col], s.head if col == 0 else s.head_right)
            for col, h in enumerate(headers)
        ],
        *body,
    ]
    table = Table(
        data,
        colWidths=widths,
        repeatRows=1,
        hAlign="LEFT",
        style=ruled_style(size=size, right_columns=range(1, len(headers)), total_row=True),
    )
    return table, sum(widths)


def _totals(view: InvoiceView) -> tuple[Table, float]:
    """The totals box and its width."""
    rows: list[tuple[str, str]] = []
    if not view.is_credit_note:
        rows.append(("Subtotal", format_inr(view.subtotal)))
    if view.discount:
        rows.append(("Discount", "-" + format_inr(view.discount)))
    rows.append(("Taxable value", format_inr(view.taxable)))
    if view.inter_state:
        rows.append(("IGST", format_inr(view.igst)))
    else:
        rows += [("CGST", format_inr(view.cgst)), ("SGST", format_inr(view.sgst))]
    rows.append(("Total credit" if view.is_credit_note else "Total", format_inr(view.total)))
    pad = 4 * mm + 1
    label_width = max(text_width(label, size=8.5) for label, _ in rows[:-1]) + pad
    value_width = (
        max(
            max(text_width(value, size=8.5) for _, value in rows[:-1]),
            text_width(rows[-1][1], size=10.5, bold=True),
        )
        + pad
    )
    width = max(_TOTALS_WIDTH, label_width + value_width)
    table = Table(
        rows,
        colWidths=[width - value_width, value_width],
        style=TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), REGULAR, 8.5),
                ("TEXTCOLOR", (0, 0), (-1, -1), INK),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("LEFTPADDING", (0, 0), (-1, -1), 2 * mm),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2 * mm),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
                ("LINEBELOW", (0, 0), (-1, -3), 0.25, HAIRLINE),
                ("FONT", (0, -1), (-1, -1), BOLD, 10.5),
                ("BACKGROUND", (0, -1), (-1, -1), SHADE),
                ("LINEABOVE", (0, -1), (-1, -1), 0.8, INK),
                ("TOPPADDING", (0, -1), (-1, -1), 3),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 4.5),
                ("BOX", (0, 0), (-1, -1), 0.6, RULE),
            ]
        ),
    )
    return table, width


def _payment_block(view: InvoiceView, shop: ShopView) -> Table:
    s = styles()
    status_style = "<b>" if view.status == PAID else '<b><font color="#b00020">'
    status_end = "</b>" if view.status == PAID else "</font></b>"
    left: list[Flowable] = [
        Paragraph("PAYMENT", s.label),
        Paragraph(
            f"Paid: <b>{esc(format_inr(view.paid))}</b> &nbsp;&nbsp; "
            f"Balance due: <b>{esc(format_inr(view.balance))}</b> &nbsp;&nbsp; "
            f"Status: {status_style}{esc(view.status)}{status_end}",
            s.body,
        ),
    ]
    if view.payments:
        left += [Spacer(1, 1.5 * mm), _payments_table(view)]
    right: list[Flowable] = []
    if shop.upi_id and view.balance > 0:
        payload = upi_payment_uri(shop.upi_id, shop.name, view.balance, view.number)
        right = [
            QrCode(payload, _QR_SIZE),
            Paragraph(f"Scan to pay {esc(format_inr(view.balance))}", s.small_right),
            Paragraph(f"UPI: {esc(shop.upi_id)}", s.small_right),
        ]
    qr_width = _QR_SIZE + 16 * mm
    return side_by_side(
        left,
        right,
        (_WIDTH - qr_width, qr_width),
        style=[
            ("LEFTPADDING", (1, 0), (1, 0), 6 * mm),
            ("ALIGN", (1, 0), (1, 0), "RIGHT"),
        ],
    )


def _credit_block(view: InvoiceView) -> Flowable:
    """How a credit note was settled: paid out, and/or set against the invoice's dues."""
    s = styles()
    parts = []
    if view.refund:
        parts.append(
            f"Refunded: <b>{esc(format_inr(view.refund))}</b>"
            + (f" by {esc(view.refund_method)}" if view.refund_method else "")
        )
    if view.adjusted:
        against = ", ".join(
            f"{esc(number)} ({esc(format_inr(amount))})" for number, amount in view.adjustments
        ) or esc(view.reference_number)
        parts.append(f"Set against dues: <b>{esc(format_inr(view.adjusted))}</b> — {against}")
    cell: list[Flowable] = [
        Paragraph("SETTLEMENT", s.label),
        Paragraph(" &nbsp;&nbsp; ".join(parts) or "—", s.body),
    ]
    if view.reason:
        cell.append(Paragraph(f"Reason: {esc(view.reason)}", s.body))
    return Table(
        [[cell]],
        colWidths=[_WIDTH],
        style=TableStyle(
            [
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        ),
    )


def _payments_table(view: InvoiceView) -> Table:
    size = 7.0
    s = styles(size)
    headers = ["Date", "Method", "Amount (₹)", "Note"]
    rows = [[p.date, p.method, format_inr(p.amount, symbol=False), p.note] for p in view.payments]
    widths = [
        natural_width([row[col] for row in rows], header, size=size)
        for col, header in enumerate(headers[:3])
    ]
    note_width = max(_WIDTH - _QR_SIZE - 16 * mm - sum(widths), 20 * mm)
    data: list[list[Any]] = [
        [
            text_cell(h, width, s.head_right if col == 2 else s.head)
            for col, (h, width) in enumerate(zip(headers, [*widths, note_width], strict=True))
        ],
        *[[*row[:3], text_cell(row[3], note_width, s.cell)] for row in rows],
    ]
    return Table(
        data,
        colWidths=[*widths, note_width],
        hAlign="LEFT",
        style=ruled_style(size=size, right_columns=[2]),
    )


def _sign_off(view: InvoiceView, shop: ShopView) -> Table:
    s = styles()
    left: list[Flowable] = []
    if view.notes:
        left += [
            Paragraph("NOTES", s.label),
            Paragraph(multiline(view.notes), s.body),
            Spacer(1, 2 * mm),
        ]
    if shop.terms:
        left += [
            Paragraph("TERMS AND CONDITIONS", s.label),
            Paragraph(multiline(shop.terms), s.small),
        ]
    sign_width = 62 * mm
    signature = [
        Paragraph(f"For <b>{esc(shop.name)}</b>", s.right),
        Spacer(1, 15 * mm),
        Paragraph("Authorised signatory", s.small_right),
    ]
    return side_by_side(
        left,
        signature,
        (_WIDTH - sign_width, sign_width),
        gap=6 * mm,
        style=[
            ("LINEABOVE", (0, 0), (-1, 0), 0.6, RULE),
            ("TOPPADDING", (0, 0), (-1, 0), 2 * mm),
        ],
    )
