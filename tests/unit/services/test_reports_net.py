"""Reports are net of sales returns and cancellations (credit notes, cancelled bills)."""

from __future__ import annotations

from typing import Any

from viveka_pos.services.facade import ShopServices


def _paise(value: Any) -> int:
    return round(float(value or 0) * 100)


def _bill(svc: ShopServices, code: str, qty: int) -> dict[str, Any]:
    cart = svc.carts.create()
    svc.carts.add_item(cart.cart_id, code, qty)
    total = svc.carts.view(cart.cart_id).totals.total_amount
    return svc.invoices.generate(cart.cart_id, paid_amount=total / 100, method="cash")


def test_a_return_and_a_cancellation_net_out_of_the_day_book_and_gst(
        svc: ShopServices) -> None:
    svc.catalog.create_item(name="Brake pad", price=1000, code="PAD", gst_rate=18,
                            hsn_code="87083000", stock=50)
    first = _bill(svc, "PAD", 4)
    second = _bill(svc, "PAD", 1)
    day = first["invoiceDate"]
    before = svc.reports.day_book(day, day).totals
    gst_before = svc.reports.gst_summary(day, day).totals
    assert before.bills == 2
    note = svc.returns.create(first["invoiceNumber"], {0: 1}, method="cash", reason="damaged")
    svc.returns.cancel(second["invoiceNumber"], reason="wrong bill", refund=True,
                       refund_method="cash")
    after = svc.reports.day_book(day, day).totals
    gst_after = svc.reports.gst_summary(day, day).totals
    assert after.bills == 1  # the cancelled bill is no sale
    assert after.sales == before.sales - _paise(second["totalAmount"]) - _paise(
        note["totalAmount"])
    assert after.tax == before.tax - _paise(second["totalTax"]) - _paise(note["totalTax"])
    assert gst_after.taxable == gst_before.taxable - _paise(second["totalTaxable"]) - _paise(
        note["totalTaxable"])
    # money paid back counts against the day's cash
    assert after.collections["cash"] == before.collections["cash"] - _paise(
        second["totalAmount"]) - _paise(note["refundAmount"])
    assert svc.reports.pending_invoices().rows == []
    kept = svc.reports.day_book(day, day)
    svc.scope.store.rebuild_derived()
    assert svc.reports.day_book(day, day) == kept
