"""Dealers, purchase orders, deliveries into stock, dealer payments and dues."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from bson import ObjectId
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fixtures.older_store import as_version_3
from viveka_pos.domain.clock import FixedClock
from viveka_pos.domain.entities.dealer import Dealer
from viveka_pos.domain.entities.item import Item
from viveka_pos.domain.errors import ValidationError
from viveka_pos.services.context import ServiceContext
from viveka_pos.services.facade import ShopServices
from viveka_pos.services.shop import ShopService
from viveka_pos.store import DuplicateKeyError, Store
from viveka_pos.store.values import doc_key


def refused(field: str, call: Any, *args: Any, **kwargs: Any) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)
    assert caught.value.field == field, caught.value
    return caught.value


@pytest.fixture
def carb(svc: ShopServices) -> Item:
    return svc.catalog.create_item(
        name="Carburetor", price=2500, code="CARB", stock=5, gst_rate=18, hsn_code="8409"
    )


@pytest.fixture
def dealer(svc: ShopServices) -> Dealer:
    return svc.dealers.create(
        "Sharma Auto Parts", contact_person="Ravi Sharma", phone="+91 98450 12345"
    )


# ------------------------------------------------------------------ dealers


def test_dealer_is_stored_with_spec_fields_and_defaults(
    svc: ShopServices, ctx: Any, store: Store
) -> None:
    dealer = svc.dealers.create(
        "  Sharma   Auto  Parts ",
        contact_person="Ravi Sharma",
        phone="+91 98450-12345",
        email="Orders@Sharma.IN",
        address="12 MG Road\nBengaluru",
        logo_url="https://x.in/l.png",
    )
    assert dealer.name == "Sharma Auto Parts"
    assert dealer.contact_person == "Ravi Sharma"
    assert dealer.phone_number == "9845012345"
    assert dealer.email == "Orders@sharma.in"
    assert dealer.address == "12 MG Road\nBengaluru"
    assert dealer.logo_url == "https://x.in/l.png"
    assert dealer.is_active is True
    doc = store.db.dealers.find_one({"_id": dealer.id})
    assert doc == {
        "_id": dealer.id,
        "clientId": svc.client_id,
        "name": "Sharma Auto Parts",
        "contactPerson": "Ravi Sharma",
        "phoneNumber": "9845012345",
        "email": "Orders@sharma.in",
        "address": "12 MG Road\nBengaluru",
        "logoUrl": "https://x.in/l.png",
        "isActive": True,
        "createdAt": ctx.now(),
        "updatedAt": ctx.now(),
    }
    bare = svc.dealers.create("Kumar Traders")
    assert (
        bare.contact_person,
        bare.phone_number,
        bare.email,
        bare.address,
        bare.logo_url,
    ) == ("", "", "", "", "")


def test_dealer_field_rules(svc: ShopServices, dealer: Dealer) -> None:
    refused("name", svc.dealers.create, "A")
    refused("name", svc.dealers.create, "   ")
    refused("name", svc.dealers.create, "x" * 101)
    refused("phoneNumber", svc.dealers.create, "Kumar Traders", phone="12345")
    refused("phoneNumber", svc.dealers.create, "Kumar Traders", phone="98450abcde")
    refused("email", svc.dealers.create, "Kumar Traders", email="kumar.at.example")
    refused("address", svc.dealers.create, "Kumar Traders", address="a" * 501)
    err = refused("name", svc.dealers.create, "sharma AUTO parts")
    assert "already exists" in err.message
    assert svc.dealers.dealers() == [dealer]  # views compare by value


def test_dealers_listed_by_name_and_soft_deleted(svc: ShopServices) -> None:
    for name in ("Zeta Spares", "alpha motors", "Mango Bearings"):
        svc.dealers.create(name)
    mango = svc.dealers.get("mango bearings")
    off = svc.dealers.set_active(mango.id, False)
    assert off.is_active is False
    assert [d.name for d in svc.dealers.dealers()] == ["alpha motors", "Zeta Spares"]
    assert [d.name for d in svc.dealers.dealers(include_inactive=True)] == [
        "alpha motors",
        "Mango Bearings",
        "Zeta Spares",
    ]
    err = refused("name", svc.dealers.create, "MANGO bearings")
    assert "reactivate" in err.message
    refused("isActive", svc.dealers.set_active, mango.id, "no")
    assert svc.dealers.set_active(str(mango.id), True).is_active is True
    assert len(svc.dealers.dealers()) == 3


def test_dealer_update(
    svc: ShopServices, dealer: Dealer, clock: FixedClock, store: Store, ctx: Any
) -> None:
    other = svc.dealers.create("Kumar Traders")
    created = ctx.now()
    clock.advance(minutes=5)
    doc = svc.dealers.update(dealer.id, phone="080-4112-3456", email="a@b.co", contact_person="")
    assert doc.phone_number == "8041123456"  # the trunk 0 is dropped
    assert doc.email == "a@b.co"
    assert doc.contact_person == ""
    stored = store.db.dealers.find_one({"_id": dealer.id})
    assert (stored["createdAt"], stored["updatedAt"]) == (created, created + timedelta(minutes=5))
    refused("name", svc.dealers.update, dealer.id, name="kumar traders")
    refused("rating", svc.dealers.update, dealer.id, rating=5)
    refused("isActive", svc.dealers.update, dealer.id, isActive=False)
    refused("dealerId", svc.dealers.update, ObjectId(), name="Nobody Here")
    renamed = svc.dealers.update(other.id, name="Kumar & Sons")
    assert svc.dealers.get("KUMAR & SONS").id == renamed.id


# ------------------------------------------------------------------- orders


def test_spec_flow_order_ten_then_deliver_adds_stock(
    svc: ShopServices, carb: dict, dealer: Dealer, clock: FixedClock, store: Store
) -> None:
    order = svc.dealers.create_order(
        dealer.id, [(carb.id, 10)], delivery_instructions="Back gate", notes="Monthly"
    )
    assert order.order_number == "PO-A/2526/0001"
    assert order.status == "pending"
    assert order.dealer_id == dealer.id
    assert (order.is_urgent, order.total_amount, order.due_date) == (False, None, "")
    assert (order.delivered_at, order.cancelled_at) == (None, None)
    stored = store.db.dealerorders.find_one({"_id": order.id})
    assert (stored["totalAmount"], stored["dueDate"], stored["deliveryAudit"]) == (None, None, None)
    assert (stored["deviceId"], stored["series"]) == ("pc-test", "A")
    assert order.delivery_instructions == "Back gate"
    lines = svc.dealers.order_lines(order.id)
    assert [(ln.item_id, ln.item_name, ln.quantity) for ln in lines] == [
        (carb.id, "Carburetor", 10)
    ]
    assert svc.catalog.item(carb.id).stock == 5  # ordering moves no stock

    clock.advance(days=2)
    delivered = svc.dealers.mark_delivered(order.order_number, received_by="Ravi", note="2 boxes")
    when = datetime(2025, 6, 18, 5, 0)
    assert svc.catalog.item(carb.id).stock == 15
    assert delivered.status == "delivered"
    assert delivered.delivered_at == when
    assert store.db.dealerorders.find_one({"_id": order.id})["deliveryAudit"] == {
        "deliveredAt": when,
        "receivedBy": "Ravi",
        "note": "2 boxes",
        "deviceId": "pc-test",
        "lines": [{"itemId": carb.id, "quantity": 10}],
    }
    moves = [
        m for m in store.db.stockmovements.find({"itemId": carb.id}) if m["reason"] == "purchase"
    ]
    assert [(m["quantity"], m["refCollection"], m["refId"], m["note"]) for m in moves] == [
        (10, "dealerorders", order.id, "PO-A/2526/0001")
    ]


def test_order_fields_are_validated_and_stored(
    svc: ShopServices, carb: dict, dealer: Dealer, store: Store
) -> None:
    oil = svc.catalog.create_item(name="Engine Oil", price=350, code="OIL", unit="litre")
    order = svc.dealers.create_order(
        dealer,
        [("CARB", 2), (oil.id, "2.5"), (str(carb.id), 3)],
        is_urgent=True,
        total_amount="12,500.50",
        due_date="2025-07-15",
        notes="  call first ",
    )
    assert order.is_urgent is True
    assert order.total_amount == 1250050  # paise
    assert store.db.dealerorders.find_one({"_id": order.id})["totalAmount"] == 12500.5
    assert order.due_date == "2025-07-15"
    assert order.notes == "call first"
    lines = svc.dealers.order_lines(order)
    assert [(ln.item_name, ln.quantity) for ln in lines] == [
        ("Carburetor", 5),
        ("Engine Oil", 2.5),
    ]  # the same item twice became one line
    create = svc.dealers.create_order
    refused("items", create, dealer, [])
    refused("items", create, dealer, "CARB")
    refused("items", create, dealer, [("CARB",)])
    refused("items", create, dealer, [(1.5, 1)])
    refused("code", create, dealer, [("NOPE", 1)])
    refused("quantity", create, dealer, [("CARB", 0)])
    refused("quantity", create, dealer, [("CARB", -2)])
    refused("quantity", create, dealer, [("CARB", "2.5")])  # nos: whole numbers only
    refused("quantity", create, dealer, [("OIL", "0.5")])  # spec: quantity >= 1
    refused("quantity", create, dealer, [("OIL", "1.2345")])
    refused("quantity", create, dealer, [("CARB", 10**7)])
    refused("isUrgent", create, dealer, [("CARB", 1)], is_urgent="yes")
    refused("totalAmount", create, dealer, [("CARB", 1)], total_amount=-1)
    refused("totalAmount", create, dealer, [("CARB", 1)], total_amount=10.125)
    refused("dueDate", create, dealer, [("CARB", 1)], due_date="2025-02-30")
    refused("dueDate", create, dealer, [("CARB", 1)], due_date=datetime(2025, 7, 1))
    refused("notes", create, dealer, [("CARB", 1)], notes="n" * 501)
    refused("dealerId", create, ObjectId(), [("CARB", 1)])
    svc.catalog.set_active(oil.id, False)
    refused("itemId", create, dealer, [(oil.id, 1)])
    svc.dealers.set_active(dealer, False)
    refused("dealerId", create, dealer, [("CARB", 1)])


def test_order_numbers_are_unique_and_never_reused(
    svc: ShopServices, carb: dict, dealer: Dealer, store: Store, clock: FixedClock
) -> None:
    numbers = [svc.dealers.create_order(dealer, [("CARB", 1)]).order_number for _ in range(3)]
    assert numbers == ["PO-A/2526/0001", "PO-A/2526/0002", "PO-A/2526/0003"]
    # An order numbered 0004 arrives from elsewhere (sync after a restore): it is skipped.
    first = store.db.dealerorders.find_one({"orderNumber": numbers[0]})
    synced = {**first, "_id": ObjectId(), "orderNumber": "PO-A/2526/0004"}
    with store.unit_of_work() as db:
        db.dealerorders.insert_one(synced)
    assert svc.dealers.create_order(dealer, [("CARB", 1)]).order_number == "PO-A/2526/0005"
    # The local counter goes back (an older backup restored): numbers still are not reused.
    with store.unit_of_work() as db:
        db.counters.replace_one(
            {"_id": "dealerorder:A:2526"}, {"_id": "dealerorder:A:2526", "next": 1}, upsert=True
        )
    assert svc.dealers.create_order(dealer, [("CARB", 1)]).order_number == "PO-A/2526/0006"
    # And the store itself refuses a second document with a taken number.
    with pytest.raises(DuplicateKeyError), store.unit_of_work() as db:
        db.dealerorders.insert_one({**synced, "_id": ObjectId()})
    svc.device.update(invoicePrefix="b2")
    assert svc.dealers.create_order(dealer, [("CARB", 1)]).order_number == "PO-B2/2526/0001"
    clock.set(datetime(2026, 4, 1, 0, 0, tzinfo=UTC))  # 05:30 on 1 April in India: FY 26-27
    assert svc.dealers.create_order(dealer, [("CARB", 1)]).order_number == "PO-B2/2627/0001"
    all_numbers = [o.order_number for o in svc.dealers.orders()]
    assert len(all_numbers) == len(set(all_numbers)) == 8


def test_status_transitions(
    svc: ShopServices, carb: dict, dealer: Dealer, store: Store, clock: FixedClock
) -> None:
    first = svc.dealers.create_order(dealer, [("CARB", 4)])
    second = svc.dealers.create_order(dealer, [("CARB", 6)])
    clock.advance(hours=3)
    cancelled = svc.dealers.cancel_order(second.id)
    assert cancelled.status == "cancelled"
    assert cancelled.cancelled_at == datetime(2025, 6, 16, 8, 0)
    assert cancelled.delivered_at is None
    svc.dealers.mark_delivered(first.id)
    assert svc.catalog.item(carb.id).stock == 9
    before, outbox = store.counts(), store.outbox_size()
    err = refused("status", svc.dealers.mark_delivered, first.id)
    assert "already delivered" in err.message
    refused("status", svc.dealers.cancel_order, first.id)
    refused("status", svc.dealers.mark_delivered, second.id)
    refused("status", svc.dealers.cancel_order, second.id)
    assert (store.counts(), store.outbox_size()) == (before, outbox)
    assert svc.catalog.item(carb.id).stock == 9


def test_a_failed_delivery_changes_nothing(
    svc: ShopServices, carb: dict, dealer: Dealer, store: Store
) -> None:
    nut = svc.catalog.create_item(name="Nut", price=2, code="NUT", stock=1)
    order = svc.dealers.create_order(dealer, [("CARB", 2), ("NUT", 50)])
    with store.unit_of_work(record_outbox=False) as db:  # damaged data: the item vanished
        db.items.delete_one({"_id": nut.id})
    before, outbox = store.counts(), store.outbox_size()
    refused("itemId", svc.dealers.mark_delivered, order.id)
    assert (store.counts(), store.outbox_size()) == (before, outbox)
    assert svc.catalog.item(carb.id).stock == 5
    assert svc.dealers.order(order.id).status == "pending"


def test_dealer_bill_can_be_recorded_before_or_after_delivery(
    svc: ShopServices, carb: dict, dealer: Dealer, store: Store
) -> None:
    order = svc.dealers.create_order(dealer, [("CARB", 1)])
    billed = svc.dealers.set_order_bill(order.id, 2400, due_date="2025-07-01")
    assert (billed.total_amount, billed.due_date) == (240000, "2025-07-01")
    svc.dealers.mark_delivered(order.id)
    kept = svc.dealers.set_order_bill(order.id, "2450.75")
    assert (kept.total_amount, kept.due_date) == (245075, "2025-07-01")
    cleared = svc.dealers.set_order_bill(order.id, 0, due_date="")
    assert (cleared.total_amount, cleared.due_date) == (0, "")
    stored = store.db.dealerorders.find_one({"_id": order.id})
    assert (stored["totalAmount"], stored["dueDate"]) == (0, None)
    refused("totalAmount", svc.dealers.set_order_bill, order.id, -5)
    refused("totalAmount", svc.dealers.set_order_bill, order.id, None)
    refused("dueDate", svc.dealers.set_order_bill, order.id, 10, due_date="July")
    other = svc.dealers.create_order(dealer, [("CARB", 1)])
    svc.dealers.cancel_order(other.id)
    refused("status", svc.dealers.set_order_bill, other.id, 100)


def test_orders_listing_newest_first_and_detail(
    svc: ShopServices, carb: dict, dealer: Dealer, clock: FixedClock, ctx: ServiceContext
) -> None:
    other = svc.dealers.create("Kumar Traders")
    first = svc.dealers.create_order(dealer, [("CARB", 1)])
    clock.advance(hours=1)
    theirs = svc.dealers.create_order(other, [("CARB", 2)])
    clock.advance(hours=1)
    third = svc.dealers.create_order(dealer, [("CARB", 3)], is_urgent=True)
    svc.dealers.cancel_order(first.id)
    assert [o.id for o in svc.dealers.orders(dealer.id)] == [third.id, first.id]
    assert [o.id for o in svc.dealers.orders()] == [third.id, theirs.id, first.id]
    assert [o.id for o in svc.dealers.orders(dealer, status="cancelled")] == [first.id]
    refused("status", svc.dealers.orders, status="lost")
    detail = svc.dealers.order_for_print(third.order_number)
    assert detail.order["_id"] == third.id
    assert detail.dealer["_id"] == dealer.id
    assert [(ln["itemNameSnapshot"], ln["quantity"]) for ln in detail.lines] == [("Carburetor", 3)]
    refused("orderNumber", svc.dealers.order, "PO-A/2526/0099")
    refused("orderId", svc.dealers.order, ObjectId())
    # another shop on the same computer sees none of it
    shop2 = ShopService(ctx).register(
        phone="9890000001", owner_name="Meena Rao", business_name="Meena Motors", state="Kerala"
    )
    svc2 = ShopServices(ctx, shop2.id)
    assert svc2.dealers.orders() == [] and svc2.dealers.dealers() == []
    refused("orderId", svc2.dealers.order, third.id)
    refused("dealerId", svc2.dealers.get, dealer.id)


# ----------------------------------------------------------- payments, dues


def test_dealer_payments_and_dues(
    svc: ShopServices, carb: dict, dealer: Dealer, clock: FixedClock
) -> None:
    billed = svc.dealers.create_order(dealer, [("CARB", 2)], total_amount=5000)
    unbilled = svc.dealers.create_order(dealer, [("CARB", 1)])
    svc.dealers.create_order(dealer, [("CARB", 1)], total_amount=2000)  # still pending
    svc.dealers.mark_delivered(billed.id)
    svc.dealers.mark_delivered(unbilled.id)
    dues = svc.dealers.dues(dealer.id)
    assert (dues.billed, dues.paid, dues.due, dues.advance) == (500000, 0, 500000, 0)
    assert (dues.pending_orders, dues.unbilled_orders) == (1, 1)

    clock.advance(minutes=1)
    payment = svc.dealers.pay_dealer(
        dealer, 3000, method="upi", note="part", proof_url="C:/proofs/utr.png", order=billed.id
    )
    assert payment.amount == 300000 and payment.method == "upi"
    assert payment.order_id == billed.id and payment.dealer_id == dealer.id
    assert payment.proof_url == "C:/proofs/utr.png"
    assert payment.paid_at == datetime(2025, 6, 16, 5, 1)
    dues = svc.dealers.dues(dealer)
    assert (dues.billed, dues.paid, dues.due, dues.advance) == (500000, 300000, 200000, 0)

    svc.dealers.set_order_bill(unbilled.id, "1000.50")
    assert svc.dealers.dues(dealer).due == 300050
    clock.advance(minutes=1)
    svc.dealers.pay_dealer(dealer, "3500.50")
    dues = svc.dealers.dues(dealer)
    assert (dues.billed, dues.paid, dues.balance, dues.due, dues.advance) == (
        600050,
        650050,
        -50000,
        0,
        50000,
    )
    assert [p.amount for p in svc.dealers.payments(dealer)] == [350050, 300000]

    other = svc.dealers.create("Kumar Traders")
    theirs = svc.dealers.create_order(other, [("CARB", 1)])
    err = refused("orderId", svc.dealers.pay_dealer, dealer, 10, order=theirs.id)
    assert "another dealer" in err.message
    svc.dealers.cancel_order(theirs.id)
    refused("orderId", svc.dealers.pay_dealer, other, 10, order=theirs.id)
    refused("amount", svc.dealers.pay_dealer, dealer, 0)
    refused("amount", svc.dealers.pay_dealer, dealer, "12.345")
    refused("method", svc.dealers.pay_dealer, dealer, 10, method="cheque")
    assert [d.name for d in svc.dealers.all_dues()] == ["Kumar Traders", "Sharma Auto Parts"]
    svc.dealers.set_active(other, False)  # nothing open with Kumar: drops out
    svc.dealers.set_active(dealer, False)  # an advance is still open: stays listed
    assert [d.name for d in svc.dealers.all_dues()] == ["Sharma Auto Parts"]
    assert len(svc.dealers.all_dues(include_inactive=True)) == 2


def test_dues_come_from_kept_sums_equal_to_adding_up_the_documents(
    svc: ShopServices, carb: dict, dealer: Dealer, store: Store, tmp_path: Any
) -> None:
    """Orders move between pending, delivered and cancelled and get bills; the sums kept
    per dealer stay what adding up every order and payment gives (also after a rebuild,
    and in a store from before the sums, read-only or filled at its next open)."""

    from viveka_pos.store import open_store

    first = svc.dealers.create_order(dealer, [("CARB", 2)], total_amount=5000)
    second = svc.dealers.create_order(dealer, [("CARB", 1)])
    third = svc.dealers.create_order(dealer, [("CARB", 1)], total_amount=700)
    svc.dealers.mark_delivered(first.id)
    svc.dealers.mark_delivered(second.id)
    svc.dealers.cancel_order(third.id)
    svc.dealers.pay_dealer(dealer, 1200)
    svc.dealers.set_order_bill(second.id, "99.50")
    svc.dealers.set_order_bill(first.id, 4000)
    expected = (400000 + 9950, 120000, 0, 0)
    dues = svc.dealers.dues(dealer)
    assert (dues.billed, dues.paid, dues.pending_orders, dues.unbilled_orders) == expected
    store.rebuild_derived()
    assert svc.dealers.dues(dealer) == dues
    copy = tmp_path / "older"
    store.backup(copy)
    as_version_3(copy, "DROP TABLE ledger_dealers")
    for read_only in (False, True):  # upgraded, then read as it is
        older = open_store(copy, read_only=read_only)
        try:
            assert older.ledger.dealer_sums(svc.client_id) == {doc_key(dealer.id): expected}
        finally:
            older.close()


# ---------------------------------------------------------- malformed input

junk_text = st.text(max_size=30)
bad_ref = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    junk_text.filter(lambda t: t.strip() == "" or len(t.strip()) == 24),
    st.just(str(ObjectId())),
    st.builds(ObjectId),
    st.lists(st.integers(), max_size=2),
)
bad_amount = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(max_value=-1),
    st.integers(min_value=10**9),
    st.sampled_from(["", "abc", "-1", "1e12", "NaN", "inf", "12.345", "0.001", "₹-5"]),
    st.floats(allow_nan=True, allow_infinity=True).filter(
        lambda f: (
            f != f or f in (float("inf"), float("-inf")) or f < 0 or round(f, 2) != f or f > 10**8
        )
    ),
    st.lists(st.integers(), max_size=2),
)
bad_quantity = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(max_value=0),
    st.integers(min_value=10**6 + 1),
    st.sampled_from(["", "x", "0.5", "1.5", "2.25", "1e9", "NaN", "-3"]),
    st.floats().filter(lambda f: not (math.isfinite(f) and 1 <= f <= 10**6 and f == int(f))),
)
bad_name = st.one_of(
    st.none(),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.sampled_from(["", " ", "A", "\x00ab"]),
    st.text(min_size=101, max_size=120).filter(lambda t: len(" ".join(t.split())) > 100),
)
bad_long_text = st.one_of(
    st.integers(),
    st.floats(),
    st.booleans(),
    st.text(min_size=501, max_size=520).filter(lambda t: len(t.strip()) > 500),
)
bad_date = st.one_of(
    st.integers(),
    st.floats(),
    st.booleans(),
    st.sampled_from(["2025-02-30", "15/07/2025", "tomorrow", "2025-7-1"]),
    st.datetimes(),
)
bad_method = st.one_of(
    st.integers(),
    st.floats(),
    st.booleans(),
    junk_text.filter(
        lambda t: t.strip().lower() not in ("", "cash", "card", "upi", "bank", "other")
    ),
)
bad_status = st.one_of(
    st.integers(),
    st.floats(),
    st.booleans(),
    junk_text.filter(lambda t: t.strip().lower() not in ("", "pending", "delivered", "cancelled")),
)
bad_items = st.one_of(
    st.none(),
    st.integers(),
    junk_text,
    st.just([]),
    st.dictionaries(junk_text, st.integers()),
    st.lists(st.tuples(st.just("CARB")), min_size=1, max_size=2),
    st.lists(
        st.tuples(
            bad_ref.filter(lambda r: not isinstance(r, int) or isinstance(r, bool)), st.just(1)
        ),
        min_size=1,
        max_size=2,
    ),
    st.lists(st.tuples(st.just("CARB"), bad_quantity), min_size=1, max_size=2),
    st.lists(st.tuples(st.just("GONE"), st.just(1)), min_size=1, max_size=2),
)


def _calls(w: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Entry point -> (strategy of a malformed value, call with that value)."""
    d = w["svc"].dealers
    dealer, order = w["dealer"], w["pending"]
    return {
        "create.name": (bad_name, lambda x: d.create(x)),
        "create.phone": (
            st.one_of(
                st.integers(max_value=999_999_999),
                st.sampled_from(["12345", "98450-abc-12", "+1", "9" * 16]),
            ),
            lambda x: d.create("New Co", phone=x),
        ),
        "create.email": (
            st.one_of(st.integers(), junk_text.filter(lambda t: t.strip() and "@" not in t)),
            lambda x: d.create("New Co", email=x),
        ),
        "create.address": (bad_long_text, lambda x: d.create("New Co", address=x)),
        "create.logo": (bad_long_text, lambda x: d.create("New Co", logo_url=x)),
        "create.contact": (
            bad_name.filter(lambda x: x is not None and x != "" and x != " "),
            lambda x: d.create("New Co", contact_person=x),
        ),
        "get": (bad_ref, lambda x: d.get(x)),
        "update.ref": (bad_ref, lambda x: d.update(x, name="Renamed Co")),
        "update.name": (bad_name, lambda x: d.update(dealer, name=x)),
        "update.field": (
            st.sampled_from(["rating", "gst", "_id", "clientId"]),
            lambda x: d.update(dealer, **{x: "1"}),
        ),
        "set_active.flag": (
            st.one_of(st.none(), st.integers(), junk_text),
            lambda x: d.set_active(dealer, x),
        ),
        "set_active.ref": (bad_ref, lambda x: d.set_active(x, False)),
        "order.dealer": (bad_ref, lambda x: d.create_order(x, [("CARB", 1)])),
        "order.inactive": (st.just(None), lambda x: d.create_order(w["inactive"], [("CARB", 1)])),
        "order.items": (bad_items, lambda x: d.create_order(dealer, x)),
        "order.urgent": (
            st.one_of(st.none(), st.integers(), junk_text),
            lambda x: d.create_order(dealer, [("CARB", 1)], is_urgent=x),
        ),
        "order.instructions": (
            bad_long_text,
            lambda x: d.create_order(dealer, [("CARB", 1)], delivery_instructions=x),
        ),
        "order.notes": (bad_long_text, lambda x: d.create_order(dealer, [("CARB", 1)], notes=x)),
        "order.total": (
            bad_amount.filter(lambda x: x is not None and x != ""),
            lambda x: d.create_order(dealer, [("CARB", 1)], total_amount=x),
        ),
        "order.due": (bad_date, lambda x: d.create_order(dealer, [("CARB", 1)], due_date=x)),
        "order.get": (bad_ref, lambda x: d.order(x)),
        "orders.status": (bad_status, lambda x: d.orders(status=x)),
        "orders.dealer": (bad_ref.filter(lambda x: x is not None), lambda x: d.orders(x)),
        "deliver.ref": (bad_ref, lambda x: d.mark_delivered(x)),
        "deliver.by": (
            bad_name.filter(lambda x: x is not None and x != "" and x != " "),
            lambda x: d.mark_delivered(order, received_by=x),
        ),
        "deliver.note": (bad_long_text, lambda x: d.mark_delivered(order, note=x)),
        "deliver.again": (st.just(None), lambda x: d.mark_delivered(w["delivered"])),
        "deliver.cancelled": (st.just(None), lambda x: d.mark_delivered(w["cancelled"])),
        "cancel.ref": (bad_ref, lambda x: d.cancel_order(x)),
        "cancel.delivered": (st.just(None), lambda x: d.cancel_order(w["delivered"])),
        "bill.amount": (bad_amount, lambda x: d.set_order_bill(order, x)),
        "bill.due": (bad_date, lambda x: d.set_order_bill(order, 100, due_date=x)),
        "bill.ref": (bad_ref, lambda x: d.set_order_bill(x, 100)),
        "bill.cancelled": (st.just(None), lambda x: d.set_order_bill(w["cancelled"], 100)),
        "pay.dealer": (bad_ref, lambda x: d.pay_dealer(x, 100)),
        "pay.amount": (st.one_of(bad_amount, st.just(0)), lambda x: d.pay_dealer(dealer, x)),
        "pay.method": (bad_method, lambda x: d.pay_dealer(dealer, 100, method=x)),
        "pay.note": (bad_long_text, lambda x: d.pay_dealer(dealer, 100, note=x)),
        "pay.proof": (bad_long_text, lambda x: d.pay_dealer(dealer, 100, proof_url=x)),
        "pay.order": (
            bad_ref.filter(lambda x: x is not None and x != ""),
            lambda x: d.pay_dealer(dealer, 100, order=x),
        ),
        "pay.foreign_order": (st.just(None), lambda x: d.pay_dealer(w["other"], 100, order=order)),
        "payments.dealer": (bad_ref.filter(lambda x: x is not None), lambda x: d.payments(x)),
        "dues.dealer": (bad_ref, lambda x: d.dues(x)),
    }


