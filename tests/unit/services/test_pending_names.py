"""Pending invoices never show a blank where the customer's name goes."""

from __future__ import annotations

from viveka_pos.services.facade import ShopServices
from viveka_pos.services.report_tables import ReportRequest, pending


def test_a_customer_without_a_name_is_said_so(svc: ShopServices) -> None:
    svc.catalog.create_item(name="Fuse 10A", price=12, code="FUSE", stock=10)
    svc.customers.create("9845012345")
    cart = svc.carts.create(customer="9845012345")
    svc.carts.add_item(cart.cart_id, "FUSE", 2)
    svc.invoices.generate(cart.cart_id, paid_amount=0)
    built = pending(svc, ReportRequest())
    assert [row[3:5] for row in built.table.rows] == [["(no name)", "9845012345"]]


def test_a_lookup_by_an_unreal_number_finds_nobody_instead_of_failing(svc: ShopServices) -> None:
    assert svc.customers.by_phone("1234567890") is None
    assert svc.shop.find_by_phone("0000000000") is None
