"""Sales returns as credit notes, and cancelling a bill of today (real store, temp dir)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from tests.fixtures.stored import stored
from viveka_pos.domain.clock import FixedClock
from viveka_pos.domain.entities.customer import Customer
from viveka_pos.domain.entities.item import Item
from viveka_pos.domain.errors import ValidationError
from viveka_pos.services.convert import paise_of
from viveka_pos.services.facade import ShopServices


@pytest.fixture
def parts(svc: ShopServices) -> dict[str, Item]:
    return {
        "BP": svc.catalog.create_item(
            name="Brake Pad Set", price=1000, code="BP", stock=20, gst_rate=18, hsn_code="87083000"
        ),
        "HL": svc.catalog.create_item(
            name="Helmet", price=500, code="HL", stock=20, gst_rate=5, hsn_code="65061010"
        ),
    }


def _bill(
    svc: ShopServices,
    lines: dict[str, int],
    *,
    discount: int = 0,
    paid: int = 0,
    customer: Any = None,
) -> dict:
    cart = svc.carts.create(customer=customer)
    for code, qty in lines.items():
        svc.carts.add_item(cart.cart_id, code, qty)
    if discount:
        svc.carts.set_bill_discount(cart.cart_id, discount)
    if customer is None and paid < svc.carts.view(cart.cart_id).totals.total_amount / 100:
        svc.carts.set_customer(cart.cart_id, _on_credit(svc).id)  # credit has a name
    return stored(svc, svc.invoices.generate(cart.cart_id, paid_amount=paid))


def _on_credit(svc: ShopServices) -> Customer:
    """The customer a bill on credit is made out to when a test names none."""
    return svc.customers.by_phone("9800000099") or svc.customers.create(
        "9800000099", name="Counter Credit"
    )


def _state(svc: ShopServices) -> tuple:
    """Everything a refused request must leave as it was."""
    store = svc.ctx.store
    return (
        store.counts(),
        [dict(d) for d in store.db.invoices.find({})],
        [d["stock"] for d in store.db.items.find({}, sort=[("code", 1)])],
    )


def _paise(doc: dict, *keys: str) -> tuple[int, ...]:
    return tuple(paise_of(doc[key]) for key in keys)


def test_partial_return_with_bill_discount_and_mixed_rates(svc: ShopServices, parts) -> None:
    """3 brake pads (18 %) + 4 helmets (5 %), ₹500 off the bill; 1 pad and 3 helmets back.

    The discount is spread 300 / 200: taxable 2700 and 1800; CGST = SGST 243.00 and 45.00.
    One pad of three: 900.00 + 81.00 + 81.00. Three helmets of four: 1350.00 + 33.75 + 33.75.
    """
    invoice = _bill(svc, {"BP": 3, "HL": 4}, discount=500, paid=0)
    assert paise_of(invoice["totalAmount"]) == 270000 + 2 * 24300 + 180000 + 2 * 4500

    note = stored(
        svc,
        svc.returns.create(
            invoice["invoiceNumber"],
            svc.returns.lines_by_code(invoice["invoiceNumber"], {"BP": 1, "HL": 3}),
            reason="wrong size",
        ),
    )
    assert note["creditNoteNumber"] == "CN-A/2526/00001"
    assert (note["invoiceNumber"], note["invoiceDate"]) == (invoice["invoiceNumber"], "2025-06-16")
    pad, helmet = note["products"]
    assert _paise(pad, "taxableValue", "cgst", "sgst", "igst", "lineTotal") == (
        90000,
        8100,
        8100,
        0,
        106200,
    )
    assert _paise(helmet, "taxableValue", "cgst", "sgst", "igst", "lineTotal") == (
        135000,
        3375,
        3375,
        0,
        141750,
    )
    by_rate = {row["gstRate"]: row for row in note["taxSummary"]}
    assert _paise(by_rate[18], "taxableValue", "cgst", "sgst") == (90000, 8100, 8100)
    assert _paise(by_rate[5], "taxableValue", "cgst", "sgst") == (135000, 3375, 3375)
    assert _paise(note, "totalTaxable", "totalCgst", "totalSgst", "totalTax", "totalAmount") == (
        225000,
        11475,
        11475,
        22950,
        247950,
    )
    assert note["amountInWords"] == (
        "Rupees Two Thousand Four Hundred Seventy Nine and Fifty Paise Only"
    )
    # the invoice was unpaid: the whole credit note is set against its dues, nothing paid out
    assert _paise(note, "refundAmount", "adjustedAmount") == (0, 247950)
    after = svc.invoices.document(invoice["_id"])
    assert paise_of(after["totalAmount"]) - paise_of(after["paidAmount"]) == 507600 - 247950
    assert after["totalAmount"] == invoice["totalAmount"]  # the invoice itself never changes
    stock = {code: svc.catalog.item(item.id).stock for code, item in parts.items()}
    assert stock == {"BP": 18, "HL": 19}
    moves = list(svc.ctx.store.db.stockmovements.find({"reason": "return"}))
    assert sorted(m["quantity"] for m in moves) == [1, 3]
    assert all(m["refId"] == note["_id"] for m in moves)

    # the rest comes back too: the two notes add up to the invoice to the paisa
    rest = stored(svc, svc.returns.create(invoice["_id"], {0: 2, 1: 1}))
    assert rest["creditNoteNumber"] == "CN-A/2526/00002"
    for key in ("totalTaxable", "totalCgst", "totalSgst", "totalAmount"):
        assert paise_of(note[key]) + paise_of(rest[key]) == paise_of(invoice[key])
    assert svc.returns.invoice(invoice["_id"]).is_finalized is True  # nothing due now
    assert [line.left for line in svc.returns.returnable(invoice["_id"])] == [0, 0]
    assert svc.returns.verify() == []

    before = _state(svc)
    with pytest.raises(ValidationError) as err:
        svc.returns.create(invoice["_id"], {0: 1})
    assert err.value.field == "quantity"
    assert "only 0 left to return (3 sold, 3 returned already), not 1" in err.value.message
    assert _state(svc) == before


def test_returns_in_parts_add_up_to_the_line(svc: ShopServices, parts) -> None:
    """Three returns of one of three: 1/3 rounded each time would not add up; cumulative does."""
    svc.catalog.create_item(
        name="Wiper", price=Decimal("333.33"), code="WP", stock=9, gst_rate=18, hsn_code="85124000"
    )
    invoice = _bill(svc, {"WP": 3}, discount=1, paid=0)  # taxable ₹998.99: not in thirds
    notes = [stored(svc, svc.returns.create(invoice["_id"], {0: 1})) for _ in range(3)]
    for key in ("totalTaxable", "totalCgst", "totalSgst", "totalAmount"):
        assert sum(paise_of(n[key]) for n in notes) == paise_of(invoice[key])
    assert [paise_of(n["totalTaxable"]) for n in notes] == [33300, 33299, 33300]


def test_refund_paid_out_when_the_bill_was_paid(svc: ShopServices, parts) -> None:
    customer = svc.customers.create("9891112222", name="Ravi")
    invoice = _bill(svc, {"BP": 2}, paid=2360, customer=customer.id)  # 2 × 1180, paid
    note = stored(svc, svc.returns.create(invoice["_id"], {0: 1}, method="upi"))
    assert _paise(note, "refundAmount", "adjustedAmount") == (118000, 0)
    assert note["refundMethod"] == "upi"
    assert svc.ctx.store.db.payments.count_documents({"creditNoteId": note["_id"]}) == 0
    assert svc.customers.dues_paise(customer.id) == 0


def test_part_paid_bill_sets_the_credit_against_dues_first(svc: ShopServices, parts) -> None:
    customer = svc.customers.create("9891112222", name="Ravi")
    invoice = _bill(svc, {"BP": 2}, paid=1500, customer=customer.id)  # ₹860 due
    before = _state(svc)
    with pytest.raises(ValidationError) as err:  # ₹1,180 back, only ₹860 can be set off
        svc.returns.create(invoice["_id"], {0: 1}, refund=100)
    assert err.value.field == "refundAmount" and "refund at least ₹320.00" in err.value.message
    assert _state(svc) == before
    note = stored(svc, svc.returns.create(invoice["_id"], {0: 1}))
    assert _paise(note, "refundAmount", "adjustedAmount") == (32000, 86000)
    adjustment = svc.ctx.store.db.payments.find_one({"creditNoteId": note["_id"]})
    assert adjustment["method"] == "other" and paise_of(adjustment["amount"]) == 86000
    assert svc.customers.dues_paise(customer.id) == 0
    assert svc.invoices.document(invoice["_id"])["isFinalized"] is True


def test_bad_returns_name_the_field_and_change_nothing(svc: ShopServices, parts) -> None:
    invoice = _bill(svc, {"BP": 2, "HL": 1}, paid=0)
    before = _state(svc)
    cases = [
        (
            lambda: svc.returns.create("A/2526/00099", {0: 1}),
            "invoiceNumber",
            "no invoice",
        ),
        (
            lambda: svc.returns.create(invoice["_id"], {0: 3}),
            "quantity",
            "only 2 left",
        ),
        (
            lambda: svc.returns.lines_by_code(invoice["_id"], {"XX": 1}),
            "itemCode",
            "not on invoice",
        ),
        (
            lambda: svc.returns.create(invoice["_id"], {7: 1}),
            "invoiceLine",
            "no line 7",
        ),
        (
            lambda: svc.returns.create(invoice["_id"], {0: "1.5"}),
            "quantity",
            "whole number",
        ),
        (lambda: svc.returns.create(invoice["_id"], {}), "quantity", "at least one"),
        (
            lambda: svc.returns.create(invoice["_id"], {0: 1}, refund=5000),
            "refundAmount",
            "more than the credit note",
        ),
    ]
    for call, field, words in cases:
        with pytest.raises(ValidationError) as err:
            call()
        assert err.value.field == field and words in err.value.message, err.value
        assert _state(svc) == before


def test_cancel_an_unpaid_bill_of_today(svc: ShopServices, parts) -> None:
    customer = svc.customers.create("9891112222", name="Ravi")
    invoice = _bill(svc, {"BP": 2, "HL": 1}, customer=customer.id)
    assert svc.customers.dues_paise(customer.id) == 2 * 118000 + 52500
    with pytest.raises(ValidationError) as err:
        svc.returns.cancel(invoice["_id"], reason="  ")
    assert err.value.field == "cancelReason"
    cancelled = stored(svc, svc.returns.cancel(invoice["invoiceNumber"], reason="billed twice"))
    assert cancelled["invoiceNumber"] == invoice["invoiceNumber"]  # the number stays
    assert cancelled["isCancelled"] is True and cancelled["cancelReason"] == "billed twice"
    assert cancelled["isFinalized"] is True and cancelled["cancelRefund"] == 0
    assert svc.customers.dues_paise(customer.id) == 0
    assert {c: svc.catalog.item(i.id).stock for c, i in parts.items()} == {
        "BP": 20,
        "HL": 20,
    }
    assert svc.invoices.verify() == []  # the cancellation mark is not an edit
    assert svc.ctx.store.count("purchasehistories") == 0

    before = _state(svc)
    for call, field, words in [
        (
            lambda: svc.returns.cancel(invoice["_id"], reason="again"),
            "invoiceNumber",
            "already cancelled",
        ),
        (
            lambda: svc.returns.create(invoice["_id"], {0: 1}),
            "invoiceNumber",
            "is cancelled",
        ),
    ]:
        with pytest.raises(ValidationError) as err:
            call()
        assert err.value.field == field and words in err.value.message
        assert _state(svc) == before


def test_cancel_a_paid_bill_only_with_its_refund(svc: ShopServices, parts) -> None:
    invoice = _bill(svc, {"HL": 2}, paid=1050)
    before = _state(svc)
    with pytest.raises(ValidationError) as err:
        svc.returns.cancel(invoice["_id"], reason="customer changed mind")
    assert err.value.field == "refund" and "₹1,050.00 was paid" in err.value.message
    assert _state(svc) == before
    done = stored(
        svc,
        svc.returns.cancel(
            invoice["_id"], reason="customer changed mind", refund=True, refund_method="upi"
        ),
    )
    assert done["cancelRefund"] == 1050 and done["cancelRefundMethod"] == "upi"


def test_cancel_only_today_and_never_after_a_return(
    svc: ShopServices, parts, clock: FixedClock
) -> None:
    first = _bill(svc, {"HL": 1})
    second = _bill(svc, {"BP": 1})
    svc.returns.create(second["_id"], {0: 1})
    before = _state(svc)
    with pytest.raises(ValidationError) as err:
        svc.returns.cancel(second["_id"], reason="x")
    assert err.value.field == "invoiceNumber" and "credit note" in err.value.message
    clock.advance(timedelta(days=1))
    with pytest.raises(ValidationError) as err:
        svc.returns.cancel(first["_id"], reason="x")
    assert err.value.field == "invoiceDate" and "only a bill of today" in err.value.message
    assert _state(svc) == before


def test_credit_note_time_limit(svc: ShopServices, parts, clock: FixedClock) -> None:
    """Sec. 34(2): for an invoice of FY 2025-26, credit notes until 30 November 2026."""
    invoice = _bill(svc, {"HL": 2})
    clock.advance(timedelta(days=530))  # 2026-11-28
    assert svc.returns.create(invoice["_id"], {0: 1}).number == "CN-A/2627/00001"
    clock.advance(timedelta(days=3))  # 2026-12-01
    with pytest.raises(ValidationError) as err:
        svc.returns.create(invoice["_id"], {0: 1})
    assert err.value.field == "invoiceDate" and "30 Nov 2026" in err.value.message


def test_tampered_credit_note_is_found(svc: ShopServices, parts) -> None:
    invoice = _bill(svc, {"HL": 2})
    note = stored(svc, svc.returns.create(invoice["_id"], {0: 1}))
    svc.returns.create(invoice["_id"], {0: 1})
    svc.ctx.store.db.creditnotes.update_one({"_id": note["_id"]}, {"$set": {"totalAmount": 1}})
    problems = svc.returns.verify()
    assert problems == [f"credit note {note['creditNoteNumber']} was changed after it was made"]


def test_preview_matches_what_is_saved_and_saves_nothing(svc: ShopServices, parts) -> None:
    invoice = _bill(svc, {"BP": 3, "HL": 4}, discount=500, paid=3000)
    before = _state(svc)
    preview = svc.returns.preview(invoice["_id"], {0: 1, 1: 3})
    assert _state(svc) == before
    assert (preview.taxable, preview.tax, preview.total) == (225000, 22950, 247950)
    assert (preview.adjusted, preview.refund) == (207600, 40350)  # ₹2,076 due, rest paid out
    note = stored(svc, svc.returns.create(invoice["_id"], {0: 1, 1: 3}))
    assert _paise(note, "totalAmount", "adjustedAmount", "refundAmount") == (
        preview.total,
        preview.adjusted,
        preview.refund,
    )


def test_credit_goes_against_the_customers_other_dues_before_a_refund(
    svc: ShopServices, parts, clock: FixedClock
) -> None:
    """A paid bill's return first clears the customer's older unpaid bills, then is refunded."""
    customer = svc.customers.create("9891112222", name="Ravi")
    older = _bill(svc, {"HL": 1}, paid=0, customer=customer.id)  # ₹525 due
    clock.advance(timedelta(hours=1))
    newer = _bill(svc, {"HL": 2}, paid=500, customer=customer.id)  # ₹550 due
    clock.advance(timedelta(hours=1))
    paid = _bill(svc, {"BP": 2}, paid=2360, customer=customer.id)  # nothing due
    walk_in = _bill(svc, {"HL": 1}, paid=0)  # not theirs
    assert svc.customers.dues_paise(customer.id) == 107500
    preview = svc.returns.preview(paid["_id"], {0: 1})  # ₹1,180 back
    assert preview.adjustments == [(older["invoiceNumber"], 52500), (newer["invoiceNumber"], 55000)]
    assert (preview.adjusted, preview.refund) == (107500, 10500)
    note = stored(svc, svc.returns.create(paid["_id"], {0: 1}))
    assert [(a["invoiceNumber"], a["amount"]) for a in note["adjustments"]] == [
        (older["invoiceNumber"], 525),
        (newer["invoiceNumber"], 550),
    ]
    assert _paise(note, "adjustedAmount", "refundAmount") == (107500, 10500)
    assert svc.customers.dues_paise(customer.id) == 0
    assert svc.invoices.document(walk_in["_id"])["isFinalized"] is False
    with pytest.raises(ValidationError) as err:  # the dues are gone: all of it is refunded
        svc.returns.create(paid["_id"], {0: 1}, refund=0)
    assert err.value.field == "refundAmount" and "only ₹0.00 is due" in err.value.message


def test_health_check_covers_credit_note_chains(svc: ShopServices, parts) -> None:
    from viveka_pos.services.health import check_chains

    invoice = _bill(svc, {"HL": 2})
    note = stored(svc, svc.returns.create(invoice["_id"], {0: 1}))
    healthy = check_chains(svc.ctx.store)
    assert healthy.ok and "all 1 credit notes intact" in healthy.detail
    svc.ctx.store.db.creditnotes.update_one({"_id": note["_id"]}, {"$set": {"reason": "x"}})
    broken = check_chains(svc.ctx.store)
    assert not broken.ok and f"credit note {note['creditNoteNumber']} was changed" in (
        broken.detail
    )


def test_credit_note_views_agree_with_what_is_stored(svc: ShopServices, parts) -> None:
    """The credit note handed back (built before it is read back) is the one read back,
    by id and by number; the preview's lines are the lines it then carries."""
    invoice = _bill(svc, {"BP": 2, "HL": 1}, paid=0)
    preview = svc.returns.preview(invoice["_id"], {0: 1, 1: 1})
    note = svc.returns.create(invoice["_id"], {0: 1, 1: 1}, reason="wrong size")
    assert note == svc.returns.get(note.id) == svc.returns.get(note.number)
    assert svc.returns.for_invoice(invoice["_id"]) == [note]
    assert preview.lines == note.lines and preview.total == note.total_amount
    assert (note.reason, note.invoice_number, note.adjusted_amount) == (
        "wrong size",
        invoice["invoiceNumber"],
        note.total_amount,  # unpaid bill: all of it set against its dues
    )
    (share,) = note.adjustments
    assert (share.invoice_id, share.amount) == (invoice["_id"], note.total_amount)
    assert svc.returns.invoice(invoice["_id"]).balance == paise_of(invoice["totalAmount"]) - (
        note.total_amount
    )
