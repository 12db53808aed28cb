"""One-time passwords for registration and login (the spec's ``otpsessions``).

The OTP is made here with :mod:`secrets`, kept only as a bcrypt hash, and checked locally;
the SMS provider just delivers it. Rules: one session per phone + purpose (a new OTP replaces
the old one), valid 10 minutes, 5 wrong tries and it is dead, deleted once used, a new OTP
for the same phone + purpose at most every 30 seconds, and at most
:data:`MAX_SENDS_PER_HOUR` (5) SMS to one phone in any hour. Five: the spec allows 5 tries
per OTP and an OTP lives 10 minutes, so five sends are a generous hour for a person who
mistypes (25 tries at a 6-digit code: one chance in 40,000), while a script can no longer
drain the shop's SMS credit (it could send one every 30 s, ~120 an hour) or make ~600 guesses.

Where sessions and sends are kept (:class:`OtpSessions`): in this PC's store for a login on
this PC (so a restart resets nothing), or in the shop's remote database for joining a shop
from a new PC (``services/remote_otp.py``), so the PC that joins cannot reset or skip the count
and the shop's other clients see the same OTP session. Demo mode (fixed OTP 1234) is refused
for a shop that has a remote database: anyone could use it to log in to the shop's data.

Sending order. The OTP and its hash are prepared first, the SMS goes out, and only when the
provider has accepted it is the session stored (replacing the previous one in one unit of
work). So a failed send changes nothing: the previous OTP, if any, still works, and the
failure does not start a cool-down. The price is a corner case: when the request timed out
after reaching the provider, an SMS may still arrive carrying an OTP that was never stored;
the user has been told the SMS service could not be reached, that code is refused as wrong,
and a new OTP (no cool-down applies) is the way on.

Neither the OTP nor the API key is ever logged; phone numbers are logged masked.
"""

from __future__ import annotations

import logging
import math
import os
import secrets
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, Protocol

import bcrypt

from ..domain import validation as v
from ..domain.errors import ValidationError
from ..gateways.sms import SmsConfigError, TwoFactorClient, mask_phone
from ..store import new_id
from .context import ServiceContext
from .device import DeviceSettings
from .otp_config import OtpSettings, resolve_otp_settings

logger = logging.getLogger("viveka_pos.otp")

OTP_LIFETIME: Final = timedelta(minutes=10)
RESEND_COOLDOWN: Final = timedelta(seconds=30)
MAX_SENDS_PER_HOUR: Final = 5
SEND_WINDOW: Final = timedelta(hours=1)
MAX_ATTEMPTS: Final = 5
MOCK_OTP: Final = "1234"
DEFAULT_DIGITS: Final = 6
DEFAULT_BCRYPT_ROUNDS: Final = 10
MAX_SMS_TIMEOUT: Final = 8.0

NOT_SET_UP: Final = "SMS is not set up: add the 2factor.in API key in Settings or use demo mode"
EXPIRED: Final = "OTP expired — request a new one"
TOO_MANY: Final = "Too many wrong attempts — request a new OTP"
NONE_PENDING: Final = "No OTP was sent to this number — request one first"
MOCK_WITH_REMOTE: Final = (
    "demo mode (fixed OTP 1234) cannot be used for a shop that has a remote database: "
    "anyone could log in to its data with it. Set the 2factor.in API key in Settings → Sync "
    "(OTPs then go by SMS to the shop's phone)"
)


class OtpError(ValidationError):
    """A refused OTP (field ``otp``). ``retry`` tells whether typing it again can help,
    or whether only a new OTP will do (expired, used up, never sent)."""

    def __init__(self, message: str, *, retry: bool, attempts_left: int | None = None):
        super().__init__("otp", message)
        self.retry = retry
        self.attempts_left = attempts_left

    def __reduce__(self) -> Any:
        return (_rebuild_otp_error, (self.message, self.retry, self.attempts_left))


def _rebuild_otp_error(message: str, retry: bool, attempts_left: int | None) -> OtpError:
    return OtpError(message, retry=retry, attempts_left=attempts_left)


class OtpCooldownError(ValidationError):
    """A new OTP was asked for too soon after the last one (field ``otp``)."""

    def __init__(self, seconds_left: int):
        super().__init__("otp", f"Wait {seconds_left} s before asking for a new OTP")
        self.seconds_left = seconds_left

    def __reduce__(self) -> Any:
        return (OtpCooldownError, (self.seconds_left,))


class OtpRateError(ValidationError):
    """Too many OTPs for one phone within the hour (field ``otp``)."""

    def __init__(self, minutes_left: int):
        super().__init__(
            "otp",
            f"At most {MAX_SENDS_PER_HOUR} OTPs an hour can be sent to "
            f"this number: try again in {minutes_left} min",
        )
        self.minutes_left = minutes_left

    def __reduce__(self) -> Any:
        return (OtpRateError, (self.minutes_left,))


