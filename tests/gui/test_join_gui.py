"""First run → "Join a shop…": find the shop on a real MongoDB-wire server on 127.0.0.1, log
in with the OTP sent by SMS (the fake 2factor.in server on 127.0.0.1) and kept on the remote,
bring its data — driven from the keyboard (pytest-qt)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtWidgets import QDialog

from tests.fixtures.fake_twofactor import FakeTwoFactorServer
from tests.gui.conftest import on_dialog
from tests.integration.mongo_server import MongoServer, free_port, running_server
from tests.integration.sync_shop import Device
from viveka_pos.services.context import ServiceContext
from viveka_pos.services.device import DeviceSettings
from viveka_pos.services.shop import ShopService
from viveka_pos.store import Store
from viveka_pos.ui.dialogs.auth import LoginDialog
from viveka_pos.ui.dialogs.first_run import FirstRunDialog
from viveka_pos.ui.dialogs.join import JoinDialog

PHONE = "9876500070"
SMS_KEY = "gui-join-key-0123456789"


@pytest.fixture(scope="module")
def remote_shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[MongoServer, str]]:
    """A server holding one shop that its first PC synced: 2 items, 2 bills."""
    database = f"gui_{uuid.uuid4().hex[:8]}"
    with running_server(tmp_path_factory.mktemp("remote")) as server:
        first = Device(tmp_path_factory.mktemp("pc1"), "pc-one", "A")
        try:
            first.register(PHONE, "Kiran Electricals")
            bulb = first.add_item("LED bulb 9 W", 99, 40, code="LED9")
            wire = first.add_item("Wire 1.5 mm", 1450, 6, code="WIRE15")
            first.sell(bulb, 4)
            first.sell(wire, 1, paid=0)
            first.sync(server.url, database)
        finally:
            first.close()
        yield server, database


@pytest.fixture
def ctx(store: Store) -> Iterator[ServiceContext]:
    yield ServiceContext(store=store, device_id="pc-two")
    QThreadPool.globalInstance().waitForDone(10_000)  # no worker outlives its store


@pytest.fixture(scope="module")
def sms() -> Iterator[FakeTwoFactorServer]:
    with FakeTwoFactorServer(valid_keys={SMS_KEY}) as fake:
        yield fake


@pytest.fixture(autouse=True)
def _sms_otp(monkeypatch: pytest.MonkeyPatch, sms: FakeTwoFactorServer) -> None:
    monkeypatch.setenv("VIVEKA_OTP_MODE", "sms")
    monkeypatch.setenv("VIVEKA_2FACTOR_API_KEY", SMS_KEY)
    monkeypatch.setenv("VIVEKA_2FACTOR_BASE_URL", sms.base_url)
    monkeypatch.delenv("VIVEKA_MONGO_URL", raising=False)


def open_join(qtbot: Any, ctx: ServiceContext, **options: Any) -> JoinDialog:
    dialog = JoinDialog(ctx, **options)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def fill(qtbot: Any, dialog: JoinDialog, url: str, database: str, phone: str) -> None:
    if url:
        qtbot.keyClicks(dialog.url_edit, url)
    dialog.database_edit.clear()
    qtbot.keyClicks(dialog.database_edit, database)
    qtbot.keyClicks(dialog.phone, phone)


def log_in_with_sms_otp(qtbot: Any, sms: FakeTwoFactorServer) -> Any:
    def steps(login: LoginDialog) -> None:
        assert login.phone_edit.text() == PHONE
        qtbot.keyClick(login.phone_edit, Qt.Key.Key_Return)  # send the OTP by SMS
        qtbot.waitUntil(login.otp_box.isVisible, timeout=10_000)
        qtbot.keyClicks(login.otp_edit, sms.last_otp(PHONE))
        qtbot.keyClick(login.otp_edit, Qt.Key.Key_Return)

    return on_dialog(LoginDialog, steps, timeout_ms=20_000)


def test_first_run_joins_a_shop_from_the_keyboard(
    qtbot: Any,
    ctx: ServiceContext,
    remote_shop: tuple[MongoServer, str],
    monkeypatch: pytest.MonkeyPatch,
    sms: FakeTwoFactorServer,
) -> None:
    server, database = remote_shop
    monkeypatch.setenv("VIVEKA_MONGO_URL", server.url)  # the address comes prefilled
    wizard = FirstRunDialog(ctx)
    qtbot.addWidget(wizard)
    logins: list[Any] = []

    def join(dialog: JoinDialog) -> None:
        assert dialog.url_edit.text() == server.url
        assert dialog.otp_note.text() == "The OTP goes by SMS to the shop phone."
        fill(qtbot, dialog, "", database, PHONE)
        logins.extend([log_in_with_sms_otp(qtbot, sms)])
        qtbot.keyClick(dialog.phone, Qt.Key.Key_Return)

    seen = on_dialog(JoinDialog, join, timeout_ms=30_000)
    wizard.join_button.click()  # runs the join dialog's loop until it closes
    assert seen and logins and logins[0]
    joined = seen[0]
    assert joined.result() == QDialog.DialogCode.Accepted
    assert wizard.result() == QDialog.DialogCode.Accepted
    assert wizard.shop is not None and wizard.shop.business_name == "Kiran Electricals"
    info = joined.result_info
    assert info is not None and info.complete and info.series == "B"
    assert info.counts["items"] == 2 and info.counts["invoices"] == 2
    store = ctx.store
    assert {d["code"]: d["stock"] for d in store.iter_docs("items")} == {"LED9": 36, "WIRE15": 5}
    device = DeviceSettings(store).all()
    assert (device["remoteUrl"], device["remoteDatabase"]) == (server.url, database)
    assert store.outbox_size() == 0


def test_an_unknown_phone_is_shown_beside_the_phone(
    qtbot: Any, ctx: ServiceContext, remote_shop: tuple[MongoServer, str]
) -> None:
    server, database = remote_shop
    dialog = open_join(qtbot, ctx)
    fill(qtbot, dialog, server.url, database, "9876500079")
    qtbot.keyClick(dialog.phone, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.error_text("phoneNumber") != "", timeout=10_000)
    assert dialog.error_text("phoneNumber").startswith(
        "No shop with this number on the remote database"
    )
    assert dialog.isVisible() and dialog.join_button.isEnabled()
    assert ShopService(ctx).local_shop() is None


def test_an_unreachable_or_bad_address_is_shown_beside_the_address(
    qtbot: Any, ctx: ServiceContext
) -> None:
    dialog = open_join(qtbot, ctx, timeout_ms=300)
    fill(qtbot, dialog, "http://example.com", "vivekaDB", PHONE)
    qtbot.keyClick(dialog.phone, Qt.Key.Key_Return)
    assert "must start with mongodb://" in dialog.error_text("remoteUrl")  # no network needed
    dialog.url_edit.clear()
    qtbot.keyClicks(dialog.url_edit, f"mongodb://127.0.0.1:{free_port()}/")
    dialog.database_edit.clear()
    qtbot.keyClicks(dialog.database_edit, "no/slash")
    qtbot.keyClick(dialog.phone, Qt.Key.Key_Return)
    assert "is not a valid database name" in dialog.error_text("remoteDatabase")
    dialog.database_edit.clear()
    qtbot.keyClicks(dialog.database_edit, "vivekaDB")
    qtbot.keyClick(dialog.phone, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.error_text("remoteUrl") != "", timeout=10_000)
    assert dialog.error_text("remoteUrl").startswith("Cannot reach the remote database at")
    assert ctx.store.count("clients") == 0


def test_closing_the_login_leaves_no_shop_and_allows_a_retry(
    qtbot: Any, ctx: ServiceContext, remote_shop: tuple[MongoServer, str], sms: FakeTwoFactorServer
) -> None:
    server, database = remote_shop
    dialog = open_join(qtbot, ctx)
    fill(qtbot, dialog, server.url, database, PHONE)
    seen = on_dialog(LoginDialog, lambda login: qtbot.keyClick(login, Qt.Key.Key_Escape))
    qtbot.keyClick(dialog.phone, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Not logged in"), timeout=10_000)
    assert seen
    assert ctx.store.count("clients") == 0  # the shop's document went away again
    assert dialog.join_button.isEnabled() and dialog.shop is None

    logins = log_in_with_sms_otp(qtbot, sms)
    with qtbot.waitSignal(dialog.accepted, timeout=30_000):
        qtbot.keyClick(dialog.phone, Qt.Key.Key_Return)
    assert logins and dialog.shop is not None
    assert ctx.store.count("invoices") == 2


def test_without_sms_or_demo_mode_the_api_key_is_asked_for(
    qtbot: Any,
    ctx: ServiceContext,
    remote_shop: tuple[MongoServer, str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    server, database = remote_shop
    monkeypatch.delenv("VIVEKA_OTP_MODE")
    monkeypatch.delenv("VIVEKA_2FACTOR_API_KEY", raising=False)
    dialog = open_join(qtbot, ctx)
    assert dialog.api_key is not None
    assert dialog.otp_note.text() == "The OTP goes by SMS to the shop phone."
    fill(qtbot, dialog, server.url, database, "9876500079")
    qtbot.keyClick(dialog.phone, Qt.Key.Key_Return)
    assert dialog.error_text("twoFactorApiKey").startswith("Is needed to send the OTP")
    qtbot.keyClicks(dialog.api_key, "gui-2f-key-123")
    qtbot.keyClick(dialog.api_key, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.error_text("phoneNumber") != "", timeout=10_000)
    assert DeviceSettings(ctx.store).get("twoFactorApiKey") == "gui-2f-key-123"


def test_demo_mode_cannot_join_and_asks_for_the_sms_key(
    qtbot: Any, ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIVEKA_OTP_MODE", "mock")
    monkeypatch.delenv("VIVEKA_2FACTOR_API_KEY")
    dialog = open_join(qtbot, ctx)
    assert dialog.api_key is not None
    assert "demo mode cannot join a shop" in dialog.otp_note.text()
    assert "viveka_<phone>" in dialog.database_edit.placeholderText()
