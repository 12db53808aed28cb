"""The remote MongoDB: connect from a URL, check it answers, create the spec's indexes.

Every failure to reach the server becomes :class:`RemoteUnavailableError`, whose message names
the server with its password masked; nothing in this module logs or raises the full URL. Short
timeouts keep a shop that is offline from waiting: the sync worker simply tries again later.

Quirks of servers met in practice are handled here or by the caller:

- some MongoDB-compatible servers (the SQLite-backed test server among them) ignore index
  names and TTL options and report every key as ascending, so indexes are matched by their
  fields; creating an index that the server refuses is logged as a warning and never stops
  sync;
- an index on the right fields with the wrong uniqueness is made again as the spec has it,
  and indexes that earlier versions of this app made beyond the spec are dropped; indexes
  anyone else made are left alone.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

from pymongo import MongoClient
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import ConfigurationError, ConnectionFailure, InvalidURI, PyMongoError
from pymongo.monitoring import CommandListener

from ..store.schema import COLLECTIONS

logger = logging.getLogger("viveka_pos.remote")

DEFAULT_DATABASE: Final = "vivekaDB"
DEFAULT_TIMEOUT_MS: Final = 3000
SCHEMES: Final = ("mongodb://", "mongodb+srv://")

#: Errors meaning "the server cannot be reached right now" (try again later).
NETWORK_ERRORS: Final = (ConnectionFailure,)

#: Indexes of our own that sync relies on: pull by change stamp within one shop, and the
#: tombstones of deleted documents.
SYNC_STAMP_FIELD: Final = "_syncedAt"
UPDATED_FIELD: Final = "updatedAt"
TOMBSTONES: Final = "synctombstones"


class RemoteError(Exception):
    """Base class of remote database failures; ``str()`` is fit to show a person."""


class RemoteConfigError(RemoteError):
    """The remote URL or database name is not usable."""


class RemoteUnavailableError(RemoteError):
    """The remote database cannot be reached (offline, wrong address, server down)."""


class RemoteRefusedError(RemoteError):
    """The server answered but refused a whole request (permissions, server state)."""


def mask_url(url: str) -> str:
    """The URL with any password replaced by ``****`` (safe for logs and messages)."""
    text = (url or "").strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return "<unreadable address>"
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hosts = netloc.rpartition("@")
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:****@{hosts}" if ":" in userinfo else f"{user}@{hosts}"
    query = "&".join(_mask_option(pair) for pair in parts.query.split("&") if pair)
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


_SECRET_OPTIONS: Final = frozenset(
    {"password", "authmechanismproperties", "tlscertificatekeyfilepassword"}
)


def _mask_option(pair: str) -> str:
    key, sep, _ = pair.partition("=")
    return f"{key}=****" if sep and key.lower() in _SECRET_OPTIONS else pair


def check_url(url: str) -> str:
    """The URL stripped, or :class:`RemoteConfigError` saying what is wrong with it."""
    text = (url or "").strip()
    if not text:
        raise RemoteConfigError("no remote database address is set (Settings → Sync)")
    if not text.startswith(SCHEMES):
        raise RemoteConfigError(
            f"the remote database address must start with mongodb:// or mongodb+srv:// "
            f"(got {mask_url(text)!r})"
        )
    return text


def check_database_name(name: str) -> str:
    text = (name or DEFAULT_DATABASE).strip()
    if not text or any(ch in text for ch in '/\\. "$') or len(text) > 63:
        raise RemoteConfigError(f"{text!r} is not a valid database name")
    return text


def unreachable(masked_url: str, exc: BaseException | None = None) -> RemoteUnavailableError:
    """The one error for "cannot reach the remote database", with the masked address.

    pymongo's own message lists hosts and timeouts only (never credentials); it is added in
    a shortened form because "connection refused" and "timed out" help a person decide what
    to check.
    """
    detail = ""
    if exc is not None:
        first = str(exc).split(",")[0].split("Timeout:")[0].strip()
        if first:
            detail = f" ({first[:120]})"
    return RemoteUnavailableError(f"cannot reach the remote database at {masked_url}{detail}")


def remote_failure(masked_url: str, exc: PyMongoError) -> RemoteError:
    """The error to raise for a failed request: unreachable, or refused with its reason."""
    if isinstance(exc, NETWORK_ERRORS):
        return unreachable(masked_url, exc)
    code = getattr(exc, "code", None)
    reason = str(exc).split(", full error")[0][:200]
    return RemoteRefusedError(
        f"the remote database at {masked_url} refused the request"
        f"{f' (code {code})' if code is not None else ''}: {reason}"
    )


@dataclass
class RemoteDatabase:
    """An open connection to the remote database (thread-safe, reconnects by itself)."""

    client: MongoClient[dict[str, Any]]
    db: Database[dict[str, Any]]
    masked_url: str

    @property
    def name(self) -> str:
        return self.db.name

    def collection(self, name: str) -> Collection[dict[str, Any]]:
        return self.db[name]

    def ping(self) -> None:
        """Raise :class:`RemoteUnavailableError` unless the server answers now."""
        try:
            self.client.admin.command("ping")
        except NETWORK_ERRORS as exc:
            raise unreachable(self.masked_url, exc) from None
        except PyMongoError as exc:
            raise RemoteUnavailableError(
                f"the remote database at {self.masked_url} refused the connection "
                f"({type(exc).__name__})"
            ) from None

    def server_time(self) -> datetime | None:
        """The server's clock now (``hello``'s ``localTime``), None when it does not say.

        Pull windows by ``updatedAt`` start from it, not from this PC's clock, which may be
        wrong by hours."""
        try:
            when = self.client.admin.command("hello").get("localTime")
        except NETWORK_ERRORS as exc:
            raise unreachable(self.masked_url, exc) from None
        except PyMongoError:
            return None
        return when.replace(tzinfo=None) if isinstance(when, datetime) else None

    def ensure_indexes(self) -> list[str]:
        """Create the spec's indexes (and sync's own) where missing. Returns warnings."""
        warnings: list[str] = []
        for collection, specs in remote_indexes().items():
            warnings.extend(self._ensure(collection, specs))
        for warning in warnings:
            logger.warning("remote index: %s", warning)
        return warnings

    def _ensure(self, collection: str, specs: Sequence[RemoteIndex]) -> list[str]:
        coll = self.db[collection]
        try:
            existing = {
                name: info for name, info in coll.index_information().items() if name != "_id_"
            }
        except NETWORK_ERRORS as exc:
            raise unreachable(self.masked_url, exc) from None
        except PyMongoError as exc:
            return [f"{collection}: cannot list indexes ({exc})"]
        # Some servers report every key as ascending: an index is known by its fields.
        by_fields = {_fields(info): (name, info) for name, info in existing.items()}
        warnings = []
        obsolete = OBSOLETE_INDEXES.get(collection, ())
        for fields in obsolete:
            if fields in by_fields:
                warnings.extend(self._drop(coll, by_fields.pop(fields)[0]))
        for spec in specs:
            fields = tuple(k for k, _ in spec.keys)
            found = by_fields.get(fields)
            if found is not None:
                if bool(found[1].get("unique")) == bool(spec.options.get("unique")):
                    continue
                # Same fields, other uniqueness (an older version of this app made
                # otpsessions' key unique): made again as the spec has it.
                warnings.extend(self._drop(coll, found[0]))
            try:
                coll.create_index(list(spec.keys), **spec.options)
            except NETWORK_ERRORS as exc:
                raise unreachable(self.masked_url, exc) from None
            except PyMongoError as exc:
                warnings.append(f"{collection} {spec.name}: {exc}")
        return warnings

    def _drop(self, coll: Collection[dict[str, Any]], name: str) -> list[str]:
        try:
            coll.drop_index(name)
            logger.info("remote index %s.%s dropped (not in the spec)", coll.name, name)
            return []
        except NETWORK_ERRORS as exc:
            raise unreachable(self.masked_url, exc) from None
        except PyMongoError as exc:
            return [f"{coll.name} {name}: cannot drop ({exc})"]

    def close(self) -> None:
        self.client.close()


@dataclass(frozen=True)
class RemoteIndex:
    keys: tuple[tuple[str, int], ...]
    options: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.options.get("name", ""))


def _index_name(keys: Iterable[tuple[str, int]]) -> str:
    return "_".join(f"{k}_{d}" for k, d in keys)


def _fields(info: dict[str, Any]) -> tuple[str, ...]:
    return tuple(k for k, _ in info.get("key", []))


def _ix(*keys: str | tuple[str, int], unique: bool = False, ttl: bool = False) -> RemoteIndex:
    pairs = tuple((k, 1) if isinstance(k, str) else k for k in keys)
    options: dict[str, Any] = {"name": _index_name(pairs)}
    if unique:
        options["unique"] = True
    if ttl:
        options["expireAfterSeconds"] = 0  # documents go at their expiresAt
    return RemoteIndex(pairs, options)


#: The spec's indexes, collection by collection: its "Indexes" lists, and the fields its
#: tables mark "Indexed" (what Mongoose's ``index: true`` makes). Nothing else of the spec's.
SPEC_INDEXES: Final[dict[str, tuple[RemoteIndex, ...]]] = {
    "clients": (_ix("phoneNumber", unique=True), _ix("isActive")),
    "otpsessions": (_ix("phoneNumber"), _ix("phoneNumber", "purpose"), _ix("expiresAt", ttl=True)),
    "devicesessions": (_ix("clientId"), _ix("clientId", "deviceId", unique=True), _ix("isActive")),
    "clientCustomers": (_ix("clientId"), _ix("clientId", "phoneNumber", unique=True)),
    "itemgroups": (_ix("clientId"),),
    "items": (_ix("clientId"), _ix("isActive")),
    "carts": (_ix("clientId"), _ix("isFinalized"), _ix("expiresAt", ttl=True)),
    "cartitems": (_ix("cartId"),),
    "invoices": (_ix("clientId"), _ix("clientId", "invoiceNumber", unique=True)),
    "payments": (_ix("clientId"), _ix("invoiceId")),
    "purchasehistories": (_ix("clientId"), _ix("clientCustomerId"), _ix(("purchasedAt", -1))),
    "dealers": (_ix("clientId"), _ix("clientId", "name"), _ix("isActive")),
    "dealerorders": (
        _ix("clientId"),
        _ix("dealerId"),
        _ix("isUrgent"),
        _ix("clientId", "orderNumber", unique=True),
        _ix("clientId", "dealerId", ("createdAt", -1)),
    ),
    "dealerorderitems": (_ix("orderId"), _ix("itemId"), _ix("orderId", "itemId")),
    "dealerpayments": (
        _ix("clientId"),
        _ix("dealerId"),
        _ix("orderId"),
        _ix("clientId", "dealerId", ("paidAt", -1)),
    ),
}

#: Indexes earlier versions of this app made that neither the spec nor sync has: dropped.
OBSOLETE_INDEXES: Final[dict[str, tuple[tuple[str, ...], ...]]] = {
    "clients": (("_syncedAt",),),
    "clientCustomers": (("phoneNumber",),),
    "items": (("clientId", "code"), ("code",)),
    "invoices": (("invoiceNumber",), ("clientCustomerId",), ("invoiceDate",), ("isFinalized",)),
    "stockmovements": (("itemId",), ("createdAt",)),
}


def remote_indexes() -> dict[str, list[RemoteIndex]]:
    """The indexes the remote should have, per collection: exactly the spec's, plus sync's.

    Sync's own: on every synced collection but ``clients`` (one document per shop, read by
    ``_id``), ``{clientId, _syncedAt}`` (pull of what PCs pushed) and ``{clientId,
    updatedAt}`` (pull of what any writer saved); the same two on the tombstones of deleted
    documents. ``stockmovements`` is ours and has no other.
    """
    result = {name: list(specs) for name, specs in SPEC_INDEXES.items()}
    for spec in COLLECTIONS:
        if spec.synced and spec.name != "clients":
            result.setdefault(spec.name, []).extend(
                [_ix("clientId", SYNC_STAMP_FIELD), _ix("clientId", UPDATED_FIELD)]
            )
    result[TOMBSTONES] = [_ix("clientId", SYNC_STAMP_FIELD), _ix("clientId", UPDATED_FIELD)]
    return result


def connect(
    url: str,
    database: str = DEFAULT_DATABASE,
    *,
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
    event_listeners: Sequence[CommandListener] = (),
    check: bool = True,
) -> RemoteDatabase:
    """Open the remote database; with ``check`` (default) make sure it answers now.

    Raises :class:`RemoteConfigError` for an unusable URL and
    :class:`RemoteUnavailableError` when the server cannot be reached.
    """
    text = check_url(url)
    name = check_database_name(database)
    masked = mask_url(text)
    try:
        client: MongoClient[dict[str, Any]] = MongoClient(
            text,
            serverSelectionTimeoutMS=timeout_ms,
            connectTimeoutMS=timeout_ms,
            socketTimeoutMS=max(timeout_ms * 5, 10_000),
            appname="viveka-pos",
            event_listeners=list(event_listeners),
            tz_aware=False,
        )
    except (InvalidURI, ConfigurationError, ValueError) as exc:
        # The message of these errors quotes the option at fault, not the password.
        reason = str(exc).replace(text, masked)
        raise RemoteConfigError(
            f"the remote database address {masked} is not usable: {reason}"
        ) from None
    except NETWORK_ERRORS as exc:  # mongodb+srv resolves DNS while constructing
        raise unreachable(masked, exc) from None
    remote = RemoteDatabase(client=client, db=client[name], masked_url=masked)
    if check:
        try:
            remote.ping()
        except RemoteError:
            client.close()
            raise
    return remote
