"""A login of this PC (a device session and its token), as the UI and the CLI read it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bson import ObjectId

from .shop import Shop

__all__ = ["Session", "SessionCheck"]


@dataclass(frozen=True, slots=True)
class Session:
    """A valid login of this PC."""

    token: str = field(repr=False)
    client_id: ObjectId
    device_session_id: ObjectId
    device_id: str
    expires_at: datetime  # aware UTC
    shop: Shop


@dataclass(frozen=True, slots=True)
class SessionCheck:
    """The outcome of checking a token: the session, or why there is none."""

    session: Session | None
    reason: str = ""
