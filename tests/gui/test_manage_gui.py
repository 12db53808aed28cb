"""Inventory, customers and dealers screens over the real store."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from tests.fixtures.stored import stored
from tests.gui.conftest import on_dialog, type_text
from viveka_pos.services.convert import paise_of, quantity_of
from viveka_pos.ui.dialogs.dealer_forms import DeliveryDialog
from viveka_pos.ui.dialogs.dealer_order import OrderDialog
from viveka_pos.ui.dialogs.item_editor import ItemDialog
from viveka_pos.ui.dialogs.record_payment import RecordPaymentDialog
from viveka_pos.ui.dialogs.stock_adjust import StockDialog
from viveka_pos.ui.workers import running_jobs

Key = Qt.Key


def test_item_edit_shows_the_rule_beside_the_field(window, services, qtbot):
    inventory = window.show_screen("inventory")
    spark = services.catalog.item_by_code("8901002")
    assert inventory.select_item(spark.id)
    outcome: dict[str, str] = {}

    def edit(dialog: ItemDialog) -> None:
        dialog.code.clear()
        type_text("8902001", dialog.code)  # the brake pad's code
        dialog.accept()
        outcome["code"] = dialog.errors.message("code")
        outcome["name"] = dialog.errors.message("name")
        assert dialog.isVisible()  # still open: fix and save again
        assert dialog.code.property("invalid") is True
        dialog.code.clear()
        type_text("SP-8", dialog.code)
        dialog.price.clear()
        type_text("199.50", dialog.price)
        dialog.accept()

    seen = on_dialog(ItemDialog, edit)
    inventory.table.setFocus()
    QTest.keyClick(inventory.table, Key.Key_Return)
    assert seen
    assert "already used by Brake pad set front" in outcome["code"]
    assert outcome["name"] == ""
    updated = services.catalog.item(spark.id)
    assert (updated.code, updated.price) == ("SP-8", 19950)
    assert "Saved Spark plug NGK" in inventory.last_message


def test_low_stock_marked_inactive_hidden_and_filter(window, services):
    inventory = window.show_screen("inventory")
    pen = services.catalog.item_by_code("PEN01")
    services.catalog.adjust_stock(pen.id, new_stock=2, note="count")
    services.catalog.set_active(services.catalog.item_by_code("8901005").id, False)
    window.events.flush_now()
    names = [d.name for d in inventory.model.rows()]
    assert "Engine oil 1 L" not in names
    row = inventory.model.find_row(lambda d: d.name == "Pen refill blue")
    index = inventory.model.index(row, 0)
    assert inventory.model.data(index, Qt.ItemDataRole.BackgroundRole) is not None
    inventory.low_only.setChecked(True)
    assert [d.name for d in inventory.model.rows()] == ["Pen refill blue"]
    inventory.low_only.setChecked(False)
    inventory.show_inactive.setChecked(True)
    assert "Engine oil 1 L" in [d.name for d in inventory.model.rows()]
    inventory.filter.setText("brake")
    assert [d.name for d in inventory.model.rows()] == ["Brake pad set front"]


def test_stock_adjustment_with_reason(window, services):
    inventory = window.show_screen("inventory")
    oil = services.catalog.item_by_code("8901005")
    inventory.select_item(oil.id)

    def adjust(dialog: StockDialog) -> None:
        dialog.change_mode.setChecked(True)
        type_text("-2.5", dialog.amount)
        dialog.note.setText("leaked can")
        dialog.accept()

    on_dialog(StockDialog, adjust)
    inventory.adjust_stock()
    assert services.catalog.item(oil.id).stock == quantity_of("27.5")
    moves = list(services.scope.db.stockmovements.find({"itemId": oil.id, "reason": "adjustment"}))
    assert [m["note"] for m in moves] == ["leaked can"]


def test_csv_import_runs_in_the_background_and_reports(window, services, qtbot, tmp_path: Path):
    inventory = window.show_screen("inventory")
    path = tmp_path / "items.csv"
    path.write_text(
        "code,name,price,stock,gstRate,group\n"
        "H100,Hex bolt M8,6,500,18,Hardware\n"
        "H101,Washer M8,1.50,900,18,Hardware\n",
        encoding="utf-8",
    )
    inventory.import_csv(str(path))
    qtbot.waitUntil(
        lambda: running_jobs() == 0 and "Imported" in inventory.last_message, timeout=5000
    )
    assert "Imported 2 new" in inventory.last_message
    assert services.catalog.item_by_code("H101").name == "Washer M8"
    assert "Hardware (2)" in [
        inventory.groups.item(n).text() for n in range(inventory.groups.count())
    ]
    box = next(w for w in inventory.findChildren(QMessageBox))
    box.close()

    bad = tmp_path / "bad.csv"
    bad.write_text("name,price\nWidget,-4\n", encoding="utf-8")
    inventory.import_csv(str(bad))
    qtbot.waitUntil(
        lambda: running_jobs() == 0 and "Nothing was imported" in inventory.last_message,
        timeout=5000,
    )


def test_payment_of_a_pending_invoice_finalizes_it(window, services, qtbot):
    customer = services.customers.create("9845012345", name="Ravi Kumar")
    cart = services.carts.create(customer=customer.id)
    services.carts.add_item(cart.cart_id, "8902001", 2)
    invoice = stored(services, services.invoices.generate(cart.cart_id, paid_amount="500"))
    assert invoice["isFinalized"] is False
    customers = window.show_screen("customers")
    assert customers.select_customer(customer.id)
    assert customers.pending_model.rowCount() == 1
    assert "₹575.20" in customers.dues.text()  # 2 × 420 + 28 % = 1,075.20, 500 paid

    def pay(dialog: RecordPaymentDialog) -> None:
        assert dialog.amount.text() == "575.20"
        QTest.keyClick(dialog.amount, Key.Key_Return)

    on_dialog(RecordPaymentDialog, pay)
    customers.record_payment()
    after = services.invoices.document(invoice["_id"])
    assert after["isFinalized"] is True
    assert paise_of(after["paidAmount"]) == paise_of(after["totalAmount"])
    assert "fully paid" in customers.last_message
    assert customers.pending_model.rowCount() == 0
    assert customers.dues.text() == "No dues"
    history = services.customers.purchase_history(customer.id)
    assert [h["invoiceId"] for h in history] == [invoice["_id"]]


def test_overpaying_a_dues_invoice_is_refused_beside_the_amount(window, services):
    customer = services.customers.create("9845012345", name="Ravi Kumar")
    cart = services.carts.create(customer=customer.id)
    services.carts.add_item(cart.cart_id, "PEN01", 1)
    services.invoices.generate(cart.cart_id, paid_amount="0")
    customers = window.show_screen("customers")
    customers.select_customer(customer.id)
    message: list[str] = []

    def overpay(dialog: RecordPaymentDialog) -> None:
        dialog.amount.clear()
        type_text("20", dialog.amount)
        dialog.accept()
        message.append(dialog.errors.message("amount"))
        dialog.reject()

    on_dialog(RecordPaymentDialog, overpay)
    customers.record_payment()
    assert "more than the balance ₹11.80" in message[0]


def test_dealer_order_delivery_adds_stock(window, services, qtbot):
    dealer = services.dealers.create("Bosch Distributors", phone="9880011223")
    dealers = window.show_screen("dealers")
    assert dealers.select_dealer(dealer.id)

    def order(dialog: OrderDialog) -> None:
        type_text("8902001", dialog.query)
        dialog.qty.setText("12")
        QTest.keyClick(dialog.query, Key.Key_Return)
        assert [(i.name, q) for i, q in dialog.lines] == [("Brake pad set front", "12")]
        dialog.urgent.setChecked(True)
        dialog.accept()

    on_dialog(OrderDialog, order)
    dealers.new_order()
    placed = services.dealers.orders(dealer.id)
    assert [(o.status, o.is_urgent) for o in placed] == [("pending", True)]
    assert dealers.selected_order().id == placed[0].id

    def receive(dialog: DeliveryDialog) -> None:
        type_text("Manju", dialog.received_by)
        dialog.accept()

    on_dialog(DeliveryDialog, receive)
    dealers.deliver_order()
    assert services.catalog.item_by_code("8902001").stock == 20 + 12
    assert services.dealers.order(placed[0].id).status == "delivered"
    stored = services.scope.db.dealerorders.find_one({"_id": placed[0].id})
    assert stored["deliveryAudit"]["receivedBy"] == "Manju"
    assert "stock updated" in dealers.last_message
    assert not dealers.order_actions["deliver"].isEnabled()  # a delivery happens once
