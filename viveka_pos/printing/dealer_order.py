"""The purchase order sent to a dealer (a ``dealerorders`` document and its items)."""

from __future__ import annotations

from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from viveka_pos.domain.money import format_inr
from viveka_pos.printing.dates import format_document_date, shop_zone
from viveka_pos.printing.fonts import text_width
from viveka_pos.printing.furniture import ContinuedPages
from viveka_pos.printing.invoice_view import paise
from viveka_pos.printing.paging import DocumentInfo, Margins, build_pdf, frame_width
from viveka_pos.printing.shop import ShopView
from viveka_pos.printing.styles import ALERT, INK, styles
from viveka_pos.printing.tables import (
    boxed_pair,
    label_values,
    natural_width,
    ruled_style,
    side_by_side,
)
from viveka_pos.printing.text import esc, format_number, multiline

TITLE = "Purchase Order"
MARGINS = Margins(left=15 * mm, right=15 * mm, top=15 * mm, bottom=16 * mm)
_WIDTH = frame_width(A4, MARGINS)
_STATUS = {"pending": "Pending", "delivered": "Delivered", "cancelled": "Cancelled"}


def render_dealer_order(
    order: dict[str, Any],
    items: list[dict[str, Any]],
    dealer: dict[str, Any],
    shop: dict[str, Any],
) -> bytes:
    """The purchase order as PDF bytes (same documents, same bytes).

    ``order`` is a ``dealerorders`` document, ``items`` its ``dealerorderitems``, ``dealer``
    the ``dealers`` document and ``shop`` the ``clients`` document.
    """
    shop_view = ShopView.from_document(shop)
    zone = shop_zone(shop_view.time_zone)
    number = str(order.get("orderNumber") or "")
    story: list[Flowable] = [
        _header(order, shop_view, zone),
        Spacer(1, 4 * mm),
        _parties(order, dealer, zone),
        Spacer(1, 4 * mm),
        _item_table(items),
        Spacer(1, 4 * mm),
        KeepTogether(_closing(order, shop_view)),
    ]
    return build_pdf(
        story,
        pagesize=A4,
        margins=MARGINS,
        info=DocumentInfo(
            title=number, subject=TITLE, author=shop_view.name, created=order.get("createdAt")
        ),
        decorate=ContinuedPages(A4, MARGINS, label=f"{TITLE} {number}", note=f"{shop_view.name}"),
    )


def _header(order: dict[str, Any], shop: ShopView, zone: Any) -> Table:
    s = styles()
    left: list[Flowable] = [Paragraph(esc(shop.name), s.shop_name)]
    left += [Paragraph(esc(line), s.body) for line in shop.address_lines]
    if shop.phone:
        left.append(Paragraph(f"Phone: {esc(shop.phone)}", s.body))
    if shop.gstin:
        left.append(Paragraph(f"<b>GSTIN:</b> {esc(shop.gstin)}", s.body))

    status = str(order.get("status") or "pending").lower()
    rows = [
        ("Order No.", str(order.get("orderNumber") or "")),
        ("Order date", format_document_date(order.get("createdAt"), zone)),
        ("Status", _STATUS.get(status, status.title())),
    ]
    if status == "delivered" and order.get("deliveredAt"):
        rows.append(("Delivered on", format_document_date(order.get("deliveredAt"), zone)))
    if status == "cancelled" and order.get("cancelledAt"):
        rows.append(("Cancelled on", format_document_date(order.get("cancelledAt"), zone)))
    right_width = _WIDTH * 0.4
    meta = label_values(rows, 24 * mm, right_width)
    right: list[Flowable] = [Paragraph(TITLE, s.title_right)]
    if order.get("isUrgent"):
        right.append(_urgent_badge())
    right += [Spacer(1, 2 * mm), meta]
    return side_by_side(
        left,
        right,
        (_WIDTH - right_width, right_width),
        gap=6 * mm,
        style=[
            ("ALIGN", (1, 0), (1, 0), "RIGHT"),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3 * mm),
            ("LINEBELOW", (0, 0), (-1, -1), 1.2, INK),
        ],
    )


