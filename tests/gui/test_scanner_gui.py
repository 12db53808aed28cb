"""Scanner bursts against typing, with key events timed as the window system times them.

A keyboard-wedge scanner's keys reach Qt with X11 timestamps one or two milliseconds apart,
and two identical keys in the same millisecond come flagged as an auto-repeat (that is how
the "00" of 8901002 used to be lost). ``tests.gui.keys.send_keys`` builds exactly such
events; the tests with real X key events are in ``test_scanner_x11.py``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.fixtures.stored import stored
from tests.gui.conftest import on_dialog
from tests.gui.keys import send_keys
from viveka_pos.services.convert import paise_of
from viveka_pos.ui.dialogs.customer_lookup import CustomerLookupDialog
from viveka_pos.ui.dialogs.item_editor import ItemDialog
from viveka_pos.ui.dialogs.payment import PaymentDialog
from viveka_pos.ui.scanner import PENDING_POLL_MS, BurstTracker

Key = Qt.Key


# ------------------------------------------------------------------ timing rule
def burst(tracker: BurstTracker, text: str, gaps: Iterable[float], start: float = 1000.0) -> float:
    at = start
    for char, gap in zip(text, itertools.chain([0.0], gaps), strict=False):
        at += gap
        tracker.key(char, at)
    return at


@pytest.mark.parametrize(
    "gaps",
    [
        [1.0] * 12,  # 1 ms per key
        [0.0, 1.0, 0.0, 2.0] * 3,  # repeated keys in the same millisecond
        [1.0] * 5 + [25.0] + [1.0] * 6,  # one late key on a busy PC
        [1.0, 2.0, 1.0, 9.0] * 3,  # up to half the keys late
    ],
)
def test_scanner_bursts_are_scans(gaps):
    tracker = BurstTracker()
    last = burst(tracker, "8900011100055", gaps)
    assert tracker.enter(last + 4) == "8900011100055"


@pytest.mark.parametrize(
    "gaps",
    [
        [12.0] * 12,  # typing at 12 ms per key: no person does, yet never a scan
        [6.0, 7.0] * 6,  # what `xdotool type --delay 12` delivers
        [80.0, 150.0] * 6,  # a person typing a code
        [33.0] * 12,  # a key held down: the keyboard repeats it every ~33 ms
    ],
)
def test_typing_is_never_a_scan(gaps):
    tracker = BurstTracker()
    last = burst(tracker, "8900011100055", gaps)
    assert tracker.enter(last + 4) is None


def test_a_scan_needs_enter_right_after_and_four_characters():
    tracker = BurstTracker()
    assert tracker.enter(burst(tracker, "8901002", [1.0] * 6) + 200) is None
    assert tracker.enter(burst(tracker, "890", [1.0] * 2) + 2) is None
    assert tracker.enter(burst(tracker, "8901", [1.0] * 3) + 2) == "8901"


def test_a_key_from_another_clock_starts_a_new_burst():
    tracker = BurstTracker()
    burst(tracker, "car", [100.0, 100.0], start=5000.0)
    assert tracker.key("8", 10.0)  # earlier than the last key: not the same burst
    assert tracker.enter(burst(tracker, "901002", [1.0] * 5, start=11.0) + 2) == "8901002"


# ------------------------------------------------------------- key events in Qt
def cart(billing: Any) -> dict[str, float]:
    return {line.name: float(totals.quantity) for line, totals in billing.cart_model.rows()}


@pytest.fixture
def coded(services):
    """Items whose codes are full of repeated keys, as real barcodes are."""
    for name, code in (
        ("Wiper blade 14in", "8812345678905"),
        ("Fuse 10A pack", "8900011100055"),
        ("Clamp AA", "AA-1001-BB"),
    ):
        services.catalog.create_item(
            name=name, price="50", code=code, stock=1000, gst_rate=18, hsn_code="85111000"
        )
    return services


def scans(billing: Any) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    billing.scanner.scanned.connect(lambda code, where: seen.append((code, where)))
    return seen


@pytest.mark.parametrize(
    "code, name",
    [
        ("8812345678905", "Wiper blade 14in"),
        ("8900011100055", "Fuse 10A pack"),
        ("AA-1001-BB", "Clamp AA"),
    ],
)
def test_scan_with_repeated_keys_after_typed_letters(coded, window, qtbot, code, name):
    billing = window.screen("billing")
    seen = scans(billing)
    send_keys(billing.search, "car", 120, enter=False)
    send_keys(billing.search, code, 1)
    assert cart(billing) == {name: 1}
    assert billing.search.text() == "car"  # the cashier's typing stays, never merged
    assert seen == [(code, "billing")]
    send_keys(billing.cart_table, code, 1)  # focus in the cart: held back, then looked up
    assert cart(billing) == {name: 2}


def test_a_person_typing_a_code_is_not_a_scan(coded, window):
    billing = window.screen("billing")
    seen = scans(billing)
    send_keys(billing.search, "8812345678905", 95)
    assert seen == []
    assert cart(billing) == {"Wiper blade 14in": 1}  # found by the search, Enter added it
    assert "scanned" not in billing.last_message


def test_fast_typing_in_a_dialog_keeps_its_text_and_enter(coded, window):
    billing = window.screen("billing")
    seen = scans(billing)
    result: list[tuple[str, str]] = []

    def type_name(dialog: CustomerLookupDialog) -> None:
        send_keys(dialog.query, "Mechanic", 6)  # as xdotool's "12 ms" arrives, then Enter
        result.append((dialog.query.text(), dialog.info.text()))
        QTest.keyClicks(dialog.query, "x", Qt.KeyboardModifier.NoModifier, 12)
        dialog.reject()

    on_dialog(CustomerLookupDialog, type_name)
    billing.choose_customer()
    assert result[0][0] == "Mechanic"
    assert "No customer matches" in result[0][1]  # the dialog got the Enter
    assert seen == []


def test_pasted_text_is_not_a_scan(coded, window):
    billing = window.screen("billing")
    seen = scans(billing)
    QApplication.clipboard().setText("Ravi Motors")
    result: list[tuple[str, str]] = []

    def paste(dialog: CustomerLookupDialog) -> None:
        QTest.keyClick(dialog.query, Key.Key_V, Qt.KeyboardModifier.ControlModifier)
        QTest.keyClick(dialog.query, Key.Key_Return)
        result.append((dialog.query.text(), dialog.info.text()))
        dialog.reject()

    on_dialog(CustomerLookupDialog, paste)
    billing.choose_customer()
    assert result[0][0] == "Ravi Motors"
    assert "No customer matches" in result[0][1]  # the dialog got the Enter

    QApplication.clipboard().setText("8812345678905")
    billing.search.setFocus()
    QTest.keyClick(billing.search, Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(billing.search, Key.Key_Return)
    assert cart(billing) == {"Wiper blade 14in": 1}  # the search's Enter, not a scan
    assert seen == []


def test_scan_while_a_dialog_is_open_is_added_when_it_closes(coded, window, qtbot):
    billing = window.screen("billing")
    seen = scans(billing)
    result: list[Any] = []

    def scan_in_dialog(dialog: CustomerLookupDialog) -> None:
        send_keys(dialog.query, "98450", 110, enter=False)
        send_keys(dialog.query, "8900011100055", 1)
        send_keys(dialog.query, "8900011100055", 1)
        result.append((dialog.query.text(), dialog.isVisible(), cart(billing)))
        dialog.reject()

    on_dialog(CustomerLookupDialog, scan_in_dialog)
    billing.choose_customer()
    assert result == [("98450", True, {})]  # the field kept what was typed; still open
    qtbot.waitUntil(lambda: cart(billing) == {"Fuse 10A pack": 2})
    assert seen == [("8900011100055", "held")] * 2
    assert billing.scanner.pending == []


def test_scan_in_the_item_dialog_lands_in_its_code_field(coded, window):
    inventory = window.show_screen("inventory")
    billing = window.screen("billing")
    seen = scans(billing)
    result: list[tuple[str, str, bool]] = []

    def scan_in_name(dialog: ItemDialog) -> None:
        dialog.name.setFocus()
        send_keys(dialog.name, "Brake", 100, enter=False)
        send_keys(dialog.name, "8900011100099", 1)
        result.append((dialog.name.text(), dialog.code.text(), dialog.isVisible()))
        dialog.reject()

    on_dialog(ItemDialog, scan_in_name)
    inventory.add_item()
    assert result == [("Brake", "8900011100099", True)]  # Enter did not save the form
    assert seen == [("8900011100099", "field")]


def test_scan_on_the_inventory_screen_filters_by_the_code(coded, window):
    inventory = window.show_screen("inventory")
    inventory.filter.setText("wiper")
    inventory.table.setFocus()
    send_keys(inventory.table, "AA-1001-BB", 1)
    assert inventory.filter.text() == "AA-1001-BB"
    assert cart(window.screen("billing")) == {}


def test_scan_behind_the_payment_window_never_lands_in_the_amount(coded, window):
    """The amount field would take the digits and the scanner's Enter would take the payment:
    instead the amount stays, the bill is saved as it was and the scan starts the next bill."""
    billing = window.screen("billing")
    send_keys(billing.search, "8812345678905", 1)
    amounts: list[str] = []

    def scan_then_pay(dialog: PaymentDialog) -> None:
        send_keys(dialog.amount, "8900011100055", 1)
        amounts.append(dialog.amount.text())
        QTest.keyClick(dialog.amount, Key.Key_S, Qt.KeyboardModifier.ControlModifier)

    on_dialog(PaymentDialog, scan_then_pay)
    QTest.keyClick(billing.search, Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert amounts == ["59"]  # the bill's total, untouched by the scan
    invoice = stored(coded, coded.invoices.recent(1))[0]
    assert paise_of(invoice["totalAmount"]) == 5900  # one wiper blade, not the fuse
    QTest.qWait(3 * PENDING_POLL_MS)
    assert cart(billing) == {"Fuse 10A pack": 1}  # the next bill
