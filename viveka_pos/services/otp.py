"""One-time passwords for registration and login (the spec's ``otpsessions``).

The OTP is made here with :mod:`secrets`, kept only as a bcrypt hash, and checked locally;
the SMS provider just delivers it. Rules: one session per phone + purpose (a new OTP replaces
the old one), valid 10 minutes, 5 wrong tries and it is dead, deleted once used, and a new OTP
for the same phone + purpose at most every 30 seconds.

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
import secrets
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

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
MAX_ATTEMPTS: Final = 5
MOCK_OTP: Final = "1234"
DEFAULT_DIGITS: Final = 6
DEFAULT_BCRYPT_ROUNDS: Final = 10
MAX_SMS_TIMEOUT: Final = 8.0

NOT_SET_UP: Final = (
    "SMS is not set up: add the 2factor.in API key in Settings or use demo mode"
)
EXPIRED: Final = "OTP expired — request a new one"
TOO_MANY: Final = "Too many wrong attempts — request a new OTP"
NONE_PENDING: Final = "No OTP was sent to this number — request one first"


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
        if not settings.mock and not settings.api_key:
            logger.info("OTP requested but SMS is not configured and demo mode is off")
            raise SmsConfigError(NOT_SET_UP)
        with self._send_lock:
            self._check_cooldown(phone_number, purpose_name)
            code = MOCK_OTP if settings.mock else self._new_code()
            otp_hash = bcrypt.hashpw(code.encode("ascii"), bcrypt.gensalt(self._rounds))
            if not settings.mock:
                self._deliver(settings, phone_number, code)
            doc = self._store_session(phone_number, purpose_name, otp_hash, len(code),
                                      "mock" if settings.mock else "sms")
        logger.info(
            "OTP for %s issued to %s (%s)",
            purpose_name,
            mask_phone(phone_number),
            settings.describe(),
        )
        return _challenge(doc)

    def _new_code(self) -> str:
        return f"{secrets.randbelow(10**self._digits):0{self._digits}d}"

    def _check_cooldown(self, phone: str, purpose: str) -> None:
        previous = self._ctx.store.db.otpsessions.find_one(
            {"phoneNumber": phone, "purpose": purpose}
        )
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
        with self._ctx.store.unit_of_work() as db:
            db.otpsessions.delete_many({"phoneNumber": phone, "purpose": purpose})
            db.otpsessions.insert_one(doc)
        return doc

    # ------------------------------------------------------------------ checking

    def pending(self, phone: object, purpose: object = "generic") -> OtpChallenge | None:
        """The OTP that can still be entered for this phone + purpose, if any."""
        doc = self._ctx.store.db.otpsessions.find_one(
            {"phoneNumber": v.phone(phone, "phoneNumber", check_plan=False),
             "purpose": v.otp_purpose(purpose)}
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
            session = db.otpsessions.find_one({"phoneNumber": phone_number,
                                               "purpose": purpose_name})
            refusal = self._judge(db, session, code)
            if refusal is None and session is not None:
                db.otpsessions.delete_one({"_id": session["_id"]})
                with store.unit_of_work() as inner:
                    yield inner
        if refusal is not None:
            logger.info(
                "OTP for %s refused for %s: %s", purpose_name, mask_phone(phone_number),
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
            return OtpError(f"Enter the {length}-digit OTP", retry=True,
                            attempts_left=MAX_ATTEMPTS - attempts)
        try:
            matched = bcrypt.checkpw(code.encode("ascii"), session["otpHash"].encode("ascii"))
        except (ValueError, KeyError, AttributeError):
            logger.warning("OTP session %s has an unreadable hash", session.get("_id"))
            return OtpError("This OTP can no longer be checked — request a new one",
                            retry=False)
        if matched:
            return None
        attempts += 1
        db.otpsessions.update_one({"_id": session["_id"]}, {"$inc": {"attempts": 1}})
        left = MAX_ATTEMPTS - attempts
        if left <= 0:
            return OtpError(TOO_MANY, retry=False, attempts_left=0)
        return OtpError(_attempts_message(left), retry=True, attempts_left=left)
