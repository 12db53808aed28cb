"""OTP sessions kept in the shop's remote database, for joining a shop from a new PC.

A PC that joins a shop has nothing of the shop yet; if the OTP lived on that PC, the PC
would be the only judge of its own login. Kept in the remote's ``otpsessions`` (the spec's
collection, with the spec's fields; ``clientId``, ``deviceId``, ``otpLength`` and
``delivery`` are ours), the session's tries are counted where the shop's other clients see
them, and the sends to the shop's phone are recorded in ``otpsends`` (ours: one small
document per SMS, dated) so that the hourly cap (``services/otp.py``) holds whichever PC
asks and however often it restarts. All reads and writes are scoped by the shop's id, like
the rest of sync. (A session store of :class:`~.otp.OtpService`, like the local one.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Final, TypeVar

from bson import ObjectId
from pymongo.errors import PyMongoError

from ..domain.errors import ValidationError
from ..gateways.remote import RemoteDatabase
from .otp import SEND_WINDOW

SESSIONS: Final = "otpsessions"
SENDS: Final = "otpsends"
SEND_RECORD_SECONDS: Final = int(2 * SEND_WINDOW.total_seconds())

T = TypeVar("T")


class RemoteOtpError(ValidationError):
    """The remote database could not be used to keep or check the OTP (field ``otp``)."""

    def __init__(self, masked_url: str, exc: BaseException):
        super().__init__(
            "otp",
            f"cannot check the OTP on the remote database {masked_url}: "
            f"{type(exc).__name__} — check the network and try again",
        )


class RemoteOtpSessions:
    """``OtpSessions`` (``services/otp.py``) in a shop's remote database."""

    remote = True

    def __init__(self, remote: RemoteDatabase, client_id: ObjectId, device_id: str):
        self._remote = remote
        self._client_id = client_id
        self._device_id = device_id

    def _scope(self, **fields: Any) -> dict[str, Any]:
        return {"clientId": {"$in": [self._client_id]}, **fields}

    def _call(self, action: Callable[[], T]) -> T:
        try:
            return action()
        except PyMongoError as exc:
            raise RemoteOtpError(self._remote.masked_url, exc) from None

    def find(self, db: Any, phone: str, purpose: str) -> dict[str, Any] | None:
        coll = self._remote.collection(SESSIONS)
        found = self._call(lambda: coll.find_one(self._scope(phoneNumber=phone, purpose=purpose)))
        if (
            found is None
            or not isinstance(found.get("expiresAt"), datetime)
            or not isinstance(found.get("createdAt"), datetime)
        ):
            return None
        return dict(found)

    def replace(self, phone: str, purpose: str, doc: dict[str, Any]) -> None:
        sessions = self._remote.collection(SESSIONS)
        sends = self._remote.collection(SENDS)
        stored = {**doc, "clientId": self._client_id, "deviceId": self._device_id}

        def write() -> None:
            # The record of sends needs keeping for the cap's hour only: the server drops it.
            sends.create_index("sentAt", expireAfterSeconds=SEND_RECORD_SECONDS, name="sentAt_ttl")
            sessions.delete_many(self._scope(phoneNumber=phone, purpose=purpose))
            sessions.insert_one(stored)
            sends.insert_one(
                {
                    "_id": ObjectId(),
                    "clientId": self._client_id,
                    "phoneNumber": phone,
                    "sentAt": doc["createdAt"],
                    "deviceId": self._device_id,
                }
            )

        self._call(write)

    def count_wrong(self, db: Any, session: Mapping[str, Any]) -> None:
        coll = self._remote.collection(SESSIONS)
        self._call(
            lambda: coll.update_one(self._scope(_id=session["_id"]), {"$inc": {"attempts": 1}})
        )

    def consume(self, db: Any, session: dict[str, Any]) -> None:
        coll = self._remote.collection(SESSIONS)
        self._call(lambda: coll.delete_one(self._scope(_id=session["_id"])))

    def sends_since(self, phone: str, since: datetime) -> list[datetime]:
        coll = self._remote.collection(SENDS)
        docs = self._call(
            lambda: list(
                coll.find(self._scope(phoneNumber=phone, sentAt={"$gt": since}), {"sentAt": 1})
            )
        )
        return [
            d["sentAt"]
            for d in docs
            if isinstance(d.get("sentAt"), datetime) and d["sentAt"] > since
        ]