def _urgent_badge() -> Table:
    s = styles()
    return Table(
        [[Paragraph('<font color="white"><b>URGENT</b></font>', s.body)]],
        style=TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), ALERT),
                ("LEFTPADDING", (0, 0), (-1, -1), 2 * mm),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2 * mm),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        ),
        colWidths=[text_width("URGENT", size=8.5, bold=True) + 4 * mm + 1],
        hAlign="RIGHT",
    )


def _parties(order: dict[str, Any], dealer: dict[str, Any], zone: Any) -> Table:
    s = styles()
    to: list[Flowable] = [
        Paragraph("TO", s.label),
        Paragraph(f"<b>{esc(dealer.get('name') or '')}</b>", s.body),
    ]
    if dealer.get("contactPerson"):
        to.append(Paragraph(f"Attn: {esc(dealer['contactPerson'])}", s.body))
    if dealer.get("phoneNumber"):
        to.append(Paragraph(f"Phone: {esc(dealer['phoneNumber'])}", s.body))
    if dealer.get("email"):
        to.append(Paragraph(f"Email: {esc(dealer['email'])}", s.body))
    if dealer.get("address"):
        to.append(Paragraph(multiline(dealer["address"]), s.body))

    delivery: list[Flowable] = [Paragraph("DELIVERY INSTRUCTIONS", s.label)]
    instructions = str(order.get("deliveryInstructions") or "").strip()
    delivery.append(Paragraph(multiline(instructions) if instructions else "—", s.body))
    due = format_document_date(order.get("dueDate"), zone)
    if due:
        delivery += [Spacer(1, 2 * mm), Paragraph(f"Payment due: <b>{esc(due)}</b>", s.body)]
    left_width = _WIDTH * 0.5
    return boxed_pair(to, delivery, (left_width, _WIDTH - left_width))


def _item_table(items: list[dict[str, Any]]) -> Table:
    size = 8.5
    s = styles(size)
    headers = ["#", "Item", "Quantity"]
    rows = [
        [str(n), str(item.get("itemNameSnapshot") or ""), format_number(item.get("quantity"))]
        for n, item in enumerate(items, 1)
    ]
    number_width = natural_width([row[0] for row in rows], headers[0], size=size) + 4
    quantity_width = natural_width([row[2] for row in rows], headers[2], size=size) + 10 * mm
    data: list[list[Any]] = [
        [
            Paragraph("#", s.head_right),
            Paragraph("Item", s.head),
            Paragraph("Quantity", s.head_right),
        ]
    ]
    data += [[row[0], Paragraph(esc(row[1]), s.cell), row[2]] for row in rows]
    if not rows:
        data.append(["", Paragraph("No items", s.cell), ""])
    return Table(
        data,
        colWidths=[number_width, _WIDTH - number_width - quantity_width, quantity_width],
        repeatRows=1,
        style=ruled_style(size=size, right_columns=[0, 2]),
    )


def _closing(order: dict[str, Any], shop: ShopView) -> list[Flowable]:
    s = styles()
    blocks: list[Flowable] = []
    total = order.get("totalAmount")
    if total is not None:
        blocks += [
            Paragraph(f"Dealer bill amount: <b>{esc(format_inr(paise(total)))}</b>", s.body),
            Spacer(1, 3 * mm),
        ]
    notes = str(order.get("notes") or "").strip()
    if notes:
        blocks += [
            Paragraph("NOTES", s.label),
            Paragraph(multiline(notes), s.body),
            Spacer(1, 3 * mm),
        ]
    blocks += [
        Spacer(1, 4 * mm),
        Paragraph(f"For <b>{esc(shop.name)}</b>", s.right),
        Spacer(1, 15 * mm),
        Paragraph("Authorised signatory", s.small_right),
    ]
    return blocks
