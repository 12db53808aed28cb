"""Offline-first sync of the local store with a remote MongoDB.

- :class:`SyncEngine` runs one sync of one shop (push the outbox, pull what others pushed);
- :class:`SyncWorker` runs it in the background and reports a :class:`SyncStatus`;
- :class:`DeadLetters` lists what the remote refused, for Settings.

The remote connection itself is :mod:`viveka_pos.gateways.remote`.
"""

from .deadletters import DeadLetter, DeadLetters
from .engine import REVOKED_MESSAGE, SyncEngine, SyncReport
from .login import LoginGate, LoginRequiredError, login_gate
from .worker import SyncStatus, SyncWorker

__all__ = [
    "REVOKED_MESSAGE",
    "DeadLetter",
    "DeadLetters",
    "LoginGate",
    "LoginRequiredError",
    "SyncEngine",
    "SyncReport",
    "SyncStatus",
    "SyncWorker",
    "login_gate",
]
