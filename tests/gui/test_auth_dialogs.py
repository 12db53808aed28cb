"""The login and registration dialogs, driven with the keyboard and mouse (pytest-qt)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QThreadPool

from tests.fixtures.fake_twofactor import FakeTwoFactorServer
from viveka_pos.domain.clock import FixedClock
from viveka_pos.services.auth import AuthService
from viveka_pos.services.context import ServiceContext
from viveka_pos.services.device import DeviceSettings
from viveka_pos.services.otp import NOT_SET_UP, OtpService
from viveka_pos.store import Store
from viveka_pos.ui.dialogs.auth import LoginDialog, RegisterDialog

PHONE = "9876543210"
KEY = "gui-2f-key-0a1b2c3d4e5f"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2025, 6, 16, 5, 0, tzinfo=UTC))


@pytest.fixture
def ctx(store: Store, clock: FixedClock) -> Iterator[ServiceContext]:
    yield ServiceContext(store=store, device_id="pc-gui", clock=clock)
    # No worker may outlive the store it writes to.
    QThreadPool.globalInstance().waitForDone(10_000)


def services(
    ctx: ServiceContext, data_dir: Path, *, demo: bool = True, **otp_options: float
) -> tuple[AuthService, OtpService]:
    if demo:
        DeviceSettings(ctx.store).update(otpMode="mock")  # a demo shop
    otp = OtpService(ctx, environ={}, bcrypt_rounds=4, **otp_options)
    return AuthService(ctx, otp, session_dir=data_dir), otp


def open_dialog(qtbot, dialog):  # type: ignore[no-untyped-def]
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def send_otp_with_enter(qtbot, dialog) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(dialog.phone_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(dialog.otp_box.isVisible, timeout=10_000)


def fill_registration(qtbot, dialog, owner: str = "Asha Kulkarni") -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(dialog.phone_edit, PHONE)
    qtbot.keyClicks(dialog.owner_edit, owner)
    qtbot.keyClicks(dialog.business_edit, "Asha Auto Spares")


def test_register_then_log_in_in_demo_mode(
    qtbot,
    ctx: ServiceContext,  # type: ignore[no-untyped-def]
    data_dir: Path,
) -> None:
    auth, otp = services(ctx, data_dir)
    register = open_dialog(qtbot, RegisterDialog(auth, otp))
    assert register.demo_banner.isVisible()
    assert register.demo_banner.text() == "Demo mode — OTP is 1234"
    assert not register.otp_box.isVisible()
    fill_registration(qtbot, register)
    send_otp_with_enter(qtbot, register)
    assert register.countdown_label.text() == "OTP expires in 10:00"
    assert not register.resend_button.isEnabled()
    assert register.resend_button.text() == "Resend OTP in 30 s"
    assert register.status_label.text() == "OTP sent to ******3210"
    assert register.phone_edit.isReadOnly()
    qtbot.keyClicks(register.otp_edit, "1234")
    with qtbot.waitSignal(register.accepted, timeout=10_000):
        qtbot.keyClick(register.otp_edit, Qt.Key.Key_Return)
    assert register.shop is not None
    assert register.shop.business_name == "Asha Auto Spares"

    login = open_dialog(qtbot, LoginDialog(auth, otp, phone=PHONE))
    assert login.demo_banner.isVisible()
    send_otp_with_enter(qtbot, login)
    qtbot.keyClicks(login.otp_edit, "1234")
    with qtbot.waitSignal(login.accepted, timeout=10_000):
        qtbot.keyClick(login.otp_edit, Qt.Key.Key_Return)
    assert login.session is not None
    assert login.session.client_id == register.shop.id
    current = auth.current_session()
    assert current is not None and current.device_id == "pc-gui"


def test_a_wrong_otp_is_explained_next_to_the_field(
    qtbot,
    ctx: ServiceContext,  # type: ignore[no-untyped-def]
    data_dir: Path,
) -> None:
    auth, otp = services(ctx, data_dir)
    dialog = open_dialog(qtbot, RegisterDialog(auth, otp))
    fill_registration(qtbot, dialog)
    send_otp_with_enter(qtbot, dialog)
    qtbot.keyClicks(dialog.otp_edit, "9999")
    qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error_text("otp") != "", timeout=10_000)
    assert dialog.error_text("otp") == "Wrong OTP — 4 attempts left"
    assert dialog.isVisible() and dialog.shop is None
    assert dialog.error_text("general") == ""


def test_a_profile_error_shows_by_its_field_and_keeps_the_otp(  # type: ignore[no-untyped-def]
    qtbot, ctx: ServiceContext, data_dir: Path
) -> None:
    auth, otp = services(ctx, data_dir)
    dialog = open_dialog(qtbot, RegisterDialog(auth, otp))
    fill_registration(qtbot, dialog, owner="A")
    send_otp_with_enter(qtbot, dialog)
    qtbot.keyClicks(dialog.otp_edit, "1234")
    qtbot.keyClick(dialog.otp_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.error_text("ownerName") != "", timeout=10_000)
    assert dialog.error_text("ownerName") == "must have at least 2 characters"
    qtbot.keyClicks(dialog.owner_edit, "sha")
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
    assert dialog.shop is not None and dialog.shop.owner_name == "Asha"


def test_countdown_resend_and_expiry_follow_the_clock(
    qtbot,
    ctx: ServiceContext,  # type: ignore[no-untyped-def]
    clock: FixedClock,
    data_dir: Path,
) -> None:
    auth, otp = services(ctx, data_dir)
    dialog = open_dialog(qtbot, RegisterDialog(auth, otp, phone=PHONE))
    send_otp_with_enter(qtbot, dialog)
    clock.advance(seconds=12)
    qtbot.waitUntil(lambda: dialog.countdown_label.text() == "OTP expires in 9:48", timeout=3000)
    assert dialog.resend_button.text() == "Resend OTP in 18 s"
    assert not dialog.resend_button.isEnabled()
    clock.advance(seconds=18)
    qtbot.waitUntil(dialog.resend_button.isEnabled, timeout=3000)
    assert dialog.resend_button.text() == "Resend OTP"
    qtbot.mouseClick(dialog.resend_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.resend_button.isEnabled(), timeout=10_000)
    qtbot.waitUntil(lambda: dialog.countdown_label.text() == "OTP expires in 10:00", timeout=10_000)
    clock.advance(minutes=10)
    qtbot.waitUntil(
        lambda: dialog.countdown_label.text() == "OTP expired — request a new one", timeout=3000
    )
    assert dialog.resend_button.isEnabled()
    qtbot.keyClicks(dialog.otp_edit, "1234")
    qtbot.keyClick(dialog.otp_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.error_text("otp") != "", timeout=10_000)
    assert dialog.error_text("otp") == "OTP expired — request a new one"


def test_unknown_number_and_missing_phone_are_shown_by_the_phone(  # type: ignore[no-untyped-def]
    qtbot, ctx: ServiceContext, data_dir: Path
) -> None:
    auth, otp = services(ctx, data_dir)
    dialog = open_dialog(qtbot, LoginDialog(auth, otp))
    qtbot.keyClick(dialog.phone_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.error_text("phoneNumber") != "", timeout=10_000)
    assert dialog.error_text("phoneNumber") == "is required"
    qtbot.keyClicks(dialog.phone_edit, PHONE)
    qtbot.keyClick(dialog.phone_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: dialog.error_text("phoneNumber") == "no shop with this number — register first",
        timeout=10_000,
    )
    assert not dialog.otp_box.isVisible()


def test_without_sms_setup_the_dialog_says_what_to_do(
    qtbot,
    ctx: ServiceContext,  # type: ignore[no-untyped-def]
    data_dir: Path,
) -> None:
    auth, otp = services(ctx, data_dir, demo=False)
    dialog = open_dialog(qtbot, RegisterDialog(auth, otp, phone=PHONE))
    assert not dialog.demo_banner.isVisible()
    qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error_text("general") != "", timeout=10_000)
    assert dialog.error_text("general") == NOT_SET_UP
    assert "Traceback" not in dialog.error_text("general")


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTwoFactorServer]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    with FakeTwoFactorServer(valid_keys={KEY}) as server:
        yield server


def test_a_slow_sms_does_not_freeze_the_dialog(
    qtbot,
    ctx: ServiceContext,  # type: ignore[no-untyped-def]
    data_dir: Path,
    fake: FakeTwoFactorServer,
) -> None:
    DeviceSettings(ctx.store).update(twoFactorApiKey=KEY, twoFactorBaseUrl=fake.base_url)
    auth, otp = services(ctx, data_dir, demo=False)
    dialog = open_dialog(qtbot, RegisterDialog(auth, otp))
    fill_registration(qtbot, dialog)
    fake.hold_answers()  # the provider answers only when the test says so
    try:
        qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
        # The click returns while the request waits at the provider: the busy state is shown.
        assert dialog.status_label.text() == "Sending OTP…"
        assert not dialog.send_button.isEnabled()
        qtbot.waitUntil(lambda: fake.held_requests == 1, timeout=10_000)
        assert not fake.sent and dialog.status_label.text() == "Sending OTP…"
        assert not dialog.otp_box.isVisible()
    finally:
        fake.release_answers()
    qtbot.waitUntil(dialog.otp_box.isVisible, timeout=10_000)
    assert not dialog.demo_banner.isVisible()
    qtbot.keyClicks(dialog.otp_edit, fake.last_otp(PHONE))
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        qtbot.keyClick(dialog.otp_edit, Qt.Key.Key_Enter)
    assert dialog.shop is not None


def test_a_provider_refusal_is_shown_in_words(
    qtbot,
    ctx: ServiceContext,  # type: ignore[no-untyped-def]
    data_dir: Path,
    fake: FakeTwoFactorServer,
) -> None:
    DeviceSettings(ctx.store).update(twoFactorApiKey=KEY, twoFactorBaseUrl=fake.base_url)
    auth, otp = services(ctx, data_dir, demo=False)
    dialog = open_dialog(qtbot, LoginDialog(auth, otp))
    auth.start_register(PHONE)
    auth.register(PHONE, fake.last_otp(PHONE), "Asha", "Asha Auto Spares")
    fake.balance = 0
    qtbot.keyClicks(dialog.phone_edit, PHONE)
    qtbot.keyClick(dialog.phone_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.error_text("general") != "", timeout=10_000)
    assert "Insufficient balance" in dialog.error_text("general")
    assert KEY not in dialog.error_text("general")
    assert not dialog.otp_box.isVisible()
    assert dialog.send_button.isEnabled()


def test_change_number_and_reopening_within_the_cool_down(  # type: ignore[no-untyped-def]
    qtbot, ctx: ServiceContext, data_dir: Path
) -> None:
    auth, otp = services(ctx, data_dir)
    first = open_dialog(qtbot, RegisterDialog(auth, otp, phone=PHONE))
    send_otp_with_enter(qtbot, first)
    qtbot.mouseClick(first.change_button, Qt.MouseButton.LeftButton)
    assert not first.otp_box.isVisible()
    assert not first.phone_edit.isReadOnly()
    assert first.send_button.isVisible() and first.send_button.isDefault()
    first.reject()

    # Opened again seconds later: the OTP already sent is offered instead of "wait 30 s".
    second = open_dialog(qtbot, RegisterDialog(auth, otp, phone=PHONE))
    qtbot.keyClicks(second.owner_edit, "Asha")
    qtbot.keyClicks(second.business_edit, "Asha Auto Spares")
    send_otp_with_enter(qtbot, second)
    assert second.error_text("phoneNumber") == ""
    assert second.resend_button.text() == "Resend OTP in 30 s"
    qtbot.keyClicks(second.otp_edit, "1234")
    with qtbot.waitSignal(second.accepted, timeout=10_000):
        qtbot.keyClick(second.otp_edit, Qt.Key.Key_Return)
