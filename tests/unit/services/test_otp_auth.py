"""Registration and login by OTP, device sessions (single-device policy) and the saved JWT."""

from __future__ import annotations

import json
import os
import stat
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from bson import ObjectId

from viveka_pos.domain.clock import FixedClock
from viveka_pos.domain.entities.shop import Shop
from viveka_pos.domain.errors import ValidationError
from viveka_pos.services.auth import (
    ALREADY_REGISTERED,
    DEACTIVATED,
    NOT_REGISTERED,
    AuthService,
)
from viveka_pos.services.context import ServiceContext
from viveka_pos.services.otp import OtpError, OtpService
from viveka_pos.services.otp_config import OtpSettings
from viveka_pos.services.session import SECRET_FILE, SESSION_FILE
from viveka_pos.services.shop import ShopService
from viveka_pos.store import Store

PHONE = "9876543210"
POSIX = sys.platform != "win32"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2025, 6, 16, 5, 0, tzinfo=UTC))


def make_auth(store: Store, clock: FixedClock, device_id: str, session_dir: Path) -> AuthService:
    ctx = ServiceContext(store=store, device_id=device_id, clock=clock)
    otp = OtpService(ctx, settings=OtpSettings(mode="mock"), bcrypt_rounds=4)
    return AuthService(ctx, otp, session_dir=session_dir)


@pytest.fixture
def auth(store: Store, clock: FixedClock, data_dir: Path) -> AuthService:
    return make_auth(store, clock, "pc-a", data_dir)


@pytest.fixture
def shop(auth: AuthService) -> Shop:
    auth.start_register(PHONE)
    return auth.register(PHONE, "1234", "Asha Kulkarni", "Asha Auto Spares", city="Pune")


def login(auth: AuthService, clock: FixedClock, phone: str = PHONE):
    auth.start_login(phone)
    return auth.login(phone, "1234")


# ----------------------------------------------------------------------- registration


def test_register_creates_the_shop_and_uses_up_the_otp(auth: AuthService, store: Store) -> None:
    auth.start_register("+91 98765-43210")
    shop = auth.register(
        "98765 43210",
        "1234",
        "Asha Kulkarni",
        "Asha Auto Spares",
        city="Pune",
        settings={"paperSize": "80mm"},
    )
    assert shop.phone_number == PHONE
    assert shop.owner_name == "Asha Kulkarni"
    assert shop.city == "Pune"
    assert shop.settings.paper_size == "80mm"
    assert shop.is_active is True
    assert store.db.otpsessions.count_documents({}) == 0
    assert store.db.devicesessions.count_documents({}) == 0  # registering is not logging in


def test_a_registered_number_is_told_to_log_in(auth: AuthService, shop: Shop, store: Store) -> None:
    with pytest.raises(ValidationError) as caught:
        auth.start_register(PHONE)
    assert (caught.value.field, caught.value.message) == ("phoneNumber", ALREADY_REGISTERED)
    assert store.db.otpsessions.count_documents({}) == 0  # no SMS wasted


def test_registration_with_a_wrong_otp_creates_nothing(auth: AuthService, store: Store) -> None:
    auth.start_register(PHONE)
    with pytest.raises(OtpError, match="Wrong OTP — 4 attempts left"):
        auth.register(PHONE, "4321", "Asha Kulkarni", "Asha Auto Spares")
    assert store.db.clients.count_documents({}) == 0


def test_a_refused_profile_keeps_the_otp_usable(auth: AuthService, store: Store) -> None:
    auth.start_register(PHONE)
    with pytest.raises(ValidationError) as caught:
        auth.register(PHONE, "1234", "A", "Asha Auto Spares")
    assert caught.value.field == "ownerName"
    assert store.db.clients.count_documents({}) == 0
    [session] = store.db.otpsessions.find({})
    assert session["attempts"] == 0
    shop = auth.register(PHONE, "1234", "Asha", "Asha Auto Spares")
    assert shop.owner_name == "Asha"


def test_registering_needs_the_register_otp(auth: AuthService) -> None:
    auth.otp.send(PHONE, "login")
    with pytest.raises(OtpError, match="request one first"):
        auth.register(PHONE, "1234", "Asha", "Asha Auto Spares")


# ----------------------------------------------------------------------- login


def test_login_of_an_unknown_number_says_register_first(auth: AuthService, store: Store) -> None:
    with pytest.raises(ValidationError) as caught:
        auth.start_login(PHONE)
    assert (caught.value.field, caught.value.message) == ("phoneNumber", NOT_REGISTERED)
    with pytest.raises(ValidationError, match="register first"):
        auth.login(PHONE, "1234")
    assert store.db.otpsessions.count_documents({}) == 0


