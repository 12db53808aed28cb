"""The purchase order sent to a dealer."""

from __future__ import annotations

from datetime import datetime

from tests.unit.printing.documents import (
    LONG_NAME,
    make_dealer,
    make_dealer_order,
    pdf_pages,
)
from viveka_pos.printing.dealer_order import render_dealer_order


def flat(text: str) -> str:
    return " ".join(text.split())


def test_order_prints_dealer_items_and_instructions(shop):
    order, items = make_dealer_order(urgent=True, items=9)
    pdf = render_dealer_order(order, items, make_dealer(), shop)
    pages = pdf_pages(pdf)
    assert len(pages) == 1
    text = flat(pages[0])
    for expected in (
        "Purchase Order",
        "URGENT",
        "Order No. PO-2526-0007",
        "Order date 15 Jul 2025",  # created 19:45 UTC on the 14th = the 15th in Bengaluru
        "Status Pending",
        "Karnataka Electricals Distributors",
        "Attn: Suresh Gowda",
        "Phone: 8023456789",
        "45, SP Road Bengaluru 560002",
        "Deliver before 11 am; use the rear gate on 3rd Cross.",
        "Call before dispatch if any item is short.",
        "For Sharma Hardware & Electricals",
        "Authorised signatory",
        "Page 1 of 1",
        "GSTIN: 29AABCV1234F1Z5",
        "1 Havells 1.5 sq mm FR copper wire, 90 m coil, red 5",
        "2 Anchor Roma 6A switch 10",
    ):
        assert expected in text, expected
    assert flat(LONG_NAME) in text


def test_routine_order_has_no_urgent_flag_and_shows_delivery(shop):
    order, items = make_dealer_order(urgent=False, items=3)
    order.update(status="delivered", deliveredAt=datetime(2025, 7, 16, 5, 0), totalAmount=12_500.5)
    text = flat(pdf_pages(render_dealer_order(order, items, make_dealer(), shop))[0])
    assert "URGENT" not in text
    assert "Status Delivered" in text
    assert "Delivered on 16 Jul 2025" in text
    assert "Dealer bill amount: ₹12,500.50" in text


def test_long_order_continues_with_header_on_each_page(shop):
    order, items = make_dealer_order(items=120)
    pages = [flat(p) for p in pdf_pages(render_dealer_order(order, items, make_dealer(), shop))]
    assert len(pages) >= 3
    for number, text in enumerate(pages, 1):
        assert f"Page {number} of {len(pages)}" in text
        assert "# Item Quantity" in text
    assert "Purchase Order PO-2526-0007 (continued)" in pages[1]
    assert "Authorised signatory" in pages[-1]


def test_dealer_order_is_reproducible(shop):
    order, items = make_dealer_order()
    dealer = make_dealer()
    assert render_dealer_order(order, items, dealer, shop) == render_dealer_order(
        order, items, dealer, shop
    )
