"""Client for the 2factor.in SMS OTP API (plain HTTPS GET, JSON ``Status``/``Details``).

The application generates OTPs itself and verifies them locally against a hash, so the one call
that matters is :meth:`TwoFactorClient.send_otp`. Every failure becomes an :class:`SmsError`
subclass whose ``str()`` is a message fit to show at the counter.

Secrets: the API key (and the OTP) travel inside the request path. This module therefore never
logs a URL, never puts a ``requests`` exception's text into its own messages, raises its errors
outside the ``except`` block that caught the transport error (so no chained exception carries
the URL), and installs a redacting filter on the urllib3 loggers that print request paths at
DEBUG level.
"""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote

import requests
from urllib3.exceptions import NewConnectionError

logger = logging.getLogger("viveka_pos.sms")

DEFAULT_BASE_URL: Final = "https://2factor.in"

# Pauses before the 2nd and 3rd attempt; used only when the request never left this PC.
_RETRY_DELAYS: Final[tuple[float, ...]] = (0.25, 0.5)

_OTP_MATCHED: Final = "OTP Matched"
_PHONE_RE: Final = re.compile(r"\+?[0-9]+")
_OTP_RE: Final = re.compile(r"[0-9]+")
_API_PATH_RE: Final = re.compile(r"/API/V1/[^\s\"'<>]*")
_URLLIB3_LOGGERS: Final = ("urllib3.connectionpool", "urllib3.util.retry", "urllib3.poolmanager")


# --------------------------------------------------------------------------- masking


def mask_secret(secret: str) -> str:
    """Show just enough of a secret to tell two keys apart: ``"1a2b…ef"``.

    Secrets shorter than 12 characters would be half revealed that way, so they become
    ``"****"``.
    """
    if len(secret) < 12:
        return "****"
    return f"{secret[:4]}…{secret[-2:]}"


def mask_phone(phone: str) -> str:
    """Keep only the last four digits of a phone number for logs: ``"******3210"``."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) <= 4:
        return "****"
    return "******" + digits[-4:]


def _scrub(text: str, *secrets: str) -> str:
    """Replace every occurrence of the given secrets in provider text."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, mask_secret(secret))
    return text


