"""Sync needs this PC's login: the gate the engine asks before it touches the remote.

The shop's data on the remote is reached only by a PC whose login (device session and token,
``services/auth.py``) is valid. A PC whose login was ended elsewhere (the single-device
policy) delivers in its next sync everything it recorded before it learned of that, and
then syncs no more until someone logs in on it again; billing goes on offline meanwhile, and
what it records waits in the outbox, delivered after the next login.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, Protocol

from bson import ObjectId

LoginGate = Callable[[], str]
"""Answers '' when this PC may sync now, else why not (in words for the user)."""

LOG_IN_AGAIN: Final = (
    "log in on this computer to sync again; billing goes on offline, and "
    "what is recorded meanwhile is sent after the login"
)


class LoginRequiredError(Exception):
    """Sync refused because this PC has no valid login for the shop; ``str()`` says why."""


class _Session(Protocol):
    @property
    def client_id(self) -> ObjectId: ...


class _SessionCheck(Protocol):
    @property
    def session(self) -> _Session | None: ...

    @property
    def reason(self) -> str: ...


class SessionChecker(Protocol):
    """What the gate needs of the login service (``services/auth.py``'s ``AuthService``)."""

    def check_session(self) -> _SessionCheck: ...


def login_gate(auth: SessionChecker, client_id: ObjectId) -> LoginGate:
    """The gate of the app and the CLI: the saved login must be valid and for this shop."""

    def check() -> str:
        found = auth.check_session()
        if found.session is None:
            return found.reason
        if found.session.client_id != client_id:
            return "the login on this computer is for another shop"
        return ""

    return check