@pytest.fixture
def world(svc: ShopServices, carb: dict, dealer: Dealer) -> dict[str, Any]:
    svc.catalog.create_item(name="Gone Item", price=1, code="GONE")
    svc.catalog.set_active(svc.catalog.item_by_code("GONE").id, False)
    d = svc.dealers
    inactive = d.create("Closed Dealer")
    d.set_active(inactive, False)
    delivered = d.create_order(dealer, [("CARB", 1)])
    d.mark_delivered(delivered)
    cancelled = d.create_order(dealer, [("CARB", 1)])
    d.cancel_order(cancelled)
    return {
        "svc": svc,
        "dealer": dealer.id,
        "other": d.create("Kumar Traders").id,
        "inactive": inactive.id,
        "pending": d.create_order(dealer, [("CARB", 2)]).id,
        "delivered": delivered.id,
        "cancelled": cancelled.id,
    }


def _snapshot(store: Store) -> tuple[dict[str, int], int, list[str]]:
    docs = sorted(
        str(doc)
        for name in (
            "dealers",
            "dealerorders",
            "dealerorderitems",
            "dealerpayments",
            "items",
            "stockmovements",
            "counters",
        )
        for doc in store.iter_docs(name)
    )
    return store.counts(), store.outbox_size(), docs


def test_malformed_input_to_every_entry_point_is_refused_cleanly(
    world: dict[str, Any], store: Store
) -> None:
    calls = _calls(world)
    before = _snapshot(store)

    @settings(
        max_examples=300,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data(), entry=st.sampled_from(sorted(calls)))
    def check(data: st.DataObject, entry: str) -> None:
        strategy, call = calls[entry]
        value = data.draw(strategy, label=entry)
        with pytest.raises(ValidationError) as caught:
            call(value)
        assert caught.value.field, f"{entry}: error without a field"
        assert caught.value.message

    check()
    assert _snapshot(store) == before


def test_quantities_keep_three_decimals(svc: ShopServices, dealer: Dealer) -> None:
    wire = svc.catalog.create_item(
        name="Copper Wire", price=90, code="WIRE", unit="meter", stock="1.5"
    )
    order = svc.dealers.create_order(dealer, [("WIRE", "12.125")])
    svc.dealers.mark_delivered(order)
    assert svc.catalog.item(wire.id).stock == Decimal("13.625")