class OtpSessions(Protocol):
    """Where OTP sessions and the record of sends are kept. ``db`` is the unit of work the
    check runs in (a store keeps the session there; a remote ignores it)."""

    remote: bool

    def find(self, db: Any, phone: str, purpose: str) -> dict[str, Any] | None: ...

    def replace(self, phone: str, purpose: str, doc: dict[str, Any]) -> None:
        """Store a new session (dropping the older one) and count it as a send."""

    def count_wrong(self, db: Any, session: Mapping[str, Any]) -> None: ...

    def consume(self, db: Any, session: dict[str, Any]) -> None: ...

    def sends_since(self, phone: str, since: datetime) -> list[datetime]:
        """When OTPs were sent to ``phone`` after ``since`` (and any dated later than now:
        a clock set back must not clear the count)."""


_SENDS_PREFIX: Final = "otp-sends:"


class LocalOtpSessions:
    """Sessions in this PC's store (``otpsessions``); sends in ``counters``, one document per
    phone listing the send times of the last hour, so a restart forgets nothing."""

    remote = False

    def __init__(self, ctx: ServiceContext):
        self._ctx = ctx

    def find(self, db: Any, phone: str, purpose: str) -> dict[str, Any] | None:
        found = (db or self._ctx.store.db).otpsessions.find_one(
            {"phoneNumber": phone, "purpose": purpose}
        )
        return dict(found) if found is not None else None

    def replace(self, phone: str, purpose: str, doc: dict[str, Any]) -> None:
        key = _SENDS_PREFIX + phone
        with self._ctx.store.unit_of_work() as db:
            db.otpsessions.delete_many({"phoneNumber": phone, "purpose": purpose})
            db.otpsessions.insert_one(doc)
            sent = db.counters.find_one({"_id": key}) or {}
            since = doc["createdAt"] - SEND_WINDOW
            recent = [t for t in sent.get("sentAt", []) if t > since]
            db.counters.replace_one(
                {"_id": key}, {"_id": key, "sentAt": [*recent, doc["createdAt"]]}, upsert=True
            )

    def count_wrong(self, db: Any, session: Mapping[str, Any]) -> None:
        db.otpsessions.update_one({"_id": session["_id"]}, {"$inc": {"attempts": 1}})

    def consume(self, db: Any, session: dict[str, Any]) -> None:
        db.otpsessions.delete_one({"_id": session["_id"]})

    def sends_since(self, phone: str, since: datetime) -> list[datetime]:
        doc = self._ctx.store.get("counters", _SENDS_PREFIX + phone) or {}
        return [t for t in doc.get("sentAt", []) if isinstance(t, datetime) and t > since]


@dataclass(frozen=True)
class OtpChallenge:
    """A pending OTP as the user sees it: where it went, until when, when to resend.

    Datetimes are naive UTC, comparable with :meth:`OtpService.now`.
    """

    phone: str
    purpose: str
    created_at: datetime
    expires_at: datetime
    resend_at: datetime
    digits: int
    mock: bool
    attempts_left: int

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    def seconds_to_expiry(self, now: datetime) -> int:
        return _seconds_until(self.expires_at, now)

    def seconds_to_resend(self, now: datetime) -> int:
        return _seconds_until(self.resend_at, now)


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(0, math.ceil((moment - now).total_seconds()))


def _challenge(doc: Mapping[str, Any]) -> OtpChallenge:
    created = doc["createdAt"]
    return OtpChallenge(
        phone=doc["phoneNumber"],
        purpose=doc["purpose"],
        created_at=created,
        expires_at=doc["expiresAt"],
        resend_at=created + RESEND_COOLDOWN,
        digits=int(doc.get("otpLength") or 0),
        mock=doc.get("delivery") == "mock",
        attempts_left=max(0, MAX_ATTEMPTS - int(doc.get("attempts", 0))),
    )


