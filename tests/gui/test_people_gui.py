"""Customers and dealers as the screens show them: the details card, the lists, the
customer and dealer forms, a dealer's bill and a payment to the dealer."""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt
from PySide6.QtTest import QTest

from tests.gui.conftest import on_dialog, press, type_text
from viveka_pos.services.formatting import day, moment
from viveka_pos.ui.dialogs.customer_editor import CustomerDialog
from viveka_pos.ui.dialogs.customer_lookup import CustomerLookupDialog
from viveka_pos.ui.dialogs.dealer_forms import DealerDialog, DealerPaymentDialog, OrderBillDialog
from viveka_pos.ui.models.rows import RowTableModel

Key = Qt.Key
GST_BUYER = "33AAGFL5678D1ZA"  # Tamil Nadu


def texts(model: RowTableModel, row: int = 0) -> list[str]:
    return [model.data(model.index(row, column)) for column in range(model.columnCount())]


def test_customer_card_list_and_edit(window, services):
    customer = services.customers.create(
        "9444012345", name="Chennai Motors", address="12 Anna Salai", gst_no=GST_BUYER
    )
    screen = window.show_screen("customers")
    assert screen.select_customer(customer.id)
    assert screen.details.text().split("\n") == [
        "Chennai Motors",
        "Phone: 9444012345",
        "Address: 12 Anna Salai",
        f"GSTIN: {GST_BUYER}",
        "State: Tamil Nadu",
        f"Customer since {moment(customer.first_seen_at)}",
    ]
    row = screen.list_model.find_row(lambda c: c.id == customer.id)
    assert texts(screen.list_model, row) == ["Chennai Motors", "9444012345", ""]
    assert screen.dues.text() == "No dues"

    def rename(dialog: CustomerDialog) -> None:
        assert (dialog.phone.text(), dialog.phone.isReadOnly()) == ("9444012345", True)
        assert (dialog.address.text(), dialog.gst_no.text()) == ("12 Anna Salai", GST_BUYER)
        dialog.name.clear()
        type_text("Chennai Motors & Co", dialog.name)
        dialog.accept()

    on_dialog(CustomerDialog, rename)
    screen.edit_customer()
    assert services.customers.get(customer.id).name == "Chennai Motors & Co"
    assert screen.current is not None and screen.current.name == "Chennai Motors & Co"
    assert screen.details.text().startswith("Chennai Motors & Co\nPhone: 9444012345\n")


def test_billing_card_shows_the_chosen_customer(window, services):
    services.customers.create("9444012345", name="Chennai Motors", gst_no=GST_BUYER)
    billing = window.screen("billing")
    assert billing.customer_card.text() == "Walk-in customer\nF2 to add a customer by phone"

    def pick(dialog: CustomerLookupDialog) -> None:
        assert texts(dialog.model) == ["Chennai Motors", "9444012345", GST_BUYER, ""]
        type_text("9444", dialog.query)
        QTest.keyClick(dialog.query, Key.Key_Return)

    type_text("brake pad")
    press(Key.Key_Return)
    on_dialog(CustomerLookupDialog, pick)
    press(Key.Key_F2)
    assert (
        billing.customer_card.text() == f"Chennai Motors\n9444012345\nGSTIN {GST_BUYER}\nTamil Nadu"
    )
    assert billing.last_message == "Customer: Chennai Motors"


def test_dealer_forms_bill_and_payment(window, services):
    screen = window.show_screen("dealers")

    def add(dialog: DealerDialog) -> None:
        type_text("Bosch Distributors", dialog.name)
        type_text("Manjunath", dialog.contact)
        type_text("9880011223", dialog.phone)
        dialog.accept()

    on_dialog(DealerDialog, add)
    screen.add_dealer()
    assert screen.last_message == "Added Bosch Distributors."
    dealer = services.dealers.get("Bosch Distributors")
    assert screen.current == dealer
    assert screen.details.text().split("\n") == [
        "Bosch Distributors",
        "Contact: Manjunath",
        "Phone: 9880011223",
        "Billed ₹0.00 · paid ₹0.00 · 0 pending order(s)",
    ]
    assert texts(screen.list_model) == ["Bosch Distributors", "9880011223", "—"]

    order = services.dealers.create_order(dealer, [("8902001", 5)], is_urgent=True)
    screen.refresh()
    assert screen.select_order(order.id)
    placed = texts(screen.orders_model)
    assert placed[0] == order.order_number and placed[2:] == ["Pending", "Urgent", "not yet", ""]

    due = QDate.currentDate().addDays(10)

    def bill(dialog: OrderBillDialog) -> None:
        assert dialog.amount.text() == ""
        type_text("1500", dialog.amount)
        dialog.due.enabled.setChecked(True)
        dialog.due.date.setDate(due)
        dialog.accept()

    on_dialog(OrderBillDialog, bill)
    screen.order_bill()
    assert screen.last_message == f"Dealer bill of ₹1,500.00 recorded on {order.order_number}."
    due_day = due.toString("yyyy-MM-dd")
    assert texts(screen.orders_model)[4:] == ["₹1,500.00", day(due_day)]
    assert services.dealers.order(order.id).due_date == due_day

    services.dealers.mark_delivered(order)
    screen.refresh()
    assert screen.owed_label.text() == "Owed\n₹1,500.00"

    def pay(dialog: DealerPaymentDialog) -> None:
        assert dialog.amount.text() == "1500"  # what is owed, offered
        assert dialog.order.count() == 2 and dialog.order.itemData(1) == order.id
        assert dialog.order.itemText(1).startswith(f"{order.order_number} · ")
        assert dialog.order.itemText(1).endswith(" · bill ₹1,500.00")
        dialog.amount.clear()
        type_text("1000", dialog.amount)
        dialog.method.setCurrentIndex(dialog.method.findData("upi"))
        dialog.order.setCurrentIndex(1)
        type_text("part", dialog.note)
        dialog.accept()

    on_dialog(DealerPaymentDialog, pay)
    screen.pay()
    assert screen.last_message == "Paid ₹1,000.00 to Bosch Distributors."
    paid = services.dealers.payments(dealer)[0]
    assert (paid.amount, paid.method, paid.order_id, paid.note) == (100000, "upi", order.id, "part")
    assert texts(screen.payments_model)[1:] == ["₹1,000.00", "UPI", order.order_number, "part"]
    assert screen.owed_label.text() == "Owed\n₹500.00"

    def edit(dialog: DealerDialog) -> None:
        assert (dialog.name.text(), dialog.contact.text()) == ("Bosch Distributors", "Manjunath")
        type_text("orders@bosch.in", dialog.email)
        dialog.accept()

    on_dialog(DealerDialog, edit)
    screen.edit_dealer()
    assert screen.last_message == "Saved Bosch Distributors."
    assert services.dealers.get(dealer.id).email == "orders@bosch.in"
    assert "Email: orders@bosch.in" in screen.details.text().split("\n")

    screen.toggle_active()
    assert screen.last_message == "Dealer deactivated."
    assert services.dealers.get(dealer.id).is_active is False
    screen.show_inactive.setChecked(True)
    assert screen.select_dealer(dealer.id)
    assert screen.active_button.text() == "Reactivate"
    assert screen.details.text().endswith("\nInactive")
    assert not screen.order_actions["new"].isEnabled()
