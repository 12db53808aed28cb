"""A master document seen field by field: its version, what a PC changed, and the merge.

Master data (shop profile, customers, items, groups, dealers, orders, sessions) is edited by
PCs *and* by the spec's backend. A PC keeps, per document, the remote version it last saw
(its *base*, :class:`~viveka_pos.sync.state.SyncState`). Then:

- the fields this PC changed are those where its copy differs from the base;
- a remote version is identified by ``updatedAt`` (the backend's Mongoose timestamp, set by
  PCs too), ``__v`` and our ``_hlc`` stamp: a write of either kind changes it;
- merging a remote version with a local edit takes the remote document and puts back the
  fields this PC changed; a field both changed goes to the later write (our stamp against the
  remote writer's stamp, or its ``updatedAt`` when the backend wrote it).

``clientSettings`` of the shop is compared key by key (the app keeps its own settings beside
the spec's ``customerFields``). The backend's profile save replaces the whole object, so an
app-only key that the remote lacks is never taken as deleted: the local value is kept and
pushed back (see :func:`restore_app_settings`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Final

from pymongo import ReplaceOne

from .stamps import (
    HLC_FIELD,
    SAVED_AT_FIELD,
    SYNC_FIELDS,
    SYNCED_AT_FIELD,
    format_stamp,
    stamp_value,
)

MISSING: Final[Any] = object()
UPDATED_AT: Final = "updatedAt"
VERSION_FIELDS: Final = (UPDATED_AT, "__v", HLC_FIELD)

#: Values the sync derives from other documents (never merged as fields, never $set as edits).
DERIVED: Final[dict[str, frozenset[str]]] = {
    "items": frozenset({"stock"}),
    "invoices": frozenset({"paidAmount", "isFinalized"}),
}
#: Objects compared key by key, and the keys the spec itself defines inside them.
NESTED: Final[dict[str, tuple[str, frozenset[str]]]] = {
    "clients": ("clientSettings", frozenset({"customerFields"})),
}
_NOT_FIELDS: Final = frozenset({"_id", UPDATED_AT, "__v"}) | SYNC_FIELDS
#: what :func:`unflat` takes from the version it keeps (besides derived values)
_KEPT: Final = _NOT_FIELDS - SYNC_FIELDS


def flat(collection: str, doc: dict[str, Any] | None) -> dict[str, Any]:
    """The document's mergeable fields (sync fields, ``_id``, version and derived fields
    left out), nested objects of :data:`NESTED` spread as ``"outer.key"``."""
    if doc is None:
        return {}
    skip = _NOT_FIELDS | DERIVED.get(collection, frozenset())
    out = {k: v for k, v in doc.items() if k not in skip}
    nested = NESTED.get(collection)
    if nested is not None:
        outer = out.pop(nested[0], None)
        if isinstance(outer, dict):
            for key, value in outer.items():
                out[f"{nested[0]}.{key}"] = value
    return out


def unflat(collection: str, fields: dict[str, Any], keep: dict[str, Any]) -> dict[str, Any]:
    """A whole document from merged fields plus the non-field values of ``keep``
    (``_id``, version, derived values)."""
    kept = _KEPT | DERIVED.get(collection, frozenset())
    doc = {k: v for k, v in keep.items() if k in kept}
    nested = NESTED.get(collection)
    prefix = f"{nested[0]}." if nested is not None else None
    for key, value in fields.items():
        if prefix is not None and key.startswith(prefix):
            doc.setdefault(prefix[:-1], {})[key[len(prefix) :]] = value
        else:
            doc[key] = value
    return doc


def version(doc: dict[str, Any] | None) -> tuple[Any, ...]:
    if doc is None:
        return (MISSING,)
    return tuple(map(doc.get, VERSION_FIELDS))


def version_filter(doc: dict[str, Any]) -> dict[str, Any]:
    """A query matching exactly this version (``None`` also matches an absent field)."""
    return {name: doc.get(name) for name in VERSION_FIELDS}


def writer_stamp(doc: dict[str, Any] | None) -> str:
    """When the version was written, as a stamp: ``_hlc`` when a PC wrote it last (its
    ``updatedAt`` is still the ``_savedAt`` the PC wrote), else the backend's ``updatedAt``."""
    if doc is None:
        return ""
    stamp = doc.get(HLC_FIELD)
    updated = doc.get(UPDATED_AT)
    if stamp_value(stamp) is not None and (updated is None or updated == doc.get(SAVED_AT_FIELD)):
        return str(stamp)
    if isinstance(updated, datetime):
        return format_stamp(_micros(updated), "")
    return str(stamp or "")


def stamp_time(value: int) -> datetime:
    """The ``updatedAt`` a PC writes for a stamp: its time, to the millisecond (MongoDB keeps
    milliseconds; so the value read back equals the value written)."""
    return datetime(1970, 1, 1) + timedelta(microseconds=value - value % 1000)


