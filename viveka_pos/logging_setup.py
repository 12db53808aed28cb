"""The log file (``<data dir>/logs/viveka.log``, 1 MB × 5) and what must never reach it.

The code tries not to log secrets, but a library's exception text, a URL in an error message
or a debugging line added in a hurry can still carry one, and a log file travels: it is
attached to support mails and copied with the data folder. So the file handler passes every
record through :class:`RedactingFilter`, which rewrites the message, the arguments, the
exception text and the stack by *pattern* (never by a list of known values, which would
itself be a list of secrets):

* one-time passwords: 4–8 digit numbers within a few words after "otp", "one-time
  password", "code" or "pin" in the same sentence, and the OTP segment of 2factor.in
  request paths;
* API keys: 2factor.in keys in request paths, UUID-shaped keys, and values of fields or
  parameters named like a secret (``api_key``, ``apikey``, ``twoFactorApiKey``, ``secret``,
  ``token``, ``password``, ``authorization``…);
* JWTs (three base64url parts, the first starting ``eyJ``) and ``Bearer`` tokens;
* passwords inside URLs (``mongodb://user:password@host``, any ``scheme://user:pw@``);
* bcrypt hashes (an OTP hash can be brute-forced offline: 4–6 digits are few).
"""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

LOG_DIR = "logs"
LOG_FILE = "viveka.log"
LOG_BYTES = 1_000_000
LOG_BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"
MASK = "[redacted]"

_SECRET_NAMES = (
    r"(?:api[_-]?key|apikey|two[_-]?factor[_-]?api[_-]?key|secret(?:[_-]?key)?|"
    r"access[_-]?token|refresh[_-]?token|token|jwt|password|passwd|pwd|authorization|"
    r"signing[_-]?key|otp[_-]?hash)"
)

# (pattern, replacement); applied in order.
_RULES: list[tuple[re.Pattern[str], str]] = [
    # Passwords in URLs: scheme://user:password@host -> scheme://user:[redacted]@host
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s:/@]*:)([^\s@/]+)(@)"), rf"\1{MASK}\3"),
    # JWTs and bearer tokens.
    (re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), MASK),
    (re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]+"), rf"\1{MASK}"),
    # 2factor.in paths: /API/V1/<key>/SMS/<phone>/<otp>[/<template>], /VERIFY3/<phone>/<otp>
    (re.compile(r"(?i)(/API/V1/)[^/\s]+"), rf"\1{MASK}"),
    (re.compile(r"(?i)(/SMS/[^/\s]+/)\d{4,8}\b"), rf"\1{MASK}"),
    (re.compile(r"(?i)(/VERIFY3?/[^/\s]+/)\d{4,8}\b"), rf"\1{MASK}"),
    # name=value, name: value, "name": "value" for names that mean a secret.
    (
        re.compile(rf"(?i)(\b{_SECRET_NAMES}\b[\"']?\s*[:=]\s*[\"']?)([^\s\"',;&)}}]+)"),
        rf"\1{MASK}",
    ),
    # bcrypt hashes.
    (re.compile(r"\$2[aby]?\$\d{2}\$[./A-Za-z0-9]{53}"), MASK),
    # UUID-shaped keys (2factor.in API keys look like this).
    (re.compile(r"(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), MASK),
    # OTPs written in words: "OTP 123456", "OTP for login is 1234", "code: 4321", "PIN=0000"
    # (digits within a few words after the word, in the same sentence; a masked phone
    # such as ******3210 is not an OTP).
    (
        re.compile(
            r"(?i)\b(otp|one[- ]time password|code|pin)\b([^\d\n.;]{0,30}?)"
            r"(?<![*\d])\d{4,8}\b"
        ),
        rf"\1\2{MASK}",
    ),
]


def redact(text: str) -> str:
    """``text`` with every secret the patterns recognise replaced by ``[redacted]``."""
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record so that no secret reaches the handler it is attached to.

    The record's message is rendered once (``msg % args``) and redacted; the exception and
    stack text are rendered and redacted too, so a formatter finds them ready and never
    formats the raw exception itself.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what can be shown
            message = f"{record.msg!s} {record.args!r}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def _ours(handler: logging.Handler, path: Path) -> bool:
    return isinstance(handler, logging.handlers.RotatingFileHandler) and getattr(
        handler, "baseFilename", ""
    ) == str(path)


def setup_logging(data_dir: Path, *, level: int = logging.INFO) -> Path:
    """Send the process's logs to ``<data dir>/logs/viveka.log`` (rotated at 1 MB, five old
    files kept), through :class:`RedactingFilter`. Calling it again for the same folder adds
    nothing. Returns the log file's path; raises ``OSError`` if the folder cannot be made."""
    folder = Path(data_dir) / LOG_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOG_FILE
    root = logging.getLogger()
    if not any(_ours(h, path) for h in root.handlers):
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
        )
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.addFilter(RedactingFilter())
        root.addHandler(handler)
    root.setLevel(level)
    return path


def stop_logging(data_dir: Path) -> None:
    """Remove and close the file handler for ``data_dir`` (tests, and switching folders)."""
    path = Path(data_dir) / LOG_DIR / LOG_FILE
    root = logging.getLogger()
    for handler in [h for h in root.handlers if _ours(h, path)]:
        root.removeHandler(handler)
        handler.close()
