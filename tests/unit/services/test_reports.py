"""Reports over a small known data set: 3 invoices over 2 days, partial payments by cash,
UPI and card (one of them after midnight in India but not in UTC)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from bson import ObjectId

from tests.fixtures.stored import stored
from viveka_pos.domain.clock import FixedClock
from viveka_pos.domain.errors import ValidationError
from viveka_pos.services.context import ServiceContext
from viveka_pos.services.facade import ShopServices
from viveka_pos.services.reports import ReportService
from viveka_pos.services.shop import ShopService
from viveka_pos.store import Store
from viveka_pos.store.ledger import amount_paise

DAY1, DAY2, DAY3 = "2025-06-16", "2025-06-17", "2025-06-18"


def at(day: str, hour: int, minute: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=UTC)


@pytest.fixture
def data(svc: ShopServices, clock: FixedClock) -> dict[str, Any]:
    """Day 1: bill 1 (Bob, ₹1180, ₹500 cash), bill 2 (walk-in, ₹448, paid by UPI).
    Day 2: bill 3 (Kumar in Tamil Nadu, IGST, ₹1870, ₹1000 cash); ₹300 UPI on bill 1.
    Day 3 (IST; still day 2 in UTC): ₹100 by card on bill 3."""
    cat = svc.catalog
    cat.create_item(name="Brake Pad", price=500, code="PAD", stock=20, gst_rate=18, hsn_code="8708")
    cat.create_item(
        name="Engine Oil",
        price=350,
        code="OIL",
        stock="4.5",
        unit="litre",
        gst_rate=28,
        hsn_code="2710",
    )
    cat.create_item(name="Bolt", price=10, code="BOLT", stock=100, gst_rate=0, hsn_code="7318")
    old = cat.create_item(name="Old Horn", price=99, code="HORN", stock=1)
    cat.set_active(old.id, False)
    bob = svc.customers.create("9891112222", name="Bob")
    kumar = svc.customers.create("9444455555", name="Kumar", state_code="33")

    def bill(customer: Any, lines: list[tuple[str, Any]], paid: int, method: str) -> dict:
        cart = svc.carts.create(customer=customer)
        for code, qty in lines:
            svc.carts.add_item(cart.cart_id, code, qty)
        return stored(svc, svc.invoices.generate(cart.cart_id, paid_amount=paid, method=method))

    clock.set(at(DAY1, 5))  # 10:30 IST
    inv1 = bill(bob.id, [("PAD", 2)], 500, "cash")
    clock.set(at(DAY1, 9))
    inv2 = bill(None, [("OIL", 1)], 448, "upi")
    clock.set(at(DAY2, 5))
    inv3 = bill(kumar.id, [("PAD", 3), ("BOLT", 10)], 1000, "cash")
    clock.set(at(DAY2, 6))
    svc.payments.record(inv1["invoiceNumber"], 300, method="upi")
    clock.set(at(DAY2, 19))  # 00:30 on 18 June in India
    svc.payments.record(inv3["invoiceNumber"], 100, method="card")
    return {"inv1": inv1, "inv2": inv2, "inv3": inv3, "bob": bob, "kumar": kumar}


def test_the_data_set_is_what_the_tests_assume(data: dict[str, Any]) -> None:
    totals = [amount_paise(data[k]["totalAmount"]) for k in ("inv1", "inv2", "inv3")]
    assert totals == [118000, 44800, 187000]
    assert data["inv3"]["supplyType"] == "inter"


# ------------------------------------------------------------------ pending


def test_pending_invoices_oldest_first_with_balance(
    svc: ShopServices, data: dict[str, Any], clock: FixedClock
) -> None:
    report = svc.reports.pending_invoices()
    assert [r.invoice_number for r in report.rows] == [
        data["inv1"]["invoiceNumber"],
        data["inv3"]["invoiceNumber"],
    ]
    assert [(r.total, r.paid, r.balance) for r in report.rows] == [
        (118000, 80000, 38000),
        (187000, 110000, 77000),
    ]
    assert report.total_balance == 115000 and report.count == 2
    first = report.rows[0]
    assert (first.customer_name, first.customer_phone, first.invoice_date, first.due_date) == (
        "Bob",
        "9891112222",
        DAY1,
        "2025-07-16",
    )
    assert [r.overdue_days for r in report.rows] == [0, 0]
    clock.set(at("2025-07-20", 5))
    assert [r.overdue_days for r in svc.reports.pending_invoices().rows] == [4, 3]
    only_bob = svc.reports.pending_invoices("98911 12222")
    assert [r.invoice_number for r in only_bob.rows] == [data["inv1"]["invoiceNumber"]]
    assert svc.reports.pending_invoices(data["kumar"].id).total_balance == 77000
    with pytest.raises(ValidationError) as err:
        svc.reports.pending_invoices("9000000000")
    assert err.value.field == "phoneNumber"


def test_pending_follows_new_payments(svc: ShopServices, data: dict[str, Any]) -> None:
    assert svc.reports.dashboard().pending_dues == 115000
    svc.payments.record(data["inv1"]["invoiceNumber"], 380, method="bank")
    report = svc.reports.pending_invoices()
    assert [r.invoice_number for r in report.rows] == [data["inv3"]["invoiceNumber"]]
    dash = svc.reports.dashboard()
    assert (dash.pending_invoices, dash.pending_dues) == (1, 77000)


# ----------------------------------------------------------------- payments


def test_payment_report_by_period_and_method(svc: ShopServices, data: dict[str, Any]) -> None:
    day1 = svc.reports.payment_report(DAY1, DAY1)
    assert [(r.invoice_number, r.method, r.amount) for r in day1.rows] == [
        (data["inv1"]["invoiceNumber"], "cash", 50000),
        (data["inv2"]["invoiceNumber"], "upi", 44800),
    ]
    assert day1.by_method == {"cash": 50000, "card": 0, "upi": 44800, "bank": 0, "other": 0}
    assert day1.total == 94800
    assert (day1.rows[0].customer_name, day1.rows[0].customer_phone) == ("Bob", "9891112222")
    assert day1.rows[1].customer_name == ""  # walk-in

    # 19:00 UTC on the 17th is the 18th in India: the card payment is not on day 2
    day2 = svc.reports.payment_report(DAY2, DAY2)
    assert [(r.method, r.amount, r.day) for r in day2.rows] == [
        ("cash", 100000, DAY2),
        ("upi", 30000, DAY2),
    ]
    assert day2.total == 130000
    day3 = svc.reports.payment_report(DAY3, DAY3)
    assert [(r.method, r.amount, r.day, r.paid_at) for r in day3.rows] == [
        ("card", 10000, DAY3, datetime(2025, 6, 17, 19, 0))
    ]
    everything = svc.reports.payment_report(DAY1, DAY3)
    assert everything.total == 94800 + 130000 + 10000
    assert everything.by_method == {
        "cash": 150000,
        "card": 10000,
        "upi": 74800,
        "bank": 0,
        "other": 0,
    }
    upi = svc.reports.payment_report(DAY1, DAY3, method="UPI")
    assert (upi.method, upi.by_method, upi.total, len(upi.rows)) == (
        "upi",
        {"upi": 74800},
        74800,
        2,
    )
    assert svc.reports.payment_report("2025-06-19", "2025-06-30").rows == []
    assert svc.reports.payment_report("2025-06-10", DAY1).total == 94800


def test_period_arguments_are_validated(svc: ShopServices, data: dict[str, Any]) -> None:
    reports = svc.reports
    for call in (reports.payment_report, reports.day_book, reports.gst_summary):
        with pytest.raises(ValidationError) as err:
            call(DAY2, DAY1)
        assert err.value.field == "dateTo"
        with pytest.raises(ValidationError) as err:
            call("16-06-2025", DAY1)
        assert err.value.field == "dateFrom"
        with pytest.raises(ValidationError) as err:
            call(DAY1, "2025-06-31")
        assert err.value.field == "dateTo"
    with pytest.raises(ValidationError) as err:
        reports.payment_report(DAY1, DAY2, method="cheque")
    assert err.value.field == "method"


# ------------------------------------------------------------ customer history


def test_customer_purchase_history_by_phone(
    svc: ShopServices, data: dict[str, Any], ctx: ServiceContext
) -> None:
    svc.payments.record(data["inv1"]["invoiceNumber"], 380)
    report = svc.reports.purchase_history("+91 98911 12222")
    assert (report.name, report.phone, report.customer_id) == (
        "Bob",
        "9891112222",
        data["bob"].id,
    )
    assert [
        (r.invoice_number, r.total, r.paid, r.balance, r.is_finalized) for r in report.rows
    ] == [(data["inv1"]["invoiceNumber"], 118000, 118000, 0, True)]
    assert (report.purchased, report.paid, report.due) == (118000, 118000, 0)
    assert report.last_purchase_at == ctx.now()
    kumar = svc.reports.purchase_history("9444455555")
    assert (kumar.purchased, kumar.paid, kumar.due, kumar.last_purchase_at) == (
        187000,
        110000,
        77000,
        None,
    )
    with pytest.raises(ValidationError) as err:
        svc.reports.purchase_history("9000000000")
    assert err.value.field == "phoneNumber"
    with pytest.raises(ValidationError) as err:
        svc.reports.purchase_history("call me")
    assert err.value.field == "phoneNumber"


# ---------------------------------------------------------------- day book


def test_day_book(svc: ShopServices, data: dict[str, Any]) -> None:
    book = svc.reports.day_book(DAY1, DAY3)
    rows = {r.day: r for r in book.rows}
    assert list(rows) == [DAY1, DAY2, DAY3]
    assert (rows[DAY1].bills, rows[DAY1].sales, rows[DAY1].tax) == (2, 162800, 27800)
    assert rows[DAY1].collections == {"cash": 50000, "upi": 44800}
    assert (rows[DAY1].collected, rows[DAY1].dues_created) == (94800, 68000)
    assert (rows[DAY2].bills, rows[DAY2].sales, rows[DAY2].tax) == (1, 187000, 27000)
    assert rows[DAY2].collections == {"cash": 100000, "upi": 30000}
    assert rows[DAY2].dues_created == 87000  # ₹1870 billed, ₹1000 of it paid that day
    assert (
        rows[DAY3].bills,
        rows[DAY3].sales,
        rows[DAY3].collections,
        rows[DAY3].dues_created,
    ) == (0, 0, {"card": 10000}, 0)
    t = book.totals
    assert (t.bills, t.sales, t.tax, t.collected, t.dues_created) == (
        3,
        349800,
        54800,
        234800,
        155000,
    )
    assert t.collections == {"cash": 150000, "card": 10000, "upi": 74800, "bank": 0, "other": 0}
    # billed − collected = what is still owed
    assert t.sales - t.collected == svc.reports.pending_invoices().total_balance
    # both ends of the period are included, nothing outside it
    assert [r.day for r in svc.reports.day_book(DAY2, DAY2).rows] == [DAY2]
    assert [r.day for r in svc.reports.day_book(DAY2, DAY3).rows] == [DAY2, DAY3]
    assert svc.reports.day_book("2025-06-01", "2025-06-15").rows == []


def test_reports_follow_new_bills_and_default_to_today(
    svc: ShopServices, data: dict[str, Any], clock: FixedClock
) -> None:
    assert svc.reports.day_book().rows[0].day == DAY3  # clock: 00:30 on the 18th in India
    clock.set(at(DAY3, 6))
    cart = svc.carts.create(customer=data["bob"].id)
    svc.carts.add_item(cart.cart_id, "BOLT", 5)
    svc.invoices.generate(cart.cart_id, paid_amount=20, method="other")
    row = svc.reports.day_book(DAY3, DAY3).rows[0]
    assert (row.bills, row.sales, row.collections, row.dues_created) == (
        1,
        5000,
        {"card": 10000, "other": 2000},
        3000,
    )
    assert svc.reports.gst_summary(DAY3).by_rate[0].taxable == 5000
    another = ReportService(svc.scope)  # a second screen shares the same ledger
    assert another.day_book(DAY3, DAY3).rows == [row]


# -------------------------------------------------------------------- stock


def test_stock_report(svc: ShopServices, data: dict[str, Any]) -> None:
    report = svc.reports.stock_report()
    assert [(r.name, r.stock, r.price, r.value, r.is_low) for r in report.rows] == [
        ("Bolt", Decimal(90), 1000, 90000, False),
        ("Brake Pad", Decimal(15), 50000, 750000, False),
        ("Engine Oil", Decimal("3.5"), 35000, 122500, True),
    ]
    assert (report.items, report.low_stock_items, report.total_value) == (3, 1, 962500)
    assert report.rows[2].low_stock_quantity == Decimal(5)
    assert report.rows[2].unit == "litre" and report.rows[1].code == "PAD"
    low_first = svc.reports.stock_report(low_stock_first=True)
    assert [r.name for r in low_first.rows] == ["Engine Oil", "Bolt", "Brake Pad"]
    bolt = svc.catalog.item_by_code("BOLT")
    svc.catalog.adjust_stock(bolt.id, new_stock=3)
    svc.catalog.update_item(svc.catalog.item_by_code("PAD").id, name="Anchor Pad")
    after = svc.reports.stock_report(low_stock_first=True)
    assert [(r.name, r.value) for r in after.rows] == [
        ("Bolt", 3000),
        ("Engine Oil", 122500),
        ("Anchor Pad", 750000),
    ]
    assert (after.items, after.low_stock_items, after.total_value) == (3, 2, 875500)
    assert svc.reports.dashboard().low_stock_items == 2


def test_the_stock_ledger_followed_write_by_write_equals_a_fresh_one(
    svc: ShopServices, data: dict[str, Any]
) -> None:
    """Sales refresh rows in place; renames, deactivation and reactivation move them."""
    store = svc.scope.store

    def same_as_fresh() -> list[str]:
        followed = svc.reports.stock_report(low_stock_first=True)
        store.rebuild_derived()
        fresh = svc.reports.stock_report(low_stock_first=True)
        assert followed == fresh
        return [row.name for row in svc.reports.stock_report().rows]

    bolt = svc.catalog.item_by_code("BOLT").id
    pad = svc.catalog.item_by_code("PAD").id
    svc.catalog.adjust_stock(bolt, new_stock=2)  # now low
    same_as_fresh()
    svc.catalog.adjust_stock(bolt, delta=40)  # not low again
    same_as_fresh()
    svc.catalog.update_item(pad, name="aardvark pad")  # moves to the front
    # low without a stock change
    svc.catalog.update_item(pad, low_stock_quantity=100)
    store.db.items.update_one({"_id": bolt}, {"$set": {"isActive": False}})
    store.db.items.update_one({"_id": bolt}, {"$set": {"isActive": True, "stock": 7}})
    assert same_as_fresh() == ["aardvark pad", "Bolt", "Engine Oil"]


# -------------------------------------------------------------- dealer dues


def test_dealer_dues_report(svc: ShopServices, data: dict[str, Any]) -> None:
    sharma = svc.dealers.create("Sharma Auto Parts")
    kumar = svc.dealers.create("Kumar Traders")
    order = svc.dealers.create_order(sharma, [("PAD", 10)], total_amount=4000)
    svc.dealers.mark_delivered(order)
    svc.dealers.pay_dealer(sharma, 1500, method="bank")
    svc.dealers.pay_dealer(kumar, 250)
    report = svc.reports.dealer_dues()
    assert [(r.name, r.billed, r.paid, r.due, r.advance) for r in report.rows] == [
        ("Kumar Traders", 0, 25000, 0, 25000),
        ("Sharma Auto Parts", 400000, 150000, 250000, 0),
    ]
    assert (report.total_due, report.total_advance) == (250000, 25000)


# ---------------------------------------------------------------------- GST


def test_gst_summary_by_rate_and_hsn(svc: ShopServices, data: dict[str, Any]) -> None:
    gst = svc.reports.gst_summary(DAY1, DAY2)
    assert gst.invoices == 3
    assert [(r.gst_rate, r.taxable, r.cgst, r.sgst, r.igst, r.total_tax) for r in gst.by_rate] == [
        (0, 10000, 0, 0, 0, 0),
        (18, 250000, 9000, 9000, 27000, 45000),
        (28, 35000, 4900, 4900, 0, 9800),
    ]
    assert [(r.hsn_code, r.gst_rate, r.taxable, r.total_tax) for r in gst.by_hsn] == [
        ("2710", 28, 35000, 9800),
        ("7318", 0, 10000, 0),
        ("8708", 18, 250000, 45000),
    ]
    t = gst.totals
    assert (t.gst_rate, t.taxable, t.cgst, t.sgst, t.igst, t.total_tax) == (
        None,
        295000,
        13900,
        13900,
        27000,
        54800,
    )
    assert t.total_tax == svc.reports.day_book(DAY1, DAY2).totals.tax
    day2 = svc.reports.gst_summary(DAY2, DAY2)
    assert [(r.gst_rate, r.taxable, r.igst) for r in day2.by_rate] == [
        (0, 10000, 0),
        (18, 150000, 27000),
    ]
    assert svc.reports.gst_summary("2025-07-01", "2025-07-31").by_rate == []


# ---------------------------------------------------------------- dashboard


def test_dashboard(svc: ShopServices, data: dict[str, Any], clock: FixedClock) -> None:
    dash = svc.reports.dashboard()  # 00:30 on 18 June in India
    assert (dash.day, dash.bills_today, dash.sales_today, dash.collections_today) == (
        DAY3,
        0,
        0,
        10000,
    )
    assert (dash.pending_invoices, dash.pending_dues, dash.low_stock_items) == (2, 115000, 1)
    assert len(dash.sales_by_day) == 30
    assert dash.sales_by_day[0] == ("2025-05-20", 0)
    assert dash.sales_by_day[-3:] == [(DAY1, 162800), (DAY2, 187000), (DAY3, 0)]
    clock.set(at(DAY2, 12))
    dash = svc.reports.dashboard()
    assert (dash.day, dash.bills_today, dash.sales_today, dash.collections_today) == (
        DAY2,
        1,
        187000,
        130000,
    )


# ------------------------------------------------------- keeping the ledger true


def test_a_restored_backup_is_noticed(
    svc: ShopServices, data: dict[str, Any], store: Store, tmp_path: Path, clock: FixedClock
) -> None:
    store.backup(tmp_path / "backup")
    before = svc.reports.day_book(DAY1, DAY3)
    clock.set(at(DAY3, 6))
    cart = svc.carts.create()
    svc.carts.add_item(cart.cart_id, "BOLT", 1)
    svc.invoices.generate(cart.cart_id, paid_amount=10)
    assert svc.reports.day_book(DAY1, DAY3).totals.bills == 4
    store.restore(tmp_path / "backup", safety_copy_dir=tmp_path / "safety")
    assert svc.reports.day_book(DAY1, DAY3) == before
    assert svc.reports.dashboard().pending_dues == 115000


def test_a_new_time_zone_moves_payments_between_days(
    svc: ShopServices, data: dict[str, Any]
) -> None:
    assert svc.reports.payment_report(DAY2, DAY2).total == 130000
    svc.shop.update_settings(svc.client_id, timeZone="Asia/Dubai")  # UTC+4: 19:00Z is 23:00
    assert svc.reports.payment_report(DAY2, DAY2).total == 140000


def test_shops_are_kept_apart(
    svc: ShopServices, data: dict[str, Any], ctx: ServiceContext, clock: FixedClock
) -> None:
    other = ShopService(ctx).register(
        phone="9890000001", owner_name="Meena Rao", business_name="Meena Motors", state="Kerala"
    )
    svc2 = ShopServices(ctx, other.id)
    svc2.catalog.create_item(name="Mirror", price=200, code="MIR", stock=2)
    cart = svc2.carts.create(customer=svc2.customers.create("9891112222", name="Bob").id)
    svc2.carts.add_item(cart.cart_id, "MIR", 1)
    svc2.invoices.generate(cart.cart_id, paid_amount=0)
    assert svc2.reports.pending_invoices().total_balance == 20000
    assert svc.reports.pending_invoices().total_balance == 115000
    assert svc2.reports.day_book(DAY1, DAY3).rows[0].sales == 20000
    assert svc.reports.day_book(DAY3, DAY3).rows[0].sales == 0
    assert [r.name for r in svc2.reports.stock_report().rows] == ["Mirror"]
    assert svc2.reports.payment_report(DAY1, DAY3).rows == []


def test_amounts_that_are_not_numbers_count_as_zero() -> None:
    assert [amount_paise(x) for x in (12, 12.5, 0.1, "7.25", None, True, "abc", 1.005)] == [
        1200,
        1250,
        10,
        725,
        0,
        0,
        0,
        101,
    ]


def test_unknown_customer_id_is_refused(svc: ShopServices, data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as err:
        svc.reports.pending_invoices(ObjectId())
    assert err.value.field == "clientCustomerId"


def test_writes_are_followed_without_rebuilding(
    svc: ShopServices, data: dict[str, Any], store: Store, clock: FixedClock
) -> None:
    # a document another tool wrote without a shop, and one with unreadable amounts
    with store.unit_of_work() as db:
        db.invoices.insert_one(
            {"_id": ObjectId(), "invoiceNumber": "X-1", "totalAmount": 5, "invoiceDate": DAY1}
        )
        db.invoices.insert_one(
            {
                "_id": ObjectId(),
                "clientId": svc.client_id,
                "invoiceNumber": "X-2",
                "invoiceDate": DAY1,
                "totalAmount": "lots",
                "totalTax": None,
                "paidAmount": 0,
                "isFinalized": True,
            }
        )
        db.payments.insert_one({"_id": ObjectId(), "invoiceId": ObjectId(), "amount": 1})
        db.payments.insert_one(
            {
                "_id": ObjectId(),
                "clientId": svc.client_id,
                "invoiceId": ["?"],
                "amount": 2,
                "method": ["?"],
                "paidAt": datetime(2025, 6, 18, 5, 0),
            }
        )
    clock.set(at(DAY3, 6))
    svc.payments.record(data["inv3"]["invoiceNumber"], 70, method="bank")
    row = svc.reports.day_book(DAY1, DAY1).rows[0]
    assert (row.bills, row.sales) == (3, 162800)  # the unreadable amount counts as 0
    assert svc.reports.gst_summary(DAY1, DAY1).by_rate[0].gst_rate == 0
    assert svc.reports.day_book(DAY3, DAY3).rows[0].collections == {
        "card": 10000,
        "bank": 7000,
        "other": 200,
    }
    odd = svc.reports.payment_report(DAY3, DAY3).rows[1]
    assert (odd.method, odd.amount, odd.invoice_number) == ("other", 200, "")
    assert svc.reports.dashboard().pending_dues == 108000


def test_a_rebuilt_ledger_gives_the_same_answers_and_follows_new_bills(
    svc: ShopServices, data: dict[str, Any], store: Store, clock: FixedClock
) -> None:
    before = svc.reports.day_book(DAY1, DAY3)
    pending = svc.reports.pending_invoices()
    counts = store.rebuild_derived()
    assert counts["vivekaDB.invoices"] == 3
    assert svc.reports.day_book(DAY1, DAY3) == before
    assert svc.reports.pending_invoices() == pending
    gst_before = svc.reports.gst_summary(DAY1, DAY3)
    clock.set(at(DAY2, 7))
    cart = svc.carts.create(customer=data["bob"].id)
    svc.carts.add_item(cart.cart_id, "BOLT", 10)  # ₹100, 0 % GST
    svc.invoices.generate(cart.cart_id, paid_amount=0)
    after = {r.day: r for r in svc.reports.day_book(DAY1, DAY3).rows}
    assert (after[DAY2].bills, after[DAY2].sales) == (2, 187000 + 10000)
    assert svc.reports.gst_summary(DAY1, DAY3) != gst_before