def _micros(when: datetime) -> int:
    delta = when.replace(tzinfo=None) - datetime(1970, 1, 1)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def versioned_replace(doc: dict[str, Any], changes: dict[str, Any], stamp: str) -> ReplaceOne[Any]:
    """The write of ``changes`` (top-level fields) onto the remote version ``doc``, stamped
    and timed as a PC's write, applied only while the remote still is that version.

    Under that condition replacing the whole document equals a ``$set`` of the changes. It
    is a replacement because some MongoDB-compatible servers (the test server among them)
    store a date given in ``$set`` or ``$currentDate`` as something that no longer equals
    the date it was, which would break every later version check.
    """
    return ReplaceOne(version_query(doc), stamped_doc(doc, changes, stamp))


def version_query(doc: dict[str, Any]) -> dict[str, Any]:
    """The filter of a write conditional on the remote version ``doc`` read.

    ``doc`` was read through the shop's filter, so its ``_id`` and version pin the write to
    this shop's document: the shop filter is not repeated (with ``updatedAt`` beside it,
    some servers, the test server among them, pick the ``{clientId, updatedAt}`` index and
    scan the shop's whole collection for each write).

    The caller reads the remote version just before writing, and compares it here too: the
    test server ignores a date in a filter beside ``_id`` (a backend save moves only
    ``updatedAt``), so on such a server only that read catches it; on MongoDB the condition
    itself does."""
    return {"_id": doc["_id"], **version_filter(doc)}


def stamped_doc(doc: dict[str, Any], changes: dict[str, Any], stamp: str) -> dict[str, Any]:
    """``doc`` with ``changes`` as a PC writes it: ``_hlc``, ``_syncedAt``, ``updatedAt``."""
    when = stamp_time(stamp_value(stamp) or 0)
    return {
        **doc,
        **changes,
        UPDATED_AT: when,
        SAVED_AT_FIELD: when,
        HLC_FIELD: stamp,
        SYNCED_AT_FIELD: stamp,
    }


def changed_keys(base: dict[str, Any], local: dict[str, Any]) -> set[str]:
    """Fields (flat) where ``local`` differs from ``base``: what this PC changed."""
    return {
        k
        for k in base.keys() | local.keys()
        if not same(base.get(k, MISSING), local.get(k, MISSING))
    }


def merge(
    collection: str,
    base: dict[str, Any] | None,
    local: dict[str, Any],
    remote: dict[str, Any],
    local_stamp: str,
) -> dict[str, Any]:
    """The flat fields after merging a local edit into a remote version.

    ``base`` is the version this PC last saw (None: never saw one, so every field that
    differs counts as changed here). The remote wins on fields this PC did not change; on
    a field both changed, the later write wins.
    """
    mine, theirs = flat(collection, local), flat(collection, remote)
    seen = flat(collection, base) if base is not None else theirs
    remote_stamp = writer_stamp(remote)
    merged = dict(theirs)
    for key in changed_keys(seen, mine):
        ours = mine.get(key, MISSING)
        remote_value = theirs.get(key, MISSING)
        remote_changed = base is not None and not same(remote_value, seen.get(key, MISSING))
        if remote_changed and remote_stamp > local_stamp:
            continue
        if ours is MISSING:
            merged.pop(key, None)
        else:
            merged[key] = ours
    return restore_app_settings(collection, merged, mine)


def restore_app_settings(
    collection: str, remote_fields: dict[str, Any], local_fields: dict[str, Any]
) -> dict[str, Any]:
    """Put back the app's own settings keys that a remote version lacks (a backend profile
    save replaced ``clientSettings`` with the spec's keys only)."""
    nested = NESTED.get(collection)
    if nested is None:
        return remote_fields
    outer, spec_keys = nested
    prefix = f"{outer}."
    out = dict(remote_fields)
    for key, value in local_fields.items():
        if key.startswith(prefix) and key[len(prefix) :] not in spec_keys and key not in out:
            out[key] = value
    return out


def update_of(target: dict[str, Any], remote: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``$set`` and ``$unset`` (flat keys) that turn the remote fields into ``target``."""
    sets = {
        k: v
        for k, v in target.items()
        if (was := remote.get(k, MISSING)) is not v and not same(v, was)
    }
    unsets = [k for k in remote if k not in target]
    return sets, unsets


def applied(
    doc: dict[str, Any],
    collection: str,
    sets: dict[str, Any],
    unsets: list[str],
    meta: dict[str, Any],
) -> dict[str, Any]:
    """``doc`` after an update of flat ``sets``/``unsets`` and top-level ``meta`` values."""
    fields = flat(collection, doc)
    fields.update(sets)
    for key in unsets:
        fields.pop(key, None)
    keep = {k: v for k, v in doc.items() if k in SYNC_FIELDS}
    return {**unflat(collection, fields, doc), **keep, **meta}


def same(a: Any, b: Any) -> bool:
    """Equal values, a flag never equal to a number (``True == 1`` in Python)."""
    return bool(a == b) and isinstance(a, bool) == isinstance(b, bool)
