"""The billing screen driven by the keyboard alone, as at a counter."""

from __future__ import annotations

import time
from decimal import Decimal

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.fixtures.stored import stored
from tests.gui.conftest import focused, on_dialog, press, type_text
from tests.gui.keys import PERSON_GAP_MS, SCANNER_GAP_MS, send_keys
from viveka_pos.services.convert import paise_of
from viveka_pos.ui.dialogs.customer_lookup import CustomerLookupDialog
from viveka_pos.ui.dialogs.parked import ParkedBillsDialog
from viveka_pos.ui.dialogs.payment import PaymentDialog
from viveka_pos.ui.dialogs.value import ValueDialog
from viveka_pos.ui.screens.billing import BillingScreen

Key = Qt.Key


def cart_lines(billing: BillingScreen) -> list[tuple[str, Decimal]]:
    return [(line.name, totals.quantity) for line, totals in billing.cart_model.rows()]


def test_complete_bill_by_keyboard_only(window, services, qtbot):
    billing = window.screen("billing")
    assert isinstance(billing, BillingScreen)
    assert QApplication.focusWidget() is billing.search

    type_text("spark")
    assert billing.results_model.row_at(0).name == "Spark plug NGK"
    press(Key.Key_Return)
    assert cart_lines(billing) == [("Spark plug NGK", 1)]
    assert billing.search.text() == ""

    press(Key.Key_Plus)  # + with an empty search box: the highlighted line
    assert cart_lines(billing) == [("Spark plug NGK", 2)]

    def set_quantity(dialog: ValueDialog) -> None:
        type_text("3", dialog.edit)
        QTest.keyClick(dialog.edit, Key.Key_Return)

    on_dialog(ValueDialog, set_quantity)
    press(Key.Key_F4)
    assert cart_lines(billing) == [("Spark plug NGK", 3)]

    type_text("brake pad")
    press(Key.Key_Return)
    assert cart_lines(billing) == [("Spark plug NGK", 3), ("Brake pad set front", 1)]

    def new_customer(dialog: CustomerLookupDialog) -> None:
        type_text("9845012345", dialog.query)
        assert dialog.new_box.isVisible()
        dialog.name.setFocus()
        type_text("Ravi Kumar", dialog.name)
        QTest.keyClick(dialog.name, Key.Key_Return)

    on_dialog(CustomerLookupDialog, new_customer)
    press(Key.Key_F2)
    assert billing.view.customer.name == "Ravi Kumar"
    assert "Ravi Kumar" in billing.customer_card.text()

    total = billing.view.totals.total_amount
    # 3 × 185 + 420 = 975 taxable; 28 % GST split 14 % + 14 % within Karnataka
    assert billing.view.totals.total_cgst == billing.view.totals.total_sgst == 13650
    assert total == 97500 + 27300
    assert billing.totals.figure("total") == "₹1,248.00"
    assert billing.totals.figure("cgst") == "₹136.50"

    def pay_part(dialog: PaymentDialog) -> None:
        assert dialog.amount.text() == "1248"
        dialog.amount.clear()
        type_text("500", dialog.amount)
        assert "due ₹748.00" in dialog.summary.text()
        QTest.keyClick(dialog.amount, Key.Key_S, Qt.KeyboardModifier.ControlModifier)

    on_dialog(PaymentDialog, pay_part)
    press(Key.Key_F10)

    invoice = stored(services, services.invoices.recent(1))[0]
    assert paise_of(invoice["totalAmount"]) == total
    assert paise_of(invoice["paidAmount"]) == 50000
    assert invoice["isFinalized"] is False
    assert invoice["clientCustomerName"] == "Ravi Kumar"
    assert [(p["itemName"], p["quantity"]) for p in invoice["products"]] == [
        ("Spark plug NGK", 3),
        ("Brake pad set front", 1),
    ]
    assert services.catalog.item_by_code("8901002").stock == 47
    assert billing.cart_model.rowCount() == 0
    assert f"Saved {invoice['invoiceNumber']}" in billing.last_message
    assert "due ₹748.00" in billing.last_message
    assert focused() is billing.search  # ready for the next customer


def test_rule_broken_at_the_counter_is_said_in_words(window, services):
    billing = window.screen("billing")
    type_text("spark")
    press(Key.Key_Return)
    press(Key.Key_Minus)  # quantity 1 -> 0 is refused, the line stays
    assert cart_lines(billing) == [("Spark plug NGK", 1)]
    assert "Quantity" in billing.last_message and "Delete" in billing.last_message
    assert billing.message.property("kind") == "error"
    press(Key.Key_Delete)
    assert cart_lines(billing) == []


def test_scanned_burst_adds_the_item_even_with_focus_in_the_cart(window, services, qtbot):
    billing = window.screen("billing")
    type_text("oil")
    press(Key.Key_Return)
    billing.cart_table.setFocus()
    assert QApplication.focusWidget() is billing.cart_table

    send_keys(billing.cart_table, "8902001", SCANNER_GAP_MS)

    assert cart_lines(billing) == [("Engine oil 1 L", 1), ("Brake pad set front", 1)]
    assert billing.search.text() == ""
    assert "scanned" in billing.last_message


def test_scan_mid_typing_keeps_what_was_typed(window, services, qtbot):
    billing = window.screen("billing")
    send_keys(billing.search, "pen", PERSON_GAP_MS, enter=False)
    send_keys(billing.search, "8901002", SCANNER_GAP_MS)  # a second later: a new burst
    assert cart_lines(billing) == [("Spark plug NGK", 1)]
    assert billing.search.text() == "pen"  # the search goes on where it was
    press(Key.Key_Return)
    assert cart_lines(billing) == [("Spark plug NGK", 1), ("Pen refill blue", 1)]


