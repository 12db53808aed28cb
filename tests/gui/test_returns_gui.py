"""Returns and cancellation from the keyboard, and the GSTR-1 view, over the real store."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.fixtures.stored import stored
from tests.gui.conftest import on_dialog, press, type_text
from viveka_pos.services.convert import paise_of
from viveka_pos.ui.dialogs.sales_return import CancelBillDialog, ReturnDialog
from viveka_pos.ui.workers import running_jobs

Key = Qt.Key
CTRL = Qt.KeyboardModifier.ControlModifier


def _bill(services, lines: dict[str, int], customer=None, paid: str = "0") -> dict:
    cart = services.carts.create(customer=customer)
    for code, qty in lines.items():
        services.carts.add_item(cart.cart_id, code, qty)
    total = services.carts.view(cart.cart_id).totals.total_amount
    if customer is None and float(paid) * 100 < total:  # credit has a name
        named = services.customers.by_phone("9800000099") or services.customers.create(
            "9800000099", name="Counter Credit"
        )
        services.carts.set_customer(cart.cart_id, named.id)
    return stored(services, services.invoices.generate(cart.cart_id, paid_amount=paid))


def _key(key: Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    """A key to what has focus inside a dialog's loop; then what it queued (a table cell's
    editor commits on the next turn of the loop) is done."""
    QTest.keyClick(QApplication.focusWidget(), key, modifier)
    QApplication.processEvents()


def test_return_from_billing_by_keyboard(window, services, qtbot):
    invoice = _bill(services, {"8902001": 2, "8901002": 3})
    window.show_screen("billing")
    results: dict = {}

    def steps(dialog: ReturnDialog) -> None:
        type_text(invoice["invoiceNumber"], dialog.number)
        _key(Key.Key_Return)  # the invoice's lines come up
        assert dialog.table.hasFocus() and dialog.table.currentColumn() == 6
        type_text("5")  # more than the 2 sold
        _key(Key.Key_Return)
        results["error"] = dialog.errors.message("quantity")
        dialog.table.setCurrentCell(0, 6)
        dialog.table.setFocus()
        type_text("1")
        _key(Key.Key_Return)
        results["summary"] = dialog.summary.text()
        type_text("damaged", dialog.reason)  # "a" is a letter here, not "take all"
        results["reason"] = dialog.reason.text()
        results["second line"] = dialog.table.item(1, 6).text()
        dialog.print_after.setChecked(False)
        _key(Key.Key_Return, CTRL)  # make the credit note

    seen = on_dialog(ReturnDialog, steps)
    press(Key.Key_R, CTRL)
    assert seen, "Ctrl+R did not open the return dialog"
    assert "only 2 left to return" in results["error"]
    assert results["summary"].startswith("Credit ₹537.60")  # 420 + 28 %, set against dues
    assert (results["reason"], results["second line"]) == ("damaged", "")
    notes = stored(services, services.returns.for_invoice(invoice["_id"]))
    assert [paise_of(n["totalAmount"]) for n in notes] == [53760]
    assert notes[0]["reason"] == "damaged"
    assert services.catalog.item_by_code("8902001").stock == 19
    assert "Credit note CN-A/2526/00001" in window.screen("billing").last_message


def test_return_everything_from_customers(window, services, qtbot):
    customer = services.customers.create("9845012345", name="Ravi Kumar")
    invoice = _bill(services, {"8902001": 2}, customer.id, paid="500")
    screen = window.show_screen("customers")
    assert screen.select_customer(customer.id)
    screen.tabs.setCurrentIndex(1)
    screen.history.setFocus()

    def steps(dialog: ReturnDialog) -> None:
        assert dialog.invoice is not None and dialog.invoice.id == invoice["_id"]
        press(Key.Key_A)  # take everything back
        assert dialog.table.item(0, 6).text() == "2"
        assert f"₹575.20 set against dues ({invoice['invoiceNumber']} ₹575.20)" in (
            dialog.summary.text()
        )
        assert "₹500.00 to pay back" in dialog.summary.text()
        dialog.print_after.setChecked(False)
        press(Key.Key_Return, CTRL)

    on_dialog(ReturnDialog, steps)
    press(Key.Key_R, CTRL)
    (note,) = stored(services, services.returns.for_invoice(invoice["_id"]))
    assert (paise_of(note["adjustedAmount"]), paise_of(note["refundAmount"])) == (57520, 50000)
    assert screen.dues.text() == "No dues"
    assert note["creditNoteNumber"] in screen.last_message
    # the purchase history shows what came back on the bill
    titles = [
        screen.history_model.headerData(n, Qt.Orientation.Horizontal)
        for n in range(screen.history_model.columnCount())
    ]
    returned = screen.history_model.data(screen.history_model.index(0, titles.index("Returned")))
    assert returned == "₹1,075.20"


def test_cancel_a_bill_of_today_by_keyboard(window, services, qtbot):
    invoice = _bill(services, {"8901002": 2})
    window.show_screen("billing")

    def cancel(dialog: CancelBillDialog) -> None:
        type_text("billed twice", dialog.reason)
        _key(Key.Key_Return)

    def steps(dialog: ReturnDialog) -> None:
        type_text(invoice["invoiceNumber"], dialog.number)
        _key(Key.Key_Return)
        on_dialog(CancelBillDialog, cancel)
        _key(Key.Key_D, CTRL)

    on_dialog(ReturnDialog, steps)
    press(Key.Key_R, CTRL)
    after = services.invoices.document(invoice["_id"])
    assert after["isCancelled"] is True and after["cancelReason"] == "billed twice"
    assert services.catalog.item_by_code("8901002").stock == 50
    assert "is cancelled" in window.screen("billing").last_message


def test_gstr1_view_shows_the_tables_and_exports(window, services, qtbot, tmp_path: Path):
    customer = services.customers.create(
        "9880123456", name="Sri Ganesh Motors", gst_no="29AABFS1234C1ZN"
    )
    invoice = _bill(services, {"8902001": 1}, customer.id)
    _bill(services, {"8901005": 2})
    services.returns.create(invoice["_id"], {0: 1})
    reports = window.show_screen("reports")
    reports.list.setCurrentRow(reports.list.count() - 1)
    view = reports.gstr1
    assert reports.stack.currentWidget() is view
    view.month.setDate(view.month.date().addMonths(1))  # opens on last month: June 2025
    assert view.month_text() == "2025-06"
    view.run()
    qtbot.waitUntil(lambda: view.report is not None and not running_jobs(), timeout=10_000)
    titles = [view.tabs.tabText(n) for n in range(view.tabs.count())]
    assert titles[:4] == ["B2B (1)", "B2CL (0)", "B2CS (1)", "CDNR (1)"]
    assert "taxable ₹780.00" in view.summary.text()  # 420 + 2 × 390 − 420 returned
    target = tmp_path / "gstr1.json"
    view.export_json(str(target))
    qtbot.waitUntil(lambda: target.exists() and not running_jobs(), timeout=10_000)
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["fp"] == "062025" and data["cdnr"][0]["ctin"] == "29AABFS1234C1ZN"
    view.export_csv(str(tmp_path / "sheets"))
    qtbot.waitUntil(
        lambda: len(list((tmp_path / "sheets").glob("*.csv"))) == 9 and not running_jobs(),
        timeout=10_000,
    )
