"""Reports are net of sales returns and cancellations (credit notes, cancelled bills)."""

from __future__ import annotations

from typing import Any

from tests.fixtures.stored import stored
from viveka_pos.services.facade import ShopServices


def _paise(value: Any) -> int:
    return round(float(value or 0) * 100)


def _bill(svc: ShopServices, code: str, qty: int) -> dict[str, Any]:
    cart = svc.carts.create()
    svc.carts.add_item(cart.cart_id, code, qty)
    total = svc.carts.view(cart.cart_id).totals.total_amount
    return stored(svc, svc.invoices.generate(cart.cart_id, paid_amount=total / 100, method="cash"))


def test_a_return_and_a_cancellation_net_out_of_the_day_book_and_gst(svc: ShopServices) -> None:
    svc.catalog.create_item(
        name="Brake pad", price=1000, code="PAD", gst_rate=18, hsn_code="87083000", stock=50
    )
    first = _bill(svc, "PAD", 4)
    second = _bill(svc, "PAD", 1)
    day = first["invoiceDate"]
    before = svc.reports.day_book(day, day).totals
    gst_before = svc.reports.gst_summary(day, day).totals
    assert before.bills == 2
    note = stored(
        svc, svc.returns.create(first["invoiceNumber"], {0: 1}, method="cash", reason="damaged")
    )
    svc.returns.cancel(
        second["invoiceNumber"], reason="wrong bill", refund=True, refund_method="cash"
    )
    after = svc.reports.day_book(day, day).totals
    gst_after = svc.reports.gst_summary(day, day).totals
    assert after.bills == 1  # the cancelled bill is no sale
    assert after.sales == before.sales - _paise(second["totalAmount"]) - _paise(note["totalAmount"])
    assert after.tax == before.tax - _paise(second["totalTax"]) - _paise(note["totalTax"])
    assert gst_after.taxable == gst_before.taxable - _paise(second["totalTaxable"]) - _paise(
        note["totalTaxable"]
    )
    # money paid back counts against the day's cash
    assert after.collections["cash"] == before.collections["cash"] - _paise(
        second["totalAmount"]
    ) - _paise(note["refundAmount"])
    assert svc.reports.pending_invoices().rows == []
    kept = svc.reports.day_book(day, day)
    svc.scope.store.rebuild_derived()
    assert svc.reports.day_book(day, day) == kept


def test_purchase_history_is_net_of_a_partial_return(svc: ShopServices) -> None:
    """Two pads and a bolt bought on credit and a second bill paid in cash; one pad comes
    back: set against the credit bill's dues first, the rest paid back in cash."""
    svc.catalog.create_item(
        name="Brake pad", price=1000, code="PAD", gst_rate=18, hsn_code="87083000", stock=50
    )
    svc.catalog.create_item(name="Bolt", price=10, code="BOLT", gst_rate=5, stock=50)
    asha = svc.customers.create("9845012345", name="Asha")
    cart = svc.carts.create(customer=asha.id)
    svc.carts.add_item(cart.cart_id, "PAD", 2)
    svc.carts.add_item(cart.cart_id, "BOLT", 1)
    credit = stored(svc, svc.invoices.generate(cart.cart_id, paid_amount=500, method="cash"))
    cart = svc.carts.create(customer=asha.id)
    svc.carts.add_item(cart.cart_id, "BOLT", 3)
    cash = stored(svc, svc.invoices.generate(cart.cart_id, method="cash"))
    billed = _paise(credit["totalAmount"])
    assert billed == 2 * 118000 + 1050
    note = stored(svc, svc.returns.create(credit["invoiceNumber"], {0: 1}, method="cash"))
    returned = _paise(note["totalAmount"])
    assert returned == 118000  # one pad with its 18 % tax
    due_before = billed - 50000
    refunded = _paise(note["refundAmount"])
    assert refunded == max(0, returned - due_before) == 0  # all of it set against dues

    report = svc.reports.purchase_history("9845012345")
    rows = {r.invoice_number: r for r in report.rows}
    first = rows[credit["invoiceNumber"]]
    assert (first.total, first.returned, first.net) == (billed, returned, billed - returned)
    assert first.paid == 50000  # the credit set against dues is no money received
    assert first.balance == billed - returned - 50000 == first.net - first.paid
    second = rows[cash["invoiceNumber"]]
    assert (second.returned, second.net, second.paid, second.balance) == (
        0,
        _paise(cash["totalAmount"]),
        _paise(cash["totalAmount"]),
        0,
    )
    assert report.purchased == billed - returned + _paise(cash["totalAmount"])
    assert report.returned == returned
    assert report.paid == 50000 + _paise(cash["totalAmount"])
    assert report.due == first.balance
    assert report.purchased == report.paid + report.due

    # a return on the bill paid in full while the other still owes: the credit goes to
    # that bill's dues; the paid bill is bought less, the owing one owes less
    back = stored(svc, svc.returns.create(cash["invoiceNumber"], {0: 1}, method="cash"))
    assert _paise(back["refundAmount"]) == 0
    after = svc.reports.purchase_history("9845012345")
    again = {r.invoice_number: r for r in after.rows}
    paid_bill, owing = again[cash["invoiceNumber"]], again[credit["invoiceNumber"]]
    assert (paid_bill.returned, paid_bill.paid) == (
        _paise(back["totalAmount"]),
        _paise(cash["totalAmount"]),
    )
    assert owing.paid == 50000 and owing.balance == first.balance - paid_bill.returned
    assert after.purchased == report.purchased - paid_bill.returned
    assert after.purchased == after.paid + after.due
