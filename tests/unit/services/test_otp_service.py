"""OTP rules in demo mode (no network): hashing, attempts, expiry, cool-down, consumption.

The same rules over real HTTP to the fake 2factor.in server are in
tests/integration/test_auth_http.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import bcrypt
import pytest

from viveka_pos.domain.clock import FixedClock
from viveka_pos.domain.errors import ValidationError
from viveka_pos.gateways.sms import SmsConfigError
from viveka_pos.services.context import ServiceContext
from viveka_pos.services.otp import (
    MAX_ATTEMPTS,
    NOT_SET_UP,
    OtpCooldownError,
    OtpError,
    OtpService,
)
from viveka_pos.services.otp_config import OtpSettings
from viveka_pos.store import Store

PHONE = "9876543210"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2025, 6, 16, 5, 0, tzinfo=UTC))


@pytest.fixture
def ctx(store: Store, clock: FixedClock) -> ServiceContext:
    return ServiceContext(store=store, device_id="pc-otp", clock=clock)


@pytest.fixture
def otp(ctx: ServiceContext) -> OtpService:
    return OtpService(ctx, settings=OtpSettings(mode="mock"), bcrypt_rounds=4)


def sessions(store: Store) -> list[dict]:
    return list(store.db.otpsessions.find({}))


def test_demo_send_stores_only_a_bcrypt_hash(
    otp: OtpService, store: Store, clock: FixedClock
) -> None:
    challenge = otp.send("+91 98765 43210", "login")
    assert challenge.mock
    assert challenge.phone == PHONE
    assert challenge.masked_phone == "******3210"
    assert challenge.expires_at - challenge.created_at == timedelta(minutes=10)
    assert challenge.seconds_to_expiry(otp.now()) == 600
    assert challenge.seconds_to_resend(otp.now()) == 30
    [doc] = sessions(store)
    assert doc["phoneNumber"] == PHONE
    assert doc["purpose"] == "login"
    assert doc["attempts"] == 0
    assert doc["isVerified"] is False
    assert doc["createdAt"] == otp.now()
    assert doc["expiresAt"] == otp.now() + timedelta(minutes=10)
    assert doc["otpHash"].startswith("$2b$04$")
    assert bcrypt.checkpw(b"1234", doc["otpHash"].encode())
    assert not any("1234" in str(value) for key, value in doc.items() if key != "_id")


def test_the_right_otp_is_accepted_once(otp: OtpService, store: Store) -> None:
    otp.send(PHONE, "register")
    otp.verify(PHONE, "register", "1234")
    assert sessions(store) == []
    with pytest.raises(OtpError, match="request one first") as caught:
        otp.verify(PHONE, "register", "1234")
    assert caught.value.field == "otp"
    assert not caught.value.retry


def test_purposes_are_separate_sessions(otp: OtpService, store: Store) -> None:
    otp.send(PHONE, "register")
    otp.send(PHONE, "login")
    assert sorted(d["purpose"] for d in sessions(store)) == ["login", "register"]
    with pytest.raises(OtpError):
        otp.verify(PHONE, "generic", "1234")
    otp.verify(PHONE, "login", "1234")
    assert [d["purpose"] for d in sessions(store)] == ["register"]


def test_wrong_otps_count_down_then_the_session_is_dead(otp: OtpService, store: Store) -> None:
    otp.send(PHONE, "login")
    messages = []
    for _ in range(MAX_ATTEMPTS):
        with pytest.raises(OtpError) as caught:
            otp.verify(PHONE, "login", "9999")
        messages.append(caught.value.message)
    assert messages == [
        "Wrong OTP — 4 attempts left",
        "Wrong OTP — 3 attempts left",
        "Wrong OTP — 2 attempts left",
        "Wrong OTP — 1 attempt left",
        "Too many wrong attempts — request a new OTP",
    ]
    assert sessions(store)[0]["attempts"] == MAX_ATTEMPTS
    with pytest.raises(OtpError, match="Too many wrong attempts") as sixth:
        otp.verify(PHONE, "login", "1234")
    assert not sixth.value.retry
    assert otp.pending(PHONE, "login") is None


def test_badly_typed_otps_do_not_use_up_tries(otp: OtpService, store: Store) -> None:
    otp.send(PHONE, "login")
    with pytest.raises(OtpError, match="Enter the 4-digit OTP"):
        otp.verify(PHONE, "login", "123")
    with pytest.raises(OtpError, match="digits only"):
        otp.verify(PHONE, "login", "12a4")
    with pytest.raises(OtpError, match="Enter the OTP"):
        otp.verify(PHONE, "login", "  ")
    assert sessions(store)[0]["attempts"] == 0
    otp.verify(PHONE, "login", " 12 34 ")


def test_expired_otp_is_refused(otp: OtpService, clock: FixedClock) -> None:
    otp.send(PHONE, "login")
    clock.advance(minutes=9, seconds=59)
    assert otp.pending(PHONE, "login") is not None
    clock.advance(seconds=1)
    assert otp.pending(PHONE, "login") is None
    with pytest.raises(OtpError, match=r"^otp: OTP expired — request a new one$") as caught:
        otp.verify(PHONE, "login", "1234")
    assert not caught.value.retry


def test_resend_waits_for_the_cool_down(otp: OtpService, store: Store, clock: FixedClock) -> None:
    otp.send(PHONE, "login")
    with pytest.raises(OtpError):
        otp.verify(PHONE, "login", "0000")
    clock.advance(seconds=7)
    with pytest.raises(OtpCooldownError) as caught:
        otp.send(PHONE, "login")
    assert caught.value.message == "Wait 23 s before asking for a new OTP"
    assert caught.value.seconds_left == 23
    clock.advance(seconds=22, milliseconds=500)
    with pytest.raises(OtpCooldownError, match="Wait 1 s"):
        otp.send(PHONE, "login")
    clock.advance(milliseconds=500)
    challenge = otp.send(PHONE, "login")
    [doc] = sessions(store)
    assert doc["attempts"] == 0  # the new OTP gets fresh tries
    assert doc["createdAt"] == challenge.created_at == otp.now()


def test_another_purpose_is_not_held_by_the_cool_down(otp: OtpService, store: Store) -> None:
    register = otp.send(PHONE, "register")
    login = otp.send(PHONE, "login")  # at once: the register cool-down does not hold it
    assert (register.purpose, login.purpose) == ("register", "login")
    assert sorted(doc["purpose"] for doc in sessions(store)) == ["login", "register"]
    otp.verify(PHONE, "register", "1234")  # using one purpose's OTP leaves the other's
    assert [doc["purpose"] for doc in sessions(store)] == ["login"]
    assert otp.pending(PHONE, "login") == login
    with pytest.raises(OtpCooldownError):  # while its own purpose is still held
        otp.send(PHONE, "login")


def test_a_clock_set_back_never_asks_for_more_than_the_cool_down(
    otp: OtpService, clock: FixedClock
) -> None:
    otp.send(PHONE, "login")
    clock.advance(hours=-2)
    with pytest.raises(OtpCooldownError) as caught:
        otp.send(PHONE, "login")
    assert caught.value.seconds_left == 30


def test_sms_mode_without_a_key_says_how_to_fix_it(ctx: ServiceContext, store: Store) -> None:
    otp = OtpService(ctx, settings=OtpSettings(mode="sms"), bcrypt_rounds=4)
    with pytest.raises(SmsConfigError) as caught:
        otp.send(PHONE, "login")
    assert str(caught.value) == NOT_SET_UP
    assert sessions(store) == []
    assert not otp.is_mock()


def test_settings_are_read_from_the_pc_when_not_fixed(ctx: ServiceContext) -> None:
    from viveka_pos.services.device import DeviceSettings

    otp = OtpService(ctx, environ={}, bcrypt_rounds=4)
    assert not otp.is_mock()
    DeviceSettings(ctx.store).update(otpMode="mock")
    assert otp.is_mock()
    assert otp.send(PHONE, "login").mock
    assert OtpService(ctx, environ={"VIVEKA_OTP_MODE": "sms"}).is_mock() is False


def test_redeem_commits_the_callers_writes_with_the_consumption(
    otp: OtpService, store: Store
) -> None:
    otp.send(PHONE, "login")
    with otp.redeem(PHONE, "login", "1234") as db:
        db.localsettings.insert_one({"_id": "marker", "value": 1})
    assert sessions(store) == []
    assert store.db.localsettings.find_one({"_id": "marker"}) is not None


def test_a_failing_caller_leaves_the_otp_usable(otp: OtpService, store: Store) -> None:
    otp.send(PHONE, "login")
    with (
        pytest.raises(ValidationError, match="ownerName"),
        otp.redeem(PHONE, "login", "1234") as db,
    ):
        db.localsettings.insert_one({"_id": "marker", "value": 1})
        raise ValidationError("ownerName", "must have at least 2 characters")
    assert store.db.localsettings.find_one({"_id": "marker"}) is None
    assert sessions(store)[0]["attempts"] == 0
    otp.verify(PHONE, "login", "1234")


def test_a_wrong_otp_never_runs_the_callers_block(otp: OtpService, store: Store) -> None:
    otp.send(PHONE, "login")
    ran = []
    with pytest.raises(OtpError, match="4 attempts left"), otp.redeem(PHONE, "login", "4321"):
        ran.append(True)
    assert ran == []
    assert sessions(store)[0]["attempts"] == 1


def test_invalid_phone_and_purpose_are_validation_errors(otp: OtpService) -> None:
    with pytest.raises(ValidationError, match="phoneNumber"):
        otp.send("12345", "login")
    with pytest.raises(ValidationError, match="purpose"):
        otp.send(PHONE, "reset")


@pytest.mark.parametrize(
    "kwargs",
    [{"digits": 3}, {"digits": 7}, {"bcrypt_rounds": 3}, {"sms_timeout": 9.0}, {"sms_timeout": 0}],
)
def test_unusable_options_are_refused(ctx: ServiceContext, kwargs: dict) -> None:
    with pytest.raises(ValueError):
        OtpService(ctx, **kwargs)


def test_default_cost_is_suitable_for_production(ctx: ServiceContext, store: Store) -> None:
    OtpService(ctx, settings=OtpSettings(mode="mock")).send(PHONE, "generic")
    rounds = int(sessions(store)[0]["otpHash"].split("$")[2])
    assert 10 <= rounds <= 12
