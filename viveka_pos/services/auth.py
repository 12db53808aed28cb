"""Registration and login by OTP, device sessions, and the saved login of this PC.

Login follows the spec's single-device policy: the shop's session on this PC becomes the only
active one (``devicesessions``, unique per shop + device, reused on every login here) and the
others are deactivated in the same unit of work. A device whose session was deactivated keeps
its data; it is asked to log in again the next time it checks its session.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any, Final

from bson import ObjectId
from bson.errors import InvalidId

from ..domain import validation as v
from ..domain.entities.session import Session, SessionCheck
from ..domain.entities.shop import Shop, shop_from_stored
from ..domain.errors import ValidationError
from ..gateways.sms import mask_phone
from ..store import new_id
from .context import ServiceContext
from .otp import OtpChallenge, OtpService
from .session import (
    TOKEN_LIFETIME,
    TokenClaims,
    TokenError,
    TokenFile,
    issue_token,
    load_signing_key,
    read_token,
)
from .shop import ShopService

logger = logging.getLogger("viveka_pos.auth")

__all__ = ["AuthService", "Session", "SessionCheck"]

ALREADY_REGISTERED: Final = "a shop is already registered with this number — log in instead"
NOT_REGISTERED: Final = "no shop with this number — register first"
DEACTIVATED: Final = "this shop is deactivated"


class AuthService:
    """OTP registration and login for this device (``ctx.device_id``).

    ``session_dir`` holds ``secret.key`` and ``session.json``; it defaults to the store's data
    folder.
    """

    def __init__(
        self,
        ctx: ServiceContext,
        otp: OtpService,
        *,
        session_dir: Path | None = None,
        token_lifetime: timedelta = TOKEN_LIFETIME,
    ) -> None:
        self._ctx = ctx
        self._otp = otp
        self._shops = ShopService(ctx)
        self._dir = Path(session_dir) if session_dir is not None else ctx.store.data_dir
        self._file = TokenFile(self._dir)
        self._lifetime = token_lifetime
        self._key: bytes | None = None

    @property
    def otp(self) -> OtpService:
        return self._otp

    def _signing_key(self) -> bytes:
        if self._key is None:
            self._key = load_signing_key(self._dir)
        return self._key

    # ------------------------------------------------------------------ registration

    def start_register(self, phone: object) -> OtpChallenge:
        """Send a registration OTP, unless the number already has a shop."""
        phone_number = v.phone(phone, "phoneNumber")
        self._require_unregistered(phone_number)
        return self._otp.send(phone_number, "register")

    def register(
        self,
        phone: object,
        otp: object,
        owner_name: object,
        business_name: object,
        *,
        settings: dict[str, Any] | None = None,
        **profile: Any,
    ) -> Shop:
        """Create the shop once the registration OTP matches; returns it.

        If the profile is refused, nothing is written and the OTP can be used again.
        """
        phone_number = v.phone(phone, "phoneNumber")
        self._require_unregistered(phone_number)
        with self._otp.redeem(phone_number, "register", otp):
            self._require_unregistered(phone_number)
            shop = self._shops.register(
                phone=phone_number,
                owner_name=owner_name,
                business_name=business_name,
                settings=settings,
                **profile,
            )
        logger.info("Shop registered for %s", mask_phone(phone_number))
        return shop

    def _require_unregistered(self, phone_number: str) -> None:
        if self._shops.find_by_phone(phone_number) is not None:
            raise ValidationError("phoneNumber", ALREADY_REGISTERED)

    # ------------------------------------------------------------------ login

    def start_login(self, phone: object) -> OtpChallenge:
        """Send a login OTP to the phone of an active shop known on this PC."""
        phone_number = v.phone(phone, "phoneNumber", check_plan=False)
        self._login_shop(phone_number)
        return self._otp.send(phone_number, "login")

    def login(self, phone: object, otp: object) -> Session:
        """Check the login OTP, make this device the shop's one active session, save a token."""
        phone_number = v.phone(phone, "phoneNumber", check_plan=False)
        self._login_shop(phone_number)
        device_id = self._ctx.device_id
        with self._otp.redeem(phone_number, "login", otp) as db:
            shop = self._login_shop(phone_number)
            session_id = self._activate_device_session(db, shop.id, device_id)
            self._shops.record_login(shop.id)
            token = issue_token(
                self._signing_key(),
                client_id=str(shop.id),
                device_session_id=str(session_id),
                device_id=device_id,
                now=self._ctx.clock.now(),
                lifetime=self._lifetime,
            )
            # Saved inside the unit of work: if saving fails, the login is not recorded and
            # the OTP stays usable. A token saved before a failed commit names a device
            # session that does not exist, so it is refused.
            self._file.save(token)
        logger.info("Logged in %s on device %s", mask_phone(phone_number), device_id)
        check = self.check_token(token)
        if check.session is None:  # only if the shop changed between commit and this read
            raise ValidationError("phoneNumber", check.reason)
        return check.session

    def _login_shop(self, phone_number: str) -> Shop:
        shop = self._shops.find_by_phone(phone_number)
        if shop is None:
            raise ValidationError("phoneNumber", NOT_REGISTERED)
        if not shop.is_active:
            raise ValidationError("phoneNumber", DEACTIVATED)
        return shop

    def _activate_device_session(self, db: Any, client_id: ObjectId, device_id: str) -> ObjectId:
        """Reuse (or make) this device's session for the shop and deactivate all others."""
        now = self._ctx.now()
        mine = db.devicesessions.find_one({"clientId": client_id, "deviceId": device_id})
        if mine is None:
            session_id = new_id()
            db.devicesessions.insert_one(
                {
                    "_id": session_id,
                    "clientId": client_id,
                    "deviceId": device_id,
                    "isActive": True,
                    "lastSeenAt": now,
                    "createdAt": now,
                    "updatedAt": now,
                }
            )
        else:
            session_id = mine["_id"]
            db.devicesessions.update_one(
                {"_id": session_id},
                {"$set": {"isActive": True, "lastSeenAt": now, "updatedAt": now}},
            )
        ended = {"$set": {"isActive": False, "updatedAt": now}}
        # Single-device policy: the shop's sessions on other devices end ...
        db.devicesessions.update_many(
            {"clientId": client_id, "deviceId": {"$ne": device_id}, "isActive": True}, ended
        )
        # ... and so do other shops' sessions on this PC, which keeps one saved login.
        db.devicesessions.update_many(
            {"deviceId": device_id, "clientId": {"$ne": client_id}, "isActive": True}, ended
        )
        return session_id

    # ------------------------------------------------------------------ the saved login

    def current_session(self) -> Session | None:
        """The saved login if it is still valid, else None (the app then asks for login)."""
        return self.check_session().session

    def check_session(self) -> SessionCheck:
        token = self._file.load()
        if token is None:
            return SessionCheck(None, "not logged in on this computer")
        return self.check_token(token)

    def check_token(self, token: str) -> SessionCheck:
        """Validate any token against this device, the clock and the stored sessions."""
        try:
            claims = read_token(self._signing_key(), token, now=self._ctx.clock.now())
        except TokenError as exc:
            return SessionCheck(None, str(exc))
        if claims.device_id != self._ctx.device_id:
            return SessionCheck(None, "the saved login belongs to another computer")
        try:
            client_id = ObjectId(claims.client_id)
            session_id = ObjectId(claims.device_session_id)
        except (InvalidId, TypeError):
            return SessionCheck(None, "the saved login is damaged")
        problem = self._session_problem(claims, client_id, session_id)
        if problem:
            return SessionCheck(None, problem)
        shop = self._ctx.store.db.clients.find_one({"_id": client_id})
        if shop is None:
            return SessionCheck(None, "the shop of the saved login is not on this computer")
        if not shop.get("isActive", True):
            return SessionCheck(None, DEACTIVATED)
        return SessionCheck(
            Session(
                token=token,
                client_id=client_id,
                device_session_id=session_id,
                device_id=claims.device_id,
                expires_at=claims.expires_at,
                shop=shop_from_stored(shop),
            )
        )

    def _session_problem(
        self, claims: TokenClaims, client_id: ObjectId, session_id: ObjectId
    ) -> str:
        doc = self._ctx.store.get("devicesessions", session_id)
        if (
            doc is None
            or doc.get("clientId") != client_id
            or doc.get("deviceId") != (claims.device_id)
        ):
            return "this login is not known on this computer — log in again"
        if not doc.get("isActive", True):
            return (
                "this login has ended (logged out, or the shop logged in on another "
                "computer) — log in again"
            )
        return ""

    def logout(self) -> bool:
        """End this PC's login: its device session is deactivated and the token forgotten.

        Returns True when there was a saved login.
        """
        token = self._file.load()
        if token is not None:
            self._end_device_session(token)
        had_file = self._file.clear()
        return token is not None or had_file

    def _end_device_session(self, token: str) -> None:
        try:
            claims = read_token(self._signing_key(), token)  # even an expired one
            session_id = ObjectId(claims.device_session_id)
        except (TokenError, InvalidId, TypeError):
            return  # nothing trustworthy to end; forgetting the file is enough
        if claims.device_id != self._ctx.device_id:
            return
        now = self._ctx.now()
        with self._ctx.store.unit_of_work() as db:
            db.devicesessions.update_one(
                {"_id": session_id, "deviceId": claims.device_id, "isActive": True},
                {"$set": {"isActive": False, "updatedAt": now}},
            )
        logger.info("Logged out on device %s", claims.device_id)
