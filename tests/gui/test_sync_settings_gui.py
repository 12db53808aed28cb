"""Settings → Sync: the records sync set aside are listed with their reason, and a data file
that came without its secrets (a restored backup) asks for them again."""

from __future__ import annotations

import os
from typing import Any

from bson import ObjectId

from viveka_pos.services.facade import ShopServices
from viveka_pos.sync.deadletters import DeadLetters
from viveka_pos.sync.validate import set_aside

URL = "mongodb://shop_9890000000:Hidden-Pass-99@db.example.in/viveka_9890000000"


def _sync_page(window: Any) -> Any:
    screen = window.show_screen("settings")
    screen.tabs.setCurrentIndex(screen.tabs.count() - 1)
    return screen


def test_refused_records_are_listed_with_their_reason_and_can_be_discarded(
    window: Any, services: ShopServices, qtbot: Any
) -> None:
    store = services.ctx.store
    bad = ObjectId()
    with store.unit_of_work(record_outbox=False) as db:
        set_aside(
            db,
            client_id=services.scope.client_id,
            collection="items",
            doc={"_id": bad, "price": "2500"},
            reason="price: must be a number of rupees (got str)",
            now=services.ctx.now(),
        )
    window.events.flush_now()
    screen = _sync_page(window)
    box = screen.dead_letters
    assert box.table.rowCount() == 1
    assert box.table.item(0, 1).text() == "received, refused"
    assert box.table.item(0, 2).text() == f"items\n{bad}"
    assert "price: must be a number of rupees" in box.table.item(0, 3).text()
    if os.environ.get("VIVEKA_SCREENSHOTS"):
        box.grab().save(os.environ["VIVEKA_SCREENSHOTS"] + "/settings-sync-refused.png")
    box.table.selectRow(0)
    assert box.discard_button.isEnabled() and not box.retry_button.isEnabled()
    box.discard_button.click()
    assert box.table.rowCount() == 0
    assert DeadLetters(store).count() == 0
    assert box.summary.text().startswith("Nothing was refused")


def test_a_secret_the_data_file_had_but_this_pc_lacks_is_asked_for(
    window: Any, services: ShopServices
) -> None:
    services.device.update(remoteUrl=URL)
    services.device.vault.remove("remoteUrl")  # as on another PC, or after a restore
    screen = _sync_page(window)
    screen.refresh()
    note = screen.secrets_note.text()
    assert note.startswith("Enter the remote database address (MongoDB URL) again")
    assert "shop_9890000000:****@db.example.in" in note and "Hidden-Pass" not in note
    assert not screen.secrets_note.isHidden()