def test_scan_of_an_unknown_code_adds_nothing(window, services):
    billing = window.screen("billing")
    send_keys(billing.search, "4006381333931", SCANNER_GAP_MS)
    assert cart_lines(billing) == []
    assert "No item has the code 4006381333931" in billing.last_message
    assert billing.search.text() == ""


def test_slow_typing_in_the_cart_goes_to_the_search_box(window, services, qtbot):
    billing = window.screen("billing")
    type_text("oil")
    press(Key.Key_Return)
    billing.cart_table.setFocus()
    send_keys(billing.cart_table, "spa", PERSON_GAP_MS, enter=False)  # a person, not a scanner
    qtbot.waitUntil(lambda: billing.search.text() == "spa")  # the last key, once no more come
    assert QApplication.focusWidget() is billing.search
    assert billing.results_model.row_at(0).name == "Spark plug NGK"


def test_park_and_resume_a_bill(window, services):
    billing = window.screen("billing")
    type_text("spark")
    press(Key.Key_Return)
    first_cart = billing.cart_id

    def name_it(dialog: ValueDialog) -> None:
        dialog.edit.clear()
        type_text("Mechanic Raju", dialog.edit)
        QTest.keyClick(dialog.edit, Key.Key_Return)

    on_dialog(ValueDialog, name_it)
    press(Key.Key_F8)
    assert billing.cart_id is None and cart_lines(billing) == []
    assert billing.hints.text("F9") == "Resume (1)"

    type_text("oil")
    press(Key.Key_Return)
    second_cart = billing.cart_id
    assert cart_lines(billing) == [("Engine oil 1 L", 1)]

    def resume(dialog: ParkedBillsDialog) -> None:
        assert dialog.model.rowCount() == 1
        assert dialog.model.row_at(0).label == "Mechanic Raju"
        QTest.keyClick(dialog.table, Key.Key_Return)

    on_dialog(ParkedBillsDialog, resume)
    press(Key.Key_F9)
    assert billing.cart_id == first_cart
    assert cart_lines(billing) == [("Spark plug NGK", 1)]
    open_ids = {c.id for c in services.carts.open_carts()}
    assert open_ids == {first_cart, second_cart}  # the other bill waits, parked


def test_discounts_and_igst_for_another_state(window, services):
    customer = services.customers.create("9444012345", name="Chennai Motors", state_code="33")
    billing = window.screen("billing")
    type_text("brake pad")
    press(Key.Key_Return)

    def ten_percent(dialog: ValueDialog) -> None:
        dialog.edit.clear()
        type_text("10%", dialog.edit)
        QTest.keyClick(dialog.edit, Key.Key_Return)

    on_dialog(ValueDialog, ten_percent)
    press(Key.Key_F6)
    assert billing.view.totals.lines[0].discount == 4200

    def pick(dialog: CustomerLookupDialog) -> None:
        type_text("9444", dialog.query)
        QTest.keyClick(dialog.query, Key.Key_Return)

    on_dialog(CustomerLookupDialog, pick)
    press(Key.Key_F2)
    totals = billing.view.totals
    assert billing.view.customer.id == customer.id
    assert totals.supply_type == "inter"
    assert (totals.total_cgst, totals.total_sgst, totals.total_igst) == (0, 0, 10584)
    assert "IGST" in billing.totals.supply.text()
    assert billing.view.lines[0].quantity == 1


def test_full_cash_payment_with_change_finalizes(window, services):
    billing = window.screen("billing")
    type_text("pen")
    press(Key.Key_Return)

    def cash(dialog: PaymentDialog) -> None:
        dialog.amount.clear()
        type_text("50", dialog.amount)
        assert "Return change: ₹38.20" in dialog.summary.text()
        QTest.keyClick(dialog.amount, Key.Key_S, Qt.KeyboardModifier.ControlModifier)

    on_dialog(PaymentDialog, cash)
    press(Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    invoice = stored(services, services.invoices.recent(1))[0]
    assert invoice["isFinalized"] is True
    assert paise_of(invoice["paidAmount"]) == 1180
    assert "paid in full" in billing.last_message


def test_scan_through_the_window_system_path(window, services, qtbot):
    """Keys from the window system reach the window before the focused widget; a scan must
    still count once and land in item lookup (the path a real scanner takes).

    The keys carry a scanner's timestamps, 5 ms apart, as the window system stamps them: on a
    busy or emulated PC (the Windows lane runs under Wine) handling one key can take longer
    than a scanner's gap, which must not turn the test's scan into typing."""
    billing = window.screen("billing")
    handle = window.windowHandle()
    clock = [int(time.monotonic() * 1000) + 60_000]

    def key(kind: QEvent.Type, code: Qt.Key, text: str) -> None:
        event = QKeyEvent(kind, code, Qt.KeyboardModifier.NoModifier, text)
        event.setTimestamp(clock[0])
        QApplication.sendEvent(handle, event)

    def scan(code: str) -> None:
        clock[0] += 1_000  # well after any key before it
        for char, key_code in [*((c, Qt.Key(ord(c))) for c in code), ("\r", Key.Key_Return)]:
            clock[0] += 5
            key(QEvent.Type.KeyPress, key_code, char)
            key(QEvent.Type.KeyRelease, key_code, char)

    scan("8901002")
    assert cart_lines(billing) == [("Spark plug NGK", 1)]
    assert billing.search.text() == ""
    billing.cart_table.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is billing.cart_table)
    scan("8902001")
    assert cart_lines(billing) == [("Spark plug NGK", 1), ("Brake pad set front", 1)]
    assert "scanned" in billing.last_message
