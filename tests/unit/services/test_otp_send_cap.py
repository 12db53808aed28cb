"""At most five OTPs an hour to one phone, counted in the store: a restart resets nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from viveka_pos.domain.clock import FixedClock
from viveka_pos.gateways.sms import SmsConfigError
from viveka_pos.services.context import ServiceContext
from viveka_pos.services.device import DeviceSettings
from viveka_pos.services.otp import (
    MAX_SENDS_PER_HOUR,
    MOCK_WITH_REMOTE,
    RESEND_COOLDOWN,
    OtpRateError,
    OtpService,
)
from viveka_pos.store import Store, open_store

PHONE = "9876501234"
MOCK = {"VIVEKA_OTP_MODE": "mock"}


@contextmanager
def _service(data: Path, clock: FixedClock) -> Iterator[tuple[OtpService, Store]]:
    """The OTP service of the app opened on ``data`` (closed again after the block)."""
    store = open_store(data)
    try:
        yield (
            OtpService(ServiceContext(store, "pc-cap", clock), environ=MOCK, bcrypt_rounds=4),
            store,
        )
    finally:
        store.close()


def _clock() -> FixedClock:
    return FixedClock(datetime(2025, 6, 16, 5, 0, tzinfo=UTC))


def _send_the_hours_allowance(otp: OtpService, clock: FixedClock) -> None:
    """Five OTPs, alternating purposes, each after the 30 s cool-down."""
    for round_ in range(MAX_SENDS_PER_HOUR):
        otp.send(PHONE, "login" if round_ % 2 else "register")
        clock.advance(RESEND_COOLDOWN + timedelta(seconds=1))


def test_the_sixth_otp_within_the_hour_is_refused_even_after_a_restart(tmp_path: Path) -> None:
    clock = _clock()
    with _service(tmp_path / "data", clock) as (otp, _):
        _send_the_hours_allowance(otp, clock)
        with pytest.raises(OtpRateError) as refused:
            otp.send(PHONE, "login")
        assert refused.value.field == "otp"
        assert "At most 5 OTPs an hour" in refused.value.message
        assert "try again in 58 min" in refused.value.message
        otp.send("9876509999", "login")  # another phone has its own count

    with _service(tmp_path / "data", clock) as (otp, _):  # the app restarted
        with pytest.raises(OtpRateError):
            otp.send(PHONE, "login")
        clock.advance(timedelta(minutes=58))
        otp.send(PHONE, "login")  # the first sends of the hour have aged out


def test_setting_the_clock_back_does_not_clear_the_count(tmp_path: Path) -> None:
    clock = _clock()
    with _service(tmp_path / "data", clock) as (otp, _):
        _send_the_hours_allowance(otp, clock)
        clock.advance(timedelta(days=-1))
        with pytest.raises(OtpRateError):
            otp.send(PHONE, "generic")  # no session of its own to wait for


def test_demo_mode_is_refused_for_a_shop_that_has_a_remote(tmp_path: Path) -> None:
    clock = _clock()
    with _service(tmp_path / "data", clock) as (otp, store):
        otp.send(PHONE, "login")  # no remote yet: the demo works
        DeviceSettings(store).update(
            remoteUrl="mongodb://shop_9876501234:pw@db.example.in/viveka_9876501234"
        )
        clock.advance(RESEND_COOLDOWN + timedelta(seconds=1))
        with pytest.raises(SmsConfigError) as refused:
            otp.send(PHONE, "login")
        assert str(refused.value) == MOCK_WITH_REMOTE