class _RedactApiPaths(logging.Filter):
    """Rewrites urllib3 log records that contain a 2factor request path.

    urllib3 logs ``"GET /API/V1/<key>/SMS/<phone>/<otp> HTTP/1.1" 200`` at DEBUG level, which
    would put the key and the OTP into any debug log file. The record is kept (it is useful to
    see that a request happened) with the path replaced.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is not ours to fix; let logging report it
            return True
        if "/API/V1/" in message:
            record.msg = _API_PATH_RE.sub("/API/V1/<redacted>", message)
            record.args = None
        return True


def _install_log_redaction() -> None:
    for name in _URLLIB3_LOGGERS:
        target = logging.getLogger(name)
        if not any(isinstance(f, _RedactApiPaths) for f in target.filters):
            target.addFilter(_RedactApiPaths())


_install_log_redaction()


# --------------------------------------------------------------------------- errors


class SmsError(Exception):
    """Base of every SMS failure; ``str(error)`` is a message for the user."""


class SmsConfigError(SmsError):
    """The gateway cannot be used as configured (no API key, unusable service address)."""

    def __init__(self, message: str = "SMS is not set up: add the 2factor.in API key in Settings"):
        super().__init__(message)


class SmsRejected(SmsError):
    """The provider answered ``Status: Error``; ``details`` is its explanation, unaltered
    except that secrets are masked."""

    def __init__(self, details: str, message: str | None = None):
        self.details = details
        super().__init__(message or f"SMS provider refused the request: {details}")


class SmsAuthError(SmsRejected):
    """The provider did not accept the API key."""


class SmsBalanceError(SmsRejected):
    """The 2factor.in account has no SMS credit left."""


class SmsInvalidPhoneError(SmsRejected):
    """The provider did not accept the phone number."""


class SmsServiceError(SmsError):
    """The service answered, but with a server error or a body we cannot read."""

    def __init__(self, status: int):
        self.status = status
        super().__init__(f"SMS service is having trouble (HTTP {status}); try again in a minute")


class SmsNetworkError(SmsError):
    """No answer: connection failed or timed out.

    ``maybe_sent`` is true when the request may have reached the provider (a read timeout):
    an SMS could still arrive, so callers should not resend at once.
    """

    def __init__(self, *, maybe_sent: bool):
        self.maybe_sent = maybe_sent
        super().__init__("Cannot reach the SMS service — check the internet connection")


def rejection_for(details: str) -> type[SmsRejected]:
    """Pick the most specific rejection class for a provider's ``Details`` text.

    The provider's wording is not documented reliably, so this looks for keywords rather than
    exact strings; anything unrecognised stays a plain :class:`SmsRejected`, whose message
    still shows ``Details`` to the user.
    """
    text = details.lower()
    if re.search(r"balance|credit|insufficient|recharge", text):
        return SmsBalanceError
    # "Invalid API / SessionId Combination" is about an OTP session, not about the key.
    if "session" not in text and re.search(r"\bapi\b|\bkey\b|apikey|unauthori[sz]ed", text):
        return SmsAuthError
    if re.search(r"phone|mobile|number", text):
        return SmsInvalidPhoneError
    return SmsRejected


# --------------------------------------------------------------------------- client


@dataclass(frozen=True, slots=True)
class _Answer:
    status: str
    details: str


@dataclass(frozen=True, slots=True)
class _TransportFailure:
    retryable: bool  # the request certainly never left this PC
    maybe_sent: bool  # the provider may have received it


_BAD_ADDRESS_ERRORS: Final = (
    requests.exceptions.InvalidURL,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
)


class TwoFactorClient:
    """Sends OTP SMS through 2factor.in.

    ``api_key`` may be blank (SMS not configured yet); calls then raise :class:`SmsConfigError`
    without touching the network. ``session`` lets the caller share a ``requests.Session``;
    it must not be set up to retry by itself, since this client decides when a retry is safe.
    """

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        template: str = "",
        timeout: float = 8.0,
        session: requests.Session | None = None,
    ) -> None:
        self._api_key = (api_key or "").strip()  # pasted keys often bring a newline along
        self._base_url = base_url.rstrip("/")
        self._template = template.strip()
        self._timeout = timeout
        self._owns_session = session is None
        self._session = session if session is not None else requests.Session()

    def __repr__(self) -> str:
        key = mask_secret(self._api_key) if self._api_key else "<none>"
        return f"TwoFactorClient(key={key}, base_url={self._base_url!r})"

    @property
    def is_configured(self) -> bool:
        return bool(self._api_key)

    def close(self) -> None:
        """Release pooled connections, if the session was created here."""
        if self._owns_session:
            self._session.close()

    def __enter__(self) -> TwoFactorClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------------ API calls

    def send_otp(self, phone: str, otp: str) -> str:
        """Send ``otp`` by SMS to ``phone`` (10 digits, or with ``91``/``+91`` in front).

        Returns the provider's session id. Raises :class:`ValueError` for a phone or OTP that
        is not made of digits (the caller validates user input first), :class:`SmsError`
        subclasses for everything that can go wrong outside this program.
        """
        if not _PHONE_RE.fullmatch(phone):
            raise ValueError("phone must be digits, optionally starting with '+'")
        if not _OTP_RE.fullmatch(otp):
            raise ValueError("otp must be digits")
        key = self._require_key()
        parts = ["SMS", phone, otp]
        if self._template:
            parts.append(self._template)
        logger.info(
            "Sending OTP SMS to %s (key %s, template %s)",
            mask_phone(phone),
            mask_secret(key),
            self._template or "<none>",
        )
        answer = self._call(parts, secrets=(key, otp))
        if answer.status != "Success":
            raise self._rejected(answer.details, key, otp, context=f"SMS to {mask_phone(phone)}")
        if not answer.details:
            logger.warning("SMS provider accepted the request but sent no session id")
            raise SmsServiceError(200)
        logger.info("OTP SMS to %s accepted by the provider", mask_phone(phone))
        return answer.details

    def verify_otp_by_session(self, session_id: str, otp: str) -> bool:
        """Ask the provider whether ``otp`` matches its session ``session_id``.

        True only for ``Status == "Success"`` with ``Details == "OTP Matched"``. A mismatch,
        an expired or unknown session gives False; a bad key, balance or transport problem
        raises as in :meth:`send_otp`.
        """
        if not session_id or not otp:
            raise ValueError("session_id and otp must not be empty")
        key = self._require_key()
        answer = self._call(["SMS", "VERIFY", session_id, otp], secrets=(key, otp))
        if answer.status == "Success":
            return answer.details == _OTP_MATCHED
        kind = rejection_for(answer.details)
        if kind in (SmsAuthError, SmsBalanceError):
            raise self._rejected(answer.details, key, otp, context="OTP verification")
        logger.info(
            "OTP verification refused by the provider: %s", _scrub(answer.details, key, otp)
        )
        return False

    # ------------------------------------------------------------------ plumbing

    def _require_key(self) -> str:
        if not self._api_key:
            logger.warning("SMS requested but no 2factor.in API key is configured")
            raise SmsConfigError()
        return self._api_key

    def _rejected(self, details: str, key: str, otp: str, *, context: str) -> SmsRejected:
        details = _scrub(details, key, otp) or "no reason given"
        kind = rejection_for(details)
        logger.warning("%s refused by the provider: %s", context, details)
        if kind is SmsAuthError:
            return SmsAuthError(
                details,
                f"SMS provider refused the request: {details} (key {mask_secret(key)}); "
                "check the 2factor.in API key in Settings",
            )
        return kind(details)

    def _url(self, parts: list[str]) -> str:
        quoted = "/".join(quote(part, safe="") for part in [self._api_key, *parts])
        return f"{self._base_url}/API/V1/{quoted}"

    def _call(self, parts: list[str], *, secrets: tuple[str, ...]) -> _Answer:
        """GET the endpoint, retrying only connections that were never established."""
        url = self._url(parts)
        attempts = len(_RETRY_DELAYS) + 1
        attempt = 1
        while True:
            outcome = self._get(url)
            if isinstance(outcome, requests.Response):
                return self._parse(outcome, secrets)
            if not outcome.retryable or attempt == attempts:
                # Raised here, outside any except block, so no chained requests exception
                # (whose text includes the URL, hence the key and the OTP) travels with it.
                raise SmsNetworkError(maybe_sent=outcome.maybe_sent)
            delay = _RETRY_DELAYS[attempt - 1]
            logger.warning(
                "SMS service not reachable (attempt %d of %d); retrying in %.2f s",
                attempt,
                attempts,
                delay,
            )
            time.sleep(delay)
            attempt += 1

    def _get(self, url: str) -> requests.Response | _TransportFailure:
        """One request; transport failures are returned, not raised (see :meth:`_call`)."""
        try:
            return self._session.get(url, timeout=self._timeout, allow_redirects=False)
        except _BAD_ADDRESS_ERRORS:
            pass  # reported below, outside the except block, for the reason given in _call
        except requests.exceptions.ConnectTimeout:
            # Nothing was sent, but retrying would triple an already long wait at the counter.
            logger.debug("SMS transport error: ConnectTimeout")
            return _TransportFailure(retryable=False, maybe_sent=False)
        except requests.exceptions.ConnectionError as exc:
            never_opened = _connection_never_opened(exc)
            logger.debug("SMS transport error: %s", type(exc).__name__)
            return _TransportFailure(retryable=never_opened, maybe_sent=not never_opened)
        except requests.exceptions.RequestException as exc:
            # Read timeouts and broken responses: the provider may have sent the SMS.
            logger.debug("SMS transport error: %s", type(exc).__name__)
            return _TransportFailure(retryable=False, maybe_sent=True)
        raise SmsConfigError("SMS service address is not valid; check Settings")

    def _parse(self, response: requests.Response, secrets: tuple[str, ...]) -> _Answer:
        status_code = response.status_code
        if status_code >= 500:
            logger.warning("SMS service answered HTTP %d", status_code)
            raise SmsServiceError(status_code)
        answer = _read_answer(response.content)
        if answer is None:
            logger.warning("SMS service sent an unreadable answer (HTTP %d)", status_code)
            raise SmsServiceError(status_code)
        logger.debug(
            "SMS service answered HTTP %d, Status %s: %s",
            status_code,
            answer.status,
            _scrub(answer.details, *secrets) if answer.status != "Success" else "<session id>",
        )
        return answer


def _read_answer(body: bytes) -> _Answer | None:
    """Decode ``{"Status": ..., "Details": ...}``; None for anything else."""
    try:
        data: Any = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    status, details = data.get("Status"), data.get("Details")
    if status not in ("Success", "Error") or not isinstance(details, str | int):
        return None
    return _Answer(status=status, details=str(details).strip())


def _connection_never_opened(exc: BaseException) -> bool:
    """True when urllib3 failed to open the TCP connection (refused, DNS failure).

    requests wraps urllib3's ``NewConnectionError`` in ``MaxRetryError.reason`` inside the
    ``ConnectionError`` args; walk those links rather than trusting one fixed shape.
    """
    seen: set[int] = set()
    pending: list[object] = [exc]
    while pending:
        current = pending.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, NewConnectionError):
            return True
        pending.extend(current.args)
        pending.extend((getattr(current, "reason", None), current.__cause__, current.__context__))
    return False
