"""A local stand-in for the 2factor.in SMS OTP API, over real HTTP.

It answers the four OTP request shapes of the real API (send our own OTP, AUTOGEN/AUTOGEN2,
VERIFY by session id, VERIFY3 by phone) with ``{"Status": ..., "Details": ...}`` bodies, and
can be told to misbehave (bad key, no balance, server errors, slow answers) so the client's
error handling is exercised against sockets, not mocks.

Tests use :class:`FakeTwoFactorServer` as a context manager and read ``sent`` to learn the
OTP that "arrived". For local development, ``python -m viveka_pos.devtools.fake_twofactor``
runs it standalone and prints each OTP it pretends to send.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final
from urllib.parse import unquote, urlsplit

DEFAULT_TEST_KEY: Final = "fake-2factor-key-0123456789"
OTP_LIFETIME_SECONDS: Final = 600.0

INVALID_KEY: Final = "Invalid API Key"
INVALID_PHONE: Final = "Invalid Phone Number - Check Number Format"
NO_BALANCE: Final = "Insufficient balance"
OTP_MATCHED: Final = "OTP Matched"
OTP_MISMATCH: Final = "OTP Mismatch"
OTP_EXPIRED: Final = "OTP Expired"
NO_SESSION: Final = "Invalid API / SessionId Combination - No Entry Exists"
NO_PHONE_SESSION: Final = "No OTP Entry Exists For This Phone"
INVALID_OTP: Final = "Invalid OTP - Digits Only"
INVALID_REQUEST: Final = "Invalid Request"

_AUTOGEN: Final = frozenset({"AUTOGEN", "AUTOGEN2"})


@dataclass(frozen=True, slots=True)
class SentSms:
    """One message the fake accepted (and a real provider would have delivered)."""

    phone: str  # as received in the path, URL-decoded
    otp: str
    template: str | None
    session_id: str


@dataclass(slots=True)
class _OtpSession:
    phone: str  # the last 10 digits
    otp: str
    created: float


def normalize_phone(phone: str) -> str | None:
    """Last 10 digits of an Indian mobile number given as 10 digits, 91+10 or +91+10."""
    digits = phone.removeprefix("+")
    if not digits.isascii() or not digits.isdigit():
        return None
    if len(digits) == 10:
        return digits
    if len(digits) == 12 and digits.startswith("91"):
        return digits[2:]
    return None


class FakeTwoFactorServer:
    """Threaded HTTP server on 127.0.0.1 mimicking 2factor.in.

    Knobs, read on every request so tests may change them at any time:
    ``valid_keys``, ``balance`` (one unit per SMS), ``fail_with_status`` (answer every request
    with that HTTP status and a non-JSON body), ``delay_seconds`` (sleep before answering) and
    ``clock`` (seconds, monotonic; replace it to age OTP sessions).
    """

    def __init__(
        self,
        *,
        valid_keys: Iterable[str] = (DEFAULT_TEST_KEY,),
        balance: int = 1000,
        port: int = 0,
        echo: bool = False,
    ) -> None:
        self.valid_keys: set[str] = set(valid_keys)
        self.balance = balance
        self.fail_with_status: int | None = None
        self.delay_seconds = 0.0
        self.clock: Callable[[], float] = time.monotonic
        self.sent: list[SentSms] = []
        self.requests_received = 0
        self._echo = echo
        self._port = port
        self._lock = threading.Lock()
        self._sessions: dict[str, _OtpSession] = {}
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("server is not running")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeTwoFactorServer:
        if self._httpd is not None:
            raise RuntimeError("server is already running")
        self._stopping.clear()
        httpd = _Server(("127.0.0.1", self._port), _Handler)
        httpd.fake = self
        self._httpd = httpd
        # A short poll interval keeps stop() quick.
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-2factor",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        self._stopping.set()  # wakes handlers sleeping for delay_seconds
        httpd.shutdown()
        httpd.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> FakeTwoFactorServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ helpers for tests

    def last_otp(self, phone: str | None = None) -> str:
        """The OTP of the latest accepted SMS, optionally to ``phone`` (any accepted format)."""
        wanted = normalize_phone(phone) if phone is not None else None
        with self._lock:
            for sms in reversed(self.sent):
                if wanted is None or normalize_phone(sms.phone) == wanted:
                    return sms.otp
        raise LookupError("no SMS was sent" + (f" to {phone}" if phone else ""))

    # ------------------------------------------------------------------ request handling

    def _count_request(self) -> None:
        with self._lock:
            self.requests_received += 1

    def _wait(self, seconds: float) -> None:
        self._stopping.wait(seconds)

    def answer(self, path: str) -> tuple[int, dict[str, str]]:
        """Route one GET path to its endpoint; returns (HTTP status, JSON body)."""
        segments = [unquote(s) for s in urlsplit(path).path.split("/")[1:]]
        if len(segments) < 5 or segments[:2] != ["API", "V1"] or segments[3] != "SMS":
            return 404, _error(INVALID_REQUEST)
        key, args = segments[2], segments[4:]
        if key not in self.valid_keys:
            return 401, _error(INVALID_KEY)
        match args:
            case ["VERIFY", session_id, otp]:
                return self._verify_session(session_id, otp)
            case ["VERIFY3", phone, otp]:
                return self._verify_phone(phone, otp)
            case [phone, otp] | [phone, otp, _]:
                template = args[2] if len(args) == 3 else None
                return self._send(phone, otp, template)
        return 404, _error(INVALID_REQUEST)

    def _send(self, phone: str, otp: str, template: str | None) -> tuple[int, dict[str, str]]:
        normalized = normalize_phone(phone)
        if normalized is None:
            return 400, _error(INVALID_PHONE)
        if otp in _AUTOGEN:
            otp = f"{secrets.randbelow(1_000_000):06d}"
        elif not (otp.isascii() and otp.isdigit()):
            return 400, _error(INVALID_OTP)
        with self._lock:
            if self.balance <= 0:
                return 400, _error(NO_BALANCE)
            self.balance -= 1
            session_id = str(uuid.uuid4())
            self._sessions[session_id] = _OtpSession(normalized, otp, self.clock())
            self.sent.append(SentSms(phone, otp, template, session_id))
        if self._echo:
            shown = f" template {template}" if template else ""
            print(f"SMS to {phone}: OTP {otp}{shown} (session {session_id})", flush=True)
        return 200, {"Status": "Success", "Details": session_id}

    def _verify_session(self, session_id: str, otp: str) -> tuple[int, dict[str, str]]:
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                return 400, _error(NO_SESSION)
            return self._check(session_id, session, otp)

    def _verify_phone(self, phone: str, otp: str) -> tuple[int, dict[str, str]]:
        normalized = normalize_phone(phone)
        if normalized is None:
            return 400, _error(INVALID_PHONE)
        with self._lock:
            # dicts keep insertion order: the last match is the newest OTP for that phone
            found = [(sid, s) for sid, s in self._sessions.items() if s.phone == normalized]
            if not found:
                return 400, _error(NO_PHONE_SESSION)
            return self._check(*found[-1], otp)

    def _check(self, session_id: str, session: _OtpSession, otp: str) -> tuple[int, dict[str, str]]:
        """Compare under the lock; a matched session is used up, like a real one-time code."""
        if self.clock() - session.created > OTP_LIFETIME_SECONDS:
            del self._sessions[session_id]
            return 400, _error(OTP_EXPIRED)
        if otp != session.otp:
            return 400, _error(OTP_MISMATCH)
        del self._sessions[session_id]
        return 200, {"Status": "Success", "Details": OTP_MATCHED}


def _error(details: str) -> dict[str, str]:
    return {"Status": "Error", "Details": details}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeTwoFactorServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet when a client gave up (timeout tests close sockets on purpose)."""
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "Fake2Factor/1.0"

    def do_GET(self) -> None:
        fake = self.server.fake
        fake._count_request()
        if fake.delay_seconds > 0:
            fake._wait(fake.delay_seconds)
        failure = fake.fail_with_status
        if failure is not None:
            self._reply(failure, b"<html><body>Service Unavailable</body></html>", "text/html")
            return
        status, body = fake.answer(self.path)
        self._reply(status, json.dumps(body).encode(), "application/json")

    def _reply(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Silenced: the default access log would print request paths, API key included."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run a fake 2factor.in SMS API on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8089, help="port to listen on (0: any)")
    parser.add_argument(
        "--key",
        action="append",
        dest="keys",
        help=f"accepted API key; repeatable (default: {DEFAULT_TEST_KEY})",
    )
    parser.add_argument("--balance", type=int, default=1000, help="SMS credits (default 1000)")
    args = parser.parse_args(argv)

    server = FakeTwoFactorServer(
        valid_keys=args.keys or [DEFAULT_TEST_KEY],
        balance=args.balance,
        port=args.port,
        echo=True,
    )
    server.start()
    print(f"Fake 2factor.in listening on {server.base_url}", flush=True)
    print(f"Accepted API keys: {', '.join(sorted(server.valid_keys))}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