def test_a_deactivated_shop_cannot_log_in(auth: AuthService, shop: Shop, store: Store) -> None:
    auth.start_login(PHONE)
    ShopService(auth._ctx).set_active(shop.id, False)
    with pytest.raises(ValidationError) as caught:
        auth.login(PHONE, "1234")
    assert caught.value.message == DEACTIVATED
    assert store.db.devicesessions.count_documents({}) == 0
    with pytest.raises(ValidationError, match=DEACTIVATED):
        auth.start_login(PHONE)


def test_login_records_the_device_session_and_saves_a_token(
    auth: AuthService, shop: Shop, store: Store, clock: FixedClock, data_dir: Path
) -> None:
    clock.advance(minutes=1)
    session = login(auth, clock)
    assert session.client_id == shop.id
    assert session.device_id == "pc-a"
    assert session.shop.business_name == "Asha Auto Spares"
    assert session.expires_at == clock.now() + timedelta(days=30)
    assert "token" not in repr(session) and session.token not in repr(session)

    [doc] = store.db.devicesessions.find({})
    assert doc["_id"] == session.device_session_id
    assert doc["clientId"] == shop.id
    assert doc["deviceId"] == "pc-a"
    assert doc["isActive"] is True
    assert doc["createdAt"] == doc["lastSeenAt"] == auth._ctx.now()
    assert store.db.clients.find_one({"_id": shop.id})["lastLoginAt"] == auth._ctx.now()
    assert store.db.otpsessions.count_documents({}) == 0

    saved = json.loads((data_dir / SESSION_FILE).read_text())
    assert saved == {"token": session.token}
    key = bytes.fromhex((data_dir / SECRET_FILE).read_text().strip())
    claims = jwt.decode(session.token, key, algorithms=["HS256"], options={"verify_exp": False})
    assert claims == {
        "clientId": str(shop.id),
        "deviceSessionId": str(doc["_id"]),
        "deviceId": "pc-a",
        "iat": int(clock.now().timestamp()),
        "exp": int((clock.now() + timedelta(days=30)).timestamp()),
    }
    if POSIX:
        for name in (SESSION_FILE, SECRET_FILE):
            assert stat.S_IMODE(os.stat(data_dir / name).st_mode) == 0o600


def test_login_on_the_same_device_reuses_its_session(
    auth: AuthService, shop: Shop, store: Store, clock: FixedClock
) -> None:
    first = login(auth, clock)
    clock.advance(minutes=5)
    second = login(auth, clock)
    assert second.device_session_id == first.device_session_id
    [doc] = store.db.devicesessions.find({})
    assert doc["lastSeenAt"] == auth._ctx.now()
    assert doc["createdAt"] == auth._ctx.now() - timedelta(minutes=5)
    assert auth.current_session() is not None


def test_a_wrong_login_otp_changes_no_session(
    auth: AuthService, shop: Shop, store: Store, clock: FixedClock
) -> None:
    login(auth, clock)
    before = store.db.devicesessions.find_one({})
    clock.advance(minutes=1)
    auth.start_login(PHONE)
    with pytest.raises(OtpError):
        auth.login(PHONE, "9999")
    assert store.db.devicesessions.find_one({}) == before


# ----------------------------------------------------------------------- the saved login


def test_the_saved_login_survives_a_restart(
    auth: AuthService, shop: Shop, store: Store, clock: FixedClock, data_dir: Path
) -> None:
    session = login(auth, clock)
    again = make_auth(store, clock, "pc-a", data_dir).current_session()
    assert again is not None
    assert again.token == session.token
    assert again.client_id == shop.id


def test_no_saved_login_means_no_session(auth: AuthService) -> None:
    check = auth.check_session()
    assert check.session is None
    assert "not logged in" in check.reason


def test_a_tampered_token_is_refused(
    auth: AuthService, shop: Shop, clock: FixedClock, data_dir: Path
) -> None:
    token = login(auth, clock).token
    header, payload, signature = token.split(".")
    claims = json.loads(jwt.utils.base64url_decode(payload))
    claims["clientId"] = str(ObjectId())
    forged_payload = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
    forged = f"{header}.{forged_payload}.{signature}"
    (data_dir / SESSION_FILE).write_text(json.dumps({"token": forged}))
    check = auth.check_session()
    assert check.session is None
    assert "not signed on this computer" in check.reason


def test_a_token_signed_with_another_key_is_refused(
    auth: AuthService, shop: Shop, clock: FixedClock, data_dir: Path
) -> None:
    real = login(auth, clock)
    claims = jwt.decode(real.token, options={"verify_signature": False})
    forged = jwt.encode(claims, b"k" * 32, algorithm="HS256")
    assert auth.check_token(forged).session is None
    none_alg = jwt.encode(claims, None, algorithm="none")
    assert auth.check_token(none_alg).session is None
    assert auth.check_token("not-a-token").reason == "the saved login is damaged"


def test_an_expired_token_is_refused(auth: AuthService, shop: Shop, clock: FixedClock) -> None:
    login(auth, clock)
    clock.advance(days=30, seconds=-1)
    assert auth.current_session() is not None  # offline use for the whole 30 days
    clock.advance(seconds=1)
    check = auth.check_session()
    assert check.session is None
    assert "expired" in check.reason