def _clean_code(value: object) -> str:
    """The typed OTP without spaces; anything but digits is refused without using a try."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise OtpError("Enter the OTP from the SMS", retry=True)
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise OtpError("Enter the OTP: digits only", retry=True)
    code = "".join(str(value).split())
    if not (code.isascii() and code.isdigit()):
        raise OtpError("Enter the OTP: digits only", retry=True)
    return code


def _attempts_message(left: int) -> str:
    return f"Wrong OTP — {left} attempt{'' if left == 1 else 's'} left"


class OtpService:
    """Sends and checks OTPs for a phone + purpose (``register``, ``login``, ``generic``).

    ``settings`` fixes the delivery configuration; by default it is resolved on every send
    from the environment (``environ``, default ``os.environ``) and this PC's settings, so a
    change in Settings applies at once. ``bcrypt_rounds`` trades speed for resistance to
    brute force (tests use 4). ``sms_timeout`` is capped at 8 s so the counter never waits
    longer than that for the provider.
    """

    def __init__(
        self,
        ctx: ServiceContext,
        *,
        settings: OtpSettings | None = None,
        environ: Mapping[str, str] | None = None,
        digits: int = DEFAULT_DIGITS,
        bcrypt_rounds: int = DEFAULT_BCRYPT_ROUNDS,
        sms_timeout: float = MAX_SMS_TIMEOUT,
        sessions: OtpSessions | None = None,
    ) -> None:
        if not 4 <= digits <= 6:
            raise ValueError("an OTP has 4 to 6 digits")
        if not 4 <= bcrypt_rounds <= 16:
            raise ValueError("bcrypt rounds must be between 4 and 16")
        if not 0 < sms_timeout <= MAX_SMS_TIMEOUT:
            raise ValueError(f"the SMS timeout must be between 0 and {MAX_SMS_TIMEOUT} s")
        self._ctx = ctx
        self._fixed_settings = settings
        self._environ = environ
        self._digits = digits
        self._rounds = bcrypt_rounds
        self._sms_timeout = sms_timeout
        self._sessions: OtpSessions = sessions or LocalOtpSessions(ctx)
        # Serialises sends from this service, so a double click cannot deliver two SMS of
        # which only the later one works. One OtpService serves the whole app.
        self._send_lock = threading.Lock()

    # ------------------------------------------------------------------ configuration

    def settings(self) -> OtpSettings:
        if self._fixed_settings is not None:
            return self._fixed_settings
        return resolve_otp_settings(DeviceSettings(self._ctx.store).all(), self._environ)

    def is_mock(self) -> bool:
        """True in demo mode: the OTP is always 1234 and no SMS is sent."""
        return self.settings().mock

    def now(self) -> datetime:
        return self._ctx.now()

    # ------------------------------------------------------------------ sending

    def send(self, phone: object, purpose: object = "generic") -> OtpChallenge:
        """Make a new OTP for ``phone`` and deliver it, replacing any pending one.

        Raises :class:`OtpCooldownError` within 30 s of the previous OTP, and
        ``gateways.sms.SmsError`` subclasses (user-facing ``str``) when delivery fails; in
        both cases nothing is stored or changed.
        """
        phone_number = v.phone(phone, "phoneNumber", check_plan=False)
        purpose_name = v.otp_purpose(purpose)
        settings = self.settings()
        if settings.mock and self._shop_has_remote():
            logger.warning("demo-mode OTP refused: the shop has a remote database")
            raise SmsConfigError(MOCK_WITH_REMOTE)
        if not settings.mock and not settings.api_key:
            logger.info("OTP requested but SMS is not configured and demo mode is off")
            raise SmsConfigError(NOT_SET_UP)
        with self._send_lock:
            self._check_cooldown(phone_number, purpose_name)
            self._check_hourly_cap(phone_number)
            code = MOCK_OTP if settings.mock else self._new_code()
            otp_hash = bcrypt.hashpw(code.encode("ascii"), bcrypt.gensalt(self._rounds))
            if not settings.mock:
                self._deliver(settings, phone_number, code)
            doc = self._store_session(
                phone_number, purpose_name, otp_hash, len(code), "mock" if settings.mock else "sms"
            )
        logger.info(
            "OTP for %s issued to %s (%s)",
            purpose_name,
            mask_phone(phone_number),
            settings.describe(),
        )
        return _challenge(doc)

    def _new_code(self) -> str:
        return f"{secrets.randbelow(10**self._digits):0{self._digits}d}"

    def _shop_has_remote(self) -> bool:
        """A remote database is (or was) set for this PC's shop, or this OTP is kept there."""
        if self._sessions.remote or os.environ.get("VIVEKA_MONGO_URL", "").strip():
            return True
        return "remoteUrl" in DeviceSettings(self._ctx.store).saved_hints()

    def _check_hourly_cap(self, phone: str) -> None:
        now = self._ctx.now()
        recent = sorted(self._sessions.sends_since(phone, now - SEND_WINDOW))
        if len(recent) < MAX_SENDS_PER_HOUR:
            return
        oldest = recent[-MAX_SENDS_PER_HOUR]
        wait = min(SEND_WINDOW, oldest + SEND_WINDOW - now)
        logger.warning(
            "OTP for %s refused: %d sent within the hour", mask_phone(phone), len(recent)
        )
        raise OtpRateError(max(1, math.ceil(wait.total_seconds() / 60)))

    def _check_cooldown(self, phone: str, purpose: str) -> None:
        previous = self._sessions.find(None, phone, purpose)
        if previous is None:
            return
        elapsed = self._ctx.now() - previous["createdAt"]
        # A clock set back would make "elapsed" negative; never ask for more than one period.
        wait = min(RESEND_COOLDOWN, RESEND_COOLDOWN - elapsed)
        if wait > timedelta(0):
            raise OtpCooldownError(math.ceil(wait.total_seconds()))

    def _deliver(self, settings: OtpSettings, phone: str, code: str) -> None:
        with TwoFactorClient(
            settings.api_key,
            base_url=settings.base_url,
            template=settings.template,
            timeout=self._sms_timeout,
        ) as client:
            client.send_otp(phone, code)

    def _store_session(
        self, phone: str, purpose: str, otp_hash: bytes, length: int, delivery: str
    ) -> dict[str, Any]:
        now = self._ctx.now()
        doc: dict[str, Any] = {
            "_id": new_id(),
            "phoneNumber": phone,
            "purpose": purpose,
            "otpHash": otp_hash.decode("ascii"),
            "expiresAt": now + OTP_LIFETIME,
            "isVerified": False,
            "attempts": 0,
            "createdAt": now,
            "otpLength": length,  # (ours) lets a mistyped length be refused without a try
            "delivery": delivery,  # (ours) "sms" or "mock"
        }
        self._sessions.replace(phone, purpose, doc)
        return doc

    # ------------------------------------------------------------------ checking

    def pending(self, phone: object, purpose: object = "generic") -> OtpChallenge | None:
        """The OTP that can still be entered for this phone + purpose, if any."""
        doc = self._sessions.find(
            None, v.phone(phone, "phoneNumber", check_plan=False), v.otp_purpose(purpose)
        )
        if doc is None or self._ctx.now() >= doc["expiresAt"]:
            return None
        challenge = _challenge(doc)
        return challenge if challenge.attempts_left > 0 else None

    def verify(self, phone: object, purpose: object, otp: object) -> None:
        """Check and use up the OTP; raises :class:`OtpError` when it is refused."""
        with self.redeem(phone, purpose, otp):
            pass

    @contextmanager
    def redeem(self, phone: object, purpose: object, otp: object) -> Iterator[Any]:
        """Check the OTP and, if it matches, open a unit of work in which it is used up.

        Whatever the caller writes inside the block commits together with the deletion of the
        OTP session; if the block raises, everything rolls back and the OTP stays usable (so
        a profile typo does not cost the user a new SMS). A wrong OTP raises
        :class:`OtpError` before the block runs, after its counted try is committed.
        """
        phone_number = v.phone(phone, "phoneNumber", check_plan=False)
        purpose_name = v.otp_purpose(purpose)
        code = _clean_code(otp)
        store = self._ctx.store
        refusal: OtpError | None = None
        with store.unit_of_work() as db:
            session = self._sessions.find(db, phone_number, purpose_name)
            refusal = self._judge(db, session, code)
            if refusal is None and session is not None:
                # Kept in the store: used up in this unit of work (a failed block keeps it).
                # Kept on a remote: used up now, so it can serve one login only.
                self._sessions.consume(db, session)
                with store.unit_of_work() as inner:
                    yield inner
        if refusal is not None:
            logger.info(
                "OTP for %s refused for %s: %s",
                purpose_name,
                mask_phone(phone_number),
                refusal.message,
            )
            raise refusal
        logger.info("OTP for %s accepted for %s", purpose_name, mask_phone(phone_number))

    def _judge(self, db: Any, session: Mapping[str, Any] | None, code: str) -> OtpError | None:
        """None when ``code`` matches; else the refusal, after counting a wrong try."""
        if session is None:
            return OtpError(NONE_PENDING, retry=False)
        if self._ctx.now() >= session["expiresAt"]:
            return OtpError(EXPIRED, retry=False)
        attempts = int(session.get("attempts", 0))
        if attempts >= MAX_ATTEMPTS:
            return OtpError(TOO_MANY, retry=False, attempts_left=0)
        length = int(session.get("otpLength") or 0)
        if length and len(code) != length:
            return OtpError(
                f"Enter the {length}-digit OTP", retry=True, attempts_left=MAX_ATTEMPTS - attempts
            )
        try:
            matched = bcrypt.checkpw(code.encode("ascii"), session["otpHash"].encode("ascii"))
        except (ValueError, KeyError, AttributeError):
            logger.warning("OTP session %s has an unreadable hash", session.get("_id"))
            return OtpError("This OTP can no longer be checked — request a new one", retry=False)
        if matched:
            return None
        attempts += 1
        self._sessions.count_wrong(db, session)
        left = MAX_ATTEMPTS - attempts
        if left <= 0:
            return OtpError(TOO_MANY, retry=False, attempts_left=0)
        return OtpError(_attempts_message(left), retry=True, attempts_left=left)
