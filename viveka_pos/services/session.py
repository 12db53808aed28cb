"""The login token of this PC: its signing key, its claims, and the file that keeps it.

A login issues a JWT (HS256, 30 days) naming the shop, the device session and this device.
It is saved in the data folder so the app opens straight to billing while it is valid, with
or without internet. The signing key is made once per install (``secret.key``); both files
are created readable by the owner only (mode 0600 on Linux and macOS; on Windows the data
folder's own permissions apply).

Expiry is checked against the injected clock rather than PyJWT's wall clock, so tests and a
frozen demo clock behave like the rest of the services.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import jwt

logger = logging.getLogger("viveka_pos.session")

SECRET_FILE: Final = "secret.key"
SESSION_FILE: Final = "session.json"
TOKEN_LIFETIME: Final = timedelta(days=30)
ALGORITHM: Final = "HS256"
_KEY_BYTES: Final = 32
_CLAIMS: Final = ("clientId", "deviceSessionId", "deviceId", "iat", "exp")


class TokenError(Exception):
    """A token that must not be trusted; ``str()`` says why, in words for the user."""


@dataclass(frozen=True)
class TokenClaims:
    client_id: str
    device_session_id: str
    device_id: str
    issued_at: datetime  # aware UTC
    expires_at: datetime  # aware UTC


def write_private(path: Path, text: str) -> None:
    """Replace ``path`` atomically with ``text``, readable by the owner only."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def load_signing_key(directory: Path) -> bytes:
    """This install's JWT signing key, created on first use.

    A missing or unreadable key file is replaced by a new key, which only means that tokens
    signed with the old one stop working (the user logs in again).
    """
    path = directory / SECRET_FILE
    try:
        text = path.read_text(encoding="ascii").strip()
        key = bytes.fromhex(text)
        if len(key) >= _KEY_BYTES:
            return key
        logger.warning("Signing key file is too short; making a new one")
    except FileNotFoundError:
        pass
    except (OSError, ValueError):
        logger.warning("Signing key file is unreadable; making a new one")
    key = secrets.token_bytes(_KEY_BYTES)
    directory.mkdir(parents=True, exist_ok=True)
    write_private(path, key.hex() + "\n")
    return key


def issue_token(
    key: bytes,
    *,
    client_id: str,
    device_session_id: str,
    device_id: str,
    now: datetime,
    lifetime: timedelta = TOKEN_LIFETIME,
) -> str:
    """Sign the claims; ``now`` is the injected clock's aware time."""
    issued = int(now.timestamp())
    payload = {
        "clientId": client_id,
        "deviceSessionId": device_session_id,
        "deviceId": device_id,
        "iat": issued,
        "exp": issued + int(lifetime.total_seconds()),
    }
    return jwt.encode(payload, key, algorithm=ALGORITHM)


def read_token(key: bytes, token: str, *, now: datetime | None = None) -> TokenClaims:
    """Check the signature and the claims' shape, and expiry when ``now`` is given."""
    try:
        payload = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            options={"verify_exp": False, "verify_iat": False, "require": list(_CLAIMS)},
        )
    except jwt.InvalidSignatureError:
        raise TokenError("the saved login was not signed on this computer") from None
    except jwt.PyJWTError:
        raise TokenError("the saved login is damaged") from None
    try:
        claims = TokenClaims(
            client_id=_text_claim(payload, "clientId"),
            device_session_id=_text_claim(payload, "deviceSessionId"),
            device_id=_text_claim(payload, "deviceId"),
            issued_at=datetime.fromtimestamp(int(payload["iat"]), UTC),
            expires_at=datetime.fromtimestamp(int(payload["exp"]), UTC),
        )
    except (TypeError, ValueError, OverflowError, OSError):
        raise TokenError("the saved login is damaged") from None
    if now is not None and now >= claims.expires_at:
        raise TokenError("the login has expired — log in again")
    return claims


def _text_claim(payload: dict[str, Any], name: str) -> str:
    value = payload[name]
    if not isinstance(value, str) or not value:
        raise ValueError(name)
    return value


class TokenFile:
    """``session.json`` in a folder: the one saved login of this PC."""

    def __init__(self, directory: Path):
        self.path = directory / SESSION_FILE

    def load(self) -> str | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            logger.warning("Saved login file is unreadable; ignoring it")
            return None
        token = data.get("token") if isinstance(data, dict) else None
        return token if isinstance(token, str) and token else None

    def save(self, token: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_private(self.path, json.dumps({"token": token}) + "\n")

    def clear(self) -> bool:
        """Forget the saved login; True when there was one."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        return True