def test_a_token_of_another_device_is_refused(
    auth: AuthService, shop: Shop, store: Store, clock: FixedClock, data_dir: Path
) -> None:
    token = login(auth, clock).token
    other = make_auth(store, clock, "pc-other", data_dir)  # same key, another device id
    check = other.check_token(token)
    assert check.session is None
    assert "another computer" in check.reason


def test_a_deactivated_device_session_is_refused(
    auth: AuthService, shop: Shop, store: Store, clock: FixedClock
) -> None:
    session = login(auth, clock)
    with store.unit_of_work() as db:
        db.devicesessions.update_one(
            {"_id": session.device_session_id}, {"$set": {"isActive": False}}
        )
    check = auth.check_session()
    assert check.session is None
    assert "has ended" in check.reason


def test_a_missing_device_session_is_refused(
    auth: AuthService, shop: Shop, store: Store, clock: FixedClock
) -> None:
    session = login(auth, clock)
    with store.unit_of_work() as db:
        db.devicesessions.delete_one({"_id": session.device_session_id})
    assert "not known" in auth.check_session().reason


def test_a_deactivated_shop_loses_its_saved_login(
    auth: AuthService, shop: Shop, clock: FixedClock
) -> None:
    login(auth, clock)
    ShopService(auth._ctx).set_active(shop.id, False)
    assert auth.check_session().reason == DEACTIVATED


def test_an_unreadable_session_file_means_no_session(
    auth: AuthService, shop: Shop, clock: FixedClock, data_dir: Path
) -> None:
    login(auth, clock)
    (data_dir / SESSION_FILE).write_text("{broken")
    assert auth.current_session() is None


# ----------------------------------------------------------------------- single device


def test_login_on_a_second_device_ends_the_first(
    auth: AuthService, shop: Shop, store: Store, clock: FixedClock, tmp_path: Path
) -> None:
    a_session = login(auth, clock)
    device_b = make_auth(store, clock, "pc-b", tmp_path / "pc-b")
    clock.advance(minutes=1)
    b_session = login(device_b, clock)

    docs = {d["deviceId"]: d for d in store.db.devicesessions.find({})}
    assert docs["pc-a"]["isActive"] is False
    assert docs["pc-b"]["isActive"] is True
    assert docs["pc-a"]["updatedAt"] == device_b._ctx.now()
    assert device_b.current_session() is not None
    assert b_session.device_session_id != a_session.device_session_id

    check = auth.check_session()
    assert check.session is None
    assert "logged in on another computer" in check.reason
    assert auth.check_token(a_session.token).session is None

    clock.advance(minutes=1)
    login(auth, clock)  # A takes over again, reusing its own document
    docs = {d["deviceId"]: d for d in store.db.devicesessions.find({})}
    assert (docs["pc-a"]["isActive"], docs["pc-b"]["isActive"]) == (True, False)
    assert docs["pc-a"]["_id"] == a_session.device_session_id
    assert device_b.current_session() is None


def test_logging_in_another_shop_on_this_pc_ends_the_first_shops_session(
    auth: AuthService, shop: Shop, store: Store, clock: FixedClock
) -> None:
    login(auth, clock)
    auth.start_register("9123456780")
    auth.register("9123456780", "1234", "Ravi", "Ravi Stores")
    second = login(auth, clock, "9123456780")
    active = list(store.db.devicesessions.find({"isActive": True}))
    assert [d["clientId"] for d in active] == [second.client_id]
    assert auth.current_session().client_id == second.client_id


# ----------------------------------------------------------------------- logout


def test_logout_forgets_the_token_and_ends_the_session(
    auth: AuthService, shop: Shop, store: Store, clock: FixedClock, data_dir: Path
) -> None:
    session = login(auth, clock)
    assert auth.logout() is True
    assert not (data_dir / SESSION_FILE).exists()
    assert store.db.devicesessions.find_one({})["isActive"] is False
    assert auth.current_session() is None
    assert auth.check_token(session.token).session is None
    assert auth.logout() is False


def test_logout_with_an_expired_token_still_ends_the_session(
    auth: AuthService, shop: Shop, store: Store, clock: FixedClock
) -> None:
    login(auth, clock)
    clock.advance(days=40)
    assert auth.logout() is True
    assert store.db.devicesessions.find_one({})["isActive"] is False


def test_logout_does_not_touch_another_devices_session(
    auth: AuthService, shop: Shop, store: Store, clock: FixedClock, tmp_path: Path
) -> None:
    login(auth, clock)
    device_b = make_auth(store, clock, "pc-b", tmp_path / "pc-b")
    login(device_b, clock)
    assert auth.logout() is True  # A's token: its session was already ended by B's login
    assert device_b.current_session() is not None
