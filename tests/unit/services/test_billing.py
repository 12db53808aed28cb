"""Carts, invoices and payments: the spec's flow, GST, numbering, stock, tamper evidence."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from tests.fixtures.stored import stored
from viveka_pos.domain.entities.item import Item
from viveka_pos.domain.errors import ValidationError
from viveka_pos.services.convert import paise_of
from viveka_pos.services.facade import ShopServices


@pytest.fixture
def carb(svc: ShopServices) -> Item:
    group = svc.catalog.create_group("Engine Parts")
    return svc.catalog.create_item(
        name="Carburetor", price=2500, code="CARB", stock=50, group_id=group.id, gst_rate=0
    )


def test_spec_example_flow(svc: ShopServices, carb: Item) -> None:
    """Carburetor 2500 × 2 = 5000; pay 2000 → pending 3000; pay 3000 by UPI → finalized."""
    store = svc.ctx.store
    bob = svc.customers.create("9891112222", name="Bob Smith")
    cart = svc.carts.create(customer=bob.id)
    view = svc.carts.add_item(cart.cart_id, "CARB", 2)
    assert view.cart.total_amount == 500000 and view.cart.item_count == 1
    assert view.totals.lines[0].line_total == 500000 and view.lines[0].name == "Carburetor"
    line = svc.ctx.store.db.cartitems.find_one({"_id": view.lines[0].id})
    assert line["lineTotal"] == 5000 and line["itemNameSnapshot"] == "Carburetor"
    assert svc.ctx.store.db.carts.find_one({"_id": cart.cart_id})["totalAmount"] == 5000

    invoice = stored(svc, svc.invoices.generate(cart.cart_id, paid_amount=2000, method="cash"))
    assert invoice["totalAmount"] == 5000 and invoice["paidAmount"] == 2000
    assert invoice["isFinalized"] is False
    assert invoice["products"] == [pytest.approx(invoice["products"][0])]
    product = invoice["products"][0]
    assert (
        product["itemName"],
        product["itemGroup"],
        product["quantity"],
        product["costPerUnit"],
    ) == ("Carburetor", "Engine Parts", 2, 2500)
    assert store.count("purchasehistories") == 0
    assert svc.customers.get(bob.id).last_purchase_at is None
    assert svc.customers.dues_paise(bob.id) == 300000
    assert store.count("carts") == 0 and store.count("cartitems") == 0  # cart cleared
    assert svc.catalog.item(carb.id).stock == 48

    after = stored(
        svc,
        svc.payments.record(
            invoice["invoiceNumber"], 3000, method="upi", note="Remainder payment via UPI"
        ),
    )
    assert after["paidAmount"] == 5000 and after["isFinalized"] is True
    histories = list(store.db.purchasehistories.find({}))
    assert len(histories) == 1 and histories[0]["invoiceId"] == invoice["_id"]
    assert histories[0]["totalAmount"] == 5000
    assert svc.customers.get(bob.id).last_purchase_at is not None
    assert svc.customers.dues_paise(bob.id) == 0
    methods = sorted(p["method"] for p in svc.payments.documents_for_invoice(invoice["_id"]))
    assert methods == ["cash", "upi"]


def test_invoice_dates_and_number(svc: ShopServices, carb: Item) -> None:
    cart = svc.carts.create()
    svc.carts.add_item(cart.cart_id, carb.id, 1)
    invoice = stored(svc, svc.invoices.generate(cart.cart_id))
    assert invoice["invoiceDate"] == "2025-06-16" and invoice["dueDate"] == "2025-07-16"
    assert invoice["invoiceNumber"] == "A/2526/00001"
    # no amount given: the whole bill is paid, as the payment dialog proposes
    assert invoice["paidAmount"] == 2500 and invoice["isFinalized"] is True
    svc.device.update(invoicePrefix="B2")
    cart = svc.carts.create()
    svc.carts.add_item(cart.cart_id, carb.id, 1)
    assert stored(svc, svc.invoices.generate(cart.cart_id))["invoiceNumber"] == "B2/2526/00001"
    cart = svc.carts.create()
    svc.carts.add_item(cart.cart_id, carb.id, 1)
    assert stored(svc, svc.invoices.generate(cart.cart_id))["invoiceNumber"] == "B2/2526/00002"


def test_full_payment_at_billing_finalizes(svc: ShopServices, carb: Item) -> None:
    bob = svc.customers.create("9891112222", name="Bob Smith")
    cart = svc.carts.create(customer="9891112222")
    svc.carts.add_item(cart.cart_id, "CARB", 1)
    invoice = stored(svc, svc.invoices.generate(cart.cart_id, paid_amount="2500"))
    assert invoice["isFinalized"] is True
    assert svc.ctx.store.count("purchasehistories") == 1
    assert svc.customers.purchase_history(bob.id)[0]["invoiceId"] == invoice["_id"]


def test_intra_state_gst_split(svc: ShopServices) -> None:
    svc.catalog.create_item(
        name="Brake pad", price=500, code="BP", stock=10, gst_rate=18, hsn_code="87083000"
    )
    cart = svc.carts.create()
    view = svc.carts.add_item(cart.cart_id, "BP", 3)
    assert view.totals.total_cgst == 13500 and view.totals.total_sgst == 13500
    invoice = stored(svc, svc.invoices.generate(cart.cart_id, paid_amount=1770))
    assert invoice["supplyType"] == "intra"
    assert invoice["subtotal"] == 1500 and invoice["totalTax"] == 270
    assert invoice["totalCgst"] == 135 and invoice["totalSgst"] == 135
    assert invoice["totalIgst"] == 0 and invoice["totalAmount"] == 1770
    assert invoice["taxSummary"] == [
        {
            "hsnCode": "87083000",
            "gstRate": 18,
            "taxableValue": 1500,
            "cgst": 135,
            "sgst": 135,
            "igst": 0,
        }
    ]
    assert invoice["amountInWords"] == "Rupees One Thousand Seven Hundred Seventy Only"
    assert invoice["isFinalized"] is True


def test_inter_state_customer_pays_igst(svc: ShopServices) -> None:
    svc.catalog.create_item(name="Horn", price="540.50", code="HORN", stock=5, gst_rate=28)
    svc.customers.create("9742233445", name="Lakshmi Auto Works", gst_no="33AAGFL5678D1ZA")
    cart = svc.carts.create(customer="9742233445")
    svc.carts.add_item(cart.cart_id, "HORN", 2)
    invoice = stored(svc, svc.invoices.generate(cart.cart_id))
    assert invoice["supplyType"] == "inter" and invoice["placeOfSupply"] == "33"
    assert invoice["customerGstin"] == "33AAGFL5678D1ZA"
    assert invoice["totalIgst"] == 302.68 and invoice["totalCgst"] == 0  # 28% of 1081.00
    assert invoice["totalAmount"] == 1383.68


def test_discounts_and_exact_totals(svc: ShopServices) -> None:
    svc.catalog.create_item(name="Bulb", price="95", code="B", stock=100, gst_rate=18)
    svc.catalog.create_item(name="Tape", price="20", code="T", stock=100, gst_rate=18)
    cart = svc.carts.create()
    view = svc.carts.add_item(cart.cart_id, "B", 3)
    view = svc.carts.add_item(cart.cart_id, "T", 7)
    bulb_line = view.lines[0].id
    view = svc.carts.set_line_discount(cart.cart_id, bulb_line, "10")
    view = svc.carts.set_bill_discount(cart.cart_id, "25.55")
    invoice = stored(svc, svc.invoices.generate(cart.cart_id))
    products = invoice["products"]
    total = sum(paise_of(p["lineTotal"]) for p in products)
    assert paise_of(invoice["totalAmount"]) == total
    assert paise_of(invoice["totalDiscount"]) == 1000 + 2555
    assert paise_of(invoice["subtotal"]) - paise_of(invoice["totalDiscount"]) + paise_of(
        invoice["totalTax"]
    ) == paise_of(invoice["totalAmount"])
    with pytest.raises(ValidationError) as err:
        cart2 = svc.carts.create()
        svc.carts.add_item(cart2.cart_id, "T", 1)
        svc.carts.set_bill_discount(cart2.cart_id, "21")
    assert err.value.field == "discount"


def test_cart_quantity_rules(svc: ShopServices) -> None:
    svc.catalog.create_item(name="Wire", price="28", code="W", stock=500, unit="meter")
    svc.catalog.create_item(name="Bolt", price="6", code="BOLT", stock=500, unit="pcs")
    cart = svc.carts.create()
    view = svc.carts.add_item(cart.cart_id, "W", "2.5")
    assert view.lines[0].quantity == Decimal("2.5") and view.cart.total_amount == 7000
    with pytest.raises(ValidationError, match="whole number"):
        svc.carts.add_item(cart.cart_id, "BOLT", "1.5")
    with pytest.raises(ValidationError, match="more than zero"):
        svc.carts.add_item(cart.cart_id, "BOLT", 0)
    view = svc.carts.add_item(cart.cart_id, "BOLT", 2)
    view = svc.carts.add_item(cart.cart_id, "BOLT", 3)  # same item: quantity adds up
    bolt = view.lines[1]
    assert bolt.quantity == 5 and len(view.lines) == 2
    view = svc.carts.change_quantity(cart.cart_id, bolt.id, -1)
    assert view.lines[1].quantity == 4
    view = svc.carts.remove_line(cart.cart_id, bolt.id)
    assert len(view.lines) == 1 and view.cart.item_count == 1


def test_parked_bills_and_expiry(svc: ShopServices, carb: Item, clock) -> None:
    first = svc.carts.create(label="Ravi - waiting")
    svc.carts.add_item(first.cart_id, "CARB", 1)
    second = svc.carts.create()
    svc.carts.add_item(second.cart_id, "CARB", 2)
    assert {c.id for c in svc.carts.open_carts()} == {first.cart_id, second.cart_id}
    assert svc.carts.view(first.cart_id).cart.label == "Ravi - waiting"
    clock.advance(hours=25)
    svc.ctx.store.sweep_expired(svc.ctx.now())
    assert svc.carts.open_carts() == []
    with pytest.raises(ValidationError, match="expired"):
        svc.carts.view(first.cart_id)


def test_stock_is_checked_and_decremented_by_movements(svc: ShopServices, carb: Item) -> None:
    # ₹1.25 lakh: the buyer is named with address and state (GST Rule 46)
    buyer = svc.customers.create(
        "9891112222", name="Bob Smith", address="4 Station Road", state_code="Maharashtra"
    )
    cart = svc.carts.create(customer=buyer.id)
    svc.carts.add_item(cart.cart_id, "CARB", 50)
    other = svc.carts.create()  # the other counter sells one meanwhile
    svc.carts.add_item(other.cart_id, "CARB", 1)
    svc.invoices.generate(other.cart_id)
    before = svc.ctx.store.counts()
    with pytest.raises(ValidationError, match="only 49 in stock"):
        svc.invoices.generate(cart.cart_id)
    assert svc.ctx.store.counts() == before  # nothing half-written
    svc.carts.set_quantity(cart.cart_id, svc.carts.view(cart.cart_id).lines[0].id, 49)
    invoice = stored(svc, svc.invoices.generate(cart.cart_id))
    assert svc.catalog.item(carb.id).stock == 0
    moves = list(svc.ctx.store.db.stockmovements.find({"itemId": carb.id}))
    assert sorted(m["quantity"] for m in moves) == [-49, -1, 50]
    sale = next(m for m in moves if m["reason"] == "sale" and m["quantity"] == -49)
    assert sale["refId"] == invoice["_id"]


def test_paid_more_than_total_is_refused(svc: ShopServices, carb: Item) -> None:
    cart = svc.carts.create()
    svc.carts.add_item(cart.cart_id, "CARB", 1)
    with pytest.raises(ValidationError) as err:
        svc.invoices.generate(cart.cart_id, paid_amount=2600)
    assert err.value.field == "paidAmount" and "more than the bill total" in err.value.message
    assert svc.ctx.store.count("invoices") == 0


def test_payment_rules(svc: ShopServices, carb: Item) -> None:
    cart = svc.carts.create(customer=svc.customers.create("9891112222", name="Bob").id)
    svc.carts.add_item(cart.cart_id, "CARB", 1)
    invoice = stored(svc, svc.invoices.generate(cart.cart_id, paid_amount=500))
    for bad, message in [
        (0, "more than zero"),
        (-5, "negative"),
        ("2000.01", "balance"),
        ("1.234", "2 decimals"),
    ]:
        with pytest.raises(ValidationError, match=message):
            svc.payments.record(invoice["_id"], bad)
    with pytest.raises(ValidationError, match="method"):
        svc.payments.record(invoice["_id"], 10, method="cheque")
    with pytest.raises(ValidationError, match="note"):
        svc.payments.record(invoice["_id"], 10, note="x" * 501)
    paid = stored(svc, svc.payments.record(invoice["_id"], 2000, method="bank"))
    assert paid["isFinalized"] is True
    with pytest.raises(ValidationError, match="already paid"):
        svc.payments.record(invoice["_id"], 1)
    assert len(svc.payments.documents_for_invoice(invoice["_id"])) == 2


def test_free_item_invoice_is_finalized(svc: ShopServices) -> None:
    svc.catalog.create_item(name="Free sticker", price=0, code="FREE", stock=10)
    cart = svc.carts.create()
    svc.carts.add_item(cart.cart_id, "FREE", 1)
    invoice = stored(svc, svc.invoices.generate(cart.cart_id))
    assert invoice["totalAmount"] == 0 and invoice["isFinalized"] is True


def test_inactive_shop_cannot_bill(svc: ShopServices, carb: Item) -> None:
    cart = svc.carts.create()
    svc.carts.add_item(cart.cart_id, "CARB", 1)
    svc.shop.set_active(svc.client_id, False)
    with pytest.raises(ValidationError, match="deactivated"):
        svc.invoices.generate(cart.cart_id)


def test_hash_chain_detects_edits_and_gaps(svc: ShopServices, carb: Item, clock) -> None:
    numbers = []
    bob = svc.customers.create("9891112222", name="Bob")
    for _ in range(4):
        cart = svc.carts.create(customer=bob.id)
        svc.carts.add_item(cart.cart_id, "CARB", 1)
        numbers.append(svc.invoices.generate(cart.cart_id, paid_amount=0).number)
        clock.advance(timedelta(minutes=5))
    assert svc.invoices.verify() == []
    db = svc.ctx.store.db
    # payments change only derived fields: the chain still verifies
    svc.payments.record(numbers[0], 100)
    assert svc.invoices.verify() == []
    db.invoices.update_one({"invoiceNumber": numbers[1]}, {"$set": {"totalAmount": 1}})
    db.invoices.delete_one({"invoiceNumber": numbers[2]})
    problems = svc.invoices.verify()
    assert any(numbers[1] in p and "changed" in p for p in problems)
    assert any("00003" in p for p in problems)


def test_invoice_numbers_never_reused(svc: ShopServices, carb: Item) -> None:
    cart = svc.carts.create()
    svc.carts.add_item(cart.cart_id, "CARB", 1)
    first = stored(svc, svc.invoices.generate(cart.cart_id))["invoiceNumber"]
    svc.ctx.store.db.counters.delete_many({})  # e.g. counters lost in an old backup
    cart = svc.carts.create()
    svc.carts.add_item(cart.cart_id, "CARB", 1)
    second = stored(svc, svc.invoices.generate(cart.cart_id))["invoiceNumber"]
    assert first == "A/2526/00001" and second == "A/2526/00002"


def test_outbox_gets_every_business_write_of_a_bill(svc: ShopServices, carb: Item) -> None:
    store = svc.ctx.store
    bob = svc.customers.create("9891112222", name="Bob")
    before = {(r["collection"], str(r["docId"])) for r in store.outbox_batch(10_000)}
    cart = svc.carts.create(customer=bob.id)
    svc.carts.add_item(cart.cart_id, "CARB", 1)
    invoice = stored(svc, svc.invoices.generate(cart.cart_id, paid_amount=100))
    after = {(r["collection"], str(r["docId"])) for r in store.outbox_batch(10_000)}
    new = after - before
    kinds = {c for c, _ in new}
    assert {"invoices", "payments", "stockmovements"} <= kinds
    assert ("invoices", str(invoice["_id"])) in new
    assert not any(c in ("carts", "cartitems") for c, _ in after)


def test_rule_46_big_bill_to_unregistered_buyer_needs_name_address_state(
    svc: ShopServices, carb: Item
) -> None:
    """₹50,000 or more without GSTIN: the buyer, the address and the state are required."""
    cart = svc.carts.create()
    svc.carts.add_item(cart.cart_id, "CARB", 20)  # ₹50,000 exactly, walk-in
    before = svc.ctx.store.counts()
    with pytest.raises(ValidationError) as err:
        svc.invoices.generate(cart.cart_id, paid_amount=50000)
    assert err.value.field == "clientCustomerId" and "Rule 46" in err.value.message
    assert svc.ctx.store.counts() == before
    named = svc.customers.create("9891112222", name="Bob Smith")
    svc.carts.set_customer(cart.cart_id, named.id)
    with pytest.raises(ValidationError) as err:
        svc.invoices.generate(cart.cart_id)
    assert err.value.field == "address"
    svc.customers.update(named.id, address="4 Station Road, Pune")
    with pytest.raises(ValidationError) as err:
        svc.invoices.generate(cart.cart_id)
    assert err.value.field == "stateCode"
    svc.customers.update(named.id, state_code="Maharashtra")  # a state name is accepted
    invoice = stored(svc, svc.invoices.generate(cart.cart_id))
    assert invoice["customerState"] == "Maharashtra" and invoice["totalAmount"] == 50000
    # a smaller bill to a walk-in buyer needs none of it
    small = svc.carts.create()
    svc.carts.add_item(small.cart_id, "CARB", 19)
    assert stored(svc, svc.invoices.generate(small.cart_id))["totalAmount"] == 47500


def test_credit_needs_a_customer_on_the_bill(svc: ShopServices, carb: Item) -> None:
    cart = svc.carts.create()
    svc.carts.add_item(cart.cart_id, "CARB", 1)
    for paid in (0, "2000"):
        with pytest.raises(ValidationError) as err:
            svc.invoices.generate(cart.cart_id, paid_amount=paid)
        assert err.value.field == "paidAmount"
        assert "would stay due from a walk-in customer: add the customer" in err.value.message
    assert svc.ctx.store.count("invoices") == 0 and svc.carts.view(cart.cart_id).lines
    assert stored(svc, svc.invoices.generate(cart.cart_id, paid_amount=2500))["isFinalized"] is True


def test_saved_bill_and_its_views_agree_with_what_is_stored(svc: ShopServices, carb: dict) -> None:
    """The invoice handed back at checkout (built before it is read back) is the invoice
    read back; a bill's customer can be given again as the bill's own view of them."""
    bob = svc.customers.create("9891112222", name="Bob Smith", state_code="27")
    cart = svc.carts.create(customer=bob.id)
    view = svc.carts.add_item(cart.cart_id, "CARB", 2)
    assert view.customer is not None and view.customer.name == "Bob Smith"
    again = svc.carts.set_customer(cart.cart_id, view.customer)
    assert again.customer == view.customer and again.cart.customer_phone == "9891112222"
    saved = svc.invoices.generate(cart.cart_id, paid_amount=1000, notes="first visit")
    assert saved == svc.invoices.get(saved.id) == svc.invoices.get(saved.number)
    assert svc.invoices.recent(1) == [saved] and svc.invoices.for_customer(bob.id) == [saved]
    (payment,) = svc.payments.for_invoice(saved)
    assert (payment.invoice_id, payment.amount, payment.method) == (saved.id, 100000, "cash")
    assert (saved.paid_amount, saved.balance, saved.notes) == (100000, 400000, "first visit")
    after = svc.payments.record(saved, 500, method="upi")
    assert after == svc.invoices.get(saved.id) and after.balance == 350000
