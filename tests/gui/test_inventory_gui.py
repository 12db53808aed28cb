"""Inventory actions that hand items from screen to dialog and back, over the real store."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QInputDialog, QMessageBox

from tests.gui.conftest import on_dialog, type_text
from viveka_pos.ui.dialogs.dealer_order import OrderDialog
from viveka_pos.ui.dialogs.item_editor import ItemDialog


def _shown(model: Any) -> list[tuple[str, ...]]:
    """The rows of a table model as the table shows them."""
    return [
        tuple(str(model.data(model.index(r, c))) for c in range(model.columnCount()))
        for r in range(model.rowCount())
    ]


def _select_group(inventory: Any, name: str) -> None:
    for row in range(inventory.groups.count()):
        if inventory.groups.item(row).text().startswith(f"{name} ("):
            inventory.groups.setCurrentRow(row)
            return
    raise AssertionError(f"no group {name!r} in the list")


def test_a_new_item_goes_into_the_group_shown(window, services):
    inventory = window.show_screen("inventory")
    _select_group(inventory, "Brakes")

    def add(dialog: ItemDialog) -> None:
        type_text("Brake lever left", dialog.name)
        type_text("BL-L", dialog.code)
        type_text("135", dialog.price)
        dialog.accept()

    seen = on_dialog(ItemDialog, add)
    inventory.add_item()
    assert seen
    lever = services.catalog.item_by_code("BL-L")
    brakes = services.catalog.group_named("Brakes")
    assert (lever.name, lever.price, lever.group_id) == ("Brake lever left", 13500, brakes.id)
    assert inventory.selected_item() == lever
    assert inventory.last_message == "Added Brake lever left."
    assert [i.name for i in inventory.model.rows()] == ["Brake lever left", "Brake pad set front"]


def test_an_edit_keeps_the_item_in_its_group(window, services):
    """The editor shows the item's group, so saving another change leaves it there."""
    inventory = window.show_screen("inventory")
    pad = services.catalog.item_by_code("8902001")
    assert inventory.select_item(pad.id)
    shown: list[str] = []

    def edit(dialog: ItemDialog) -> None:
        shown.append(dialog.group.currentText())
        dialog.price.clear()
        type_text("430", dialog.price)
        dialog.accept()

    on_dialog(ItemDialog, edit)
    inventory.edit_item()
    assert shown == ["Brakes"]
    edited = services.catalog.item(pad.id)
    assert (edited.price, edited.group_id) == (43000, pad.group_id)
    assert pad.group_id == services.catalog.group_named("Brakes").id


def test_deactivate_then_reactivate(window, services):
    inventory = window.show_screen("inventory")
    pen = services.catalog.item_by_code("PEN01")
    assert inventory.select_item(pen.id)
    assert inventory.buttons["active"].text() == "Deactivate"

    def yes(box: QMessageBox) -> None:
        assert "Stop selling Pen refill blue?" in box.text()
        button = box.button(QMessageBox.StandardButton.Yes)
        assert button is not None
        button.click()

    on_dialog(QMessageBox, yes)
    inventory.toggle_active()
    assert not services.catalog.item(pen.id).is_active
    assert inventory.last_message == "Pen refill blue is inactive."
    inventory.show_inactive.setChecked(True)
    assert inventory.select_item(pen.id)
    assert inventory.buttons["active"].text() == "Reactivate"
    inventory.toggle_active()  # bringing back asks nothing
    assert services.catalog.item(pen.id).is_active
    assert inventory.last_message == "Pen refill blue is active again."


def test_a_dealer_order_takes_the_low_items_that_dealer_supplies(window, services):
    dealer = services.dealers.create("Bosch Distributors", phone="9880011223")
    pen = services.catalog.item_by_code("PEN01")
    pad = services.catalog.item_by_code("8902001")
    services.catalog.adjust_stock(pen.id, new_stock=2)
    services.catalog.adjust_stock(pad.id, new_stock=1)
    dealers = window.show_screen("dealers")
    assert dealers.select_dealer(dealer.id)
    lines: dict[str, list[tuple[str, ...]]] = {}

    def pick(dialog: OrderDialog) -> None:
        dialog.add_low_stock()  # no item is linked to a dealer yet: every low one
        lines["all"] = _shown(dialog.lines_model)
        dialog.reject()

    on_dialog(OrderDialog, pick)
    dealers.new_order()
    assert lines["all"] == [
        ("Brake pad set front", "nos", "1", "9"),  # twice the low-stock level of 5, less stock
        ("Pen refill blue", "nos", "2", "8"),
    ]

    services.catalog.update_item(pad.id, dealer_ids=[dealer.id])

    def linked(dialog: OrderDialog) -> None:
        dialog.add_low_stock()
        lines["linked"] = _shown(dialog.lines_model)
        dialog.reject()

    on_dialog(OrderDialog, linked)
    dealers.new_order()
    assert lines["linked"] == [("Brake pad set front", "nos", "1", "9")]


def test_groups_are_added_renamed_and_deleted_from_the_list(window, services):
    inventory = window.show_screen("inventory")

    def answer(text: str) -> Any:
        def steps(dialog: QInputDialog) -> None:
            dialog.setTextValue(text)
            dialog.accept()

        return steps

    on_dialog(QInputDialog, answer("Lamps"))
    inventory.add_group()
    _select_group(inventory, "Brakes")
    on_dialog(QInputDialog, answer("Brakes & clutch"))
    inventory.rename_group()
    assert [g.name for g in services.catalog.groups()] == ["Brakes & clutch", "Lamps"]
    shown = [inventory.groups.item(n).text() for n in range(inventory.groups.count())]
    assert shown == ["All items (4)", "Brakes & clutch (1)", "Lamps (0)", "No group (3)"]
    assert inventory.groups.currentItem().text() == "Brakes & clutch (1)"  # still shown
    _select_group(inventory, "Lamps")
    inventory.delete_group()
    assert [g.name for g in services.catalog.groups()] == ["Brakes & clutch"]
