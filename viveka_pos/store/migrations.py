"""Forward migrations of the stored data, one data version at a time.

The store keeps its data version in ``store_info.schema_version`` (see ``schema.py``). When a
store written by an older program is opened, :func:`upgrade`:

1. writes a verified backup of the data as it is, in
   ``<data dir>/backups/before-migration-v<n>`` (a time stamp is added if that folder is
   already taken), so the owner can always go back;
2. runs every step from version *n* up to :data:`~.schema.SCHEMA_VERSION` and sets the new
   version, all in **one** unit of work: a failure (or a crash) anywhere leaves the data
   exactly as it was, still at version *n*.

A step is registered in :data:`MIGRATIONS` under the version it upgrades *from*; its
``apply(store, db)`` runs inside the unit of work and returns how many documents of each
collection it changed. Steps are frozen in time: they carry their own copy of the defaults
they fill in, so a later change in the services never changes what an old migration does.

Migrations do not write to the sync outbox. They normalise how this PC keeps documents (the
same normalisation every device does for itself); pushing them would stamp thousands of
unchanged documents as "edited now" and could make them win over real edits that other
devices made before the upgrade.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..domain.states import state_by_code, state_by_name
from .engine import utcnow
from .errors import StoreError
from .schema import SCHEMA_VERSION

if TYPE_CHECKING:
    from .collection import DurableDatabase as Database
    from .store import Store

log = logging.getLogger("viveka_pos.store")

BACKUP_FOLDER = "before-migration-v{version}"
"""Folder under ``<data dir>/backups`` for the copy taken before upgrading version n."""


class StoreMigrationError(StoreError):
    """The data could not be upgraded; nothing was changed."""


Step = Callable[["Store", "Database"], dict[str, int]]


@dataclass(frozen=True)
class Migration:
    source: int
    """The data version this step upgrades from (to ``source + 1``)."""
    summary: str
    apply: Step


@dataclass(frozen=True)
class UpgradeReport:
    from_version: int
    to_version: int
    backup_dir: Path
    changed: dict[str, int]
    seconds: float


# ----------------------------------------------------------------- version 1 -> 2
# The defaults below are those of data version 2; they are what the services already assume
# when a field is absent, so filling them in changes no behaviour, only makes it explicit
# (reports, exports and other tools reading the documents see the values the app uses).

_ITEM_DEFAULTS_V2: dict[str, Any] = {
    "code": "",
    "hsnCode": "",
    "gstRate": 0,
    "unit": "nos",
    "lowStockQuantity": 5,
    "dealerIds": [],
    "description": "",
    "isActive": True,
    "stock": 0,
}
_CUSTOMER_DEFAULTS_V2: dict[str, Any] = {"name": "", "address": "", "emailId": "", "gstNo": ""}
_CLIENT_DEFAULTS_V2: dict[str, Any] = {
    "shopName": "",
    "location": "",
    "city": "",
    "state": "",
    "gstin": "",
    "profileUrl": "",
    "isActive": True,
}
_CLIENT_SETTINGS_DEFAULTS_V2: dict[str, Any] = {
    "stateCode": "",
    "defaultGstRate": 0,
    "pricesIncludeTax": False,
    "timeZone": "Asia/Kolkata",
    "allowNegativeStock": False,
}
_CUSTOMER_FIELDS: tuple[str, ...] = ("address", "gstNo", "emailId")


def _missing(doc: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """The defaults for fields that are absent or null (present values are never changed)."""
    return {key: _fresh(value) for key, value in defaults.items() if doc.get(key) is None}


def _fresh(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


def _state_of_gstin(gstin: Any) -> str:
    if not isinstance(gstin, str) or len(gstin.strip()) < 2:
        return ""
    state = state_by_code(gstin.strip()[:2])
    return state.code if state else ""


def _client_fixes(doc: dict[str, Any]) -> dict[str, Any]:
    fixes = _missing(doc, _CLIENT_DEFAULTS_V2)
    current = doc.get("clientSettings")
    settings = dict(current) if isinstance(current, dict) else {}
    filled = {**settings, **_missing(settings, _CLIENT_SETTINGS_DEFAULTS_V2)}
    switches = settings.get("customerFields")
    switches = dict(switches) if isinstance(switches, dict) else {}
    filled["customerFields"] = {**{name: False for name in _CUSTOMER_FIELDS}, **switches}
    if not filled.get("stateCode"):
        code = _state_of_gstin(doc.get("gstin"))
        if not code:
            by_name = state_by_name(doc.get("state") or "")
            code = by_name.code if by_name else ""
        filled["stateCode"] = code
    if filled != current:
        fixes["clientSettings"] = filled
    return fixes


def _customer_fixes(doc: dict[str, Any]) -> dict[str, Any]:
    fixes = _missing(doc, _CUSTOMER_DEFAULTS_V2)
    if not doc.get("stateCode"):
        code = _state_of_gstin(doc.get("gstNo"))
        if code or doc.get("stateCode") is None:
            fixes["stateCode"] = code
    return fixes


def _item_fixes(doc: dict[str, Any]) -> dict[str, Any]:
    return _missing(doc, _ITEM_DEFAULTS_V2)


def _fill(
    store: Store,
    db: Database,
    collection: str,
    fixes_of: Callable[[dict[str, Any]], dict[str, Any]],
) -> int:
    # Read the cached documents without copying; write only those that need a change.
    wanted = [
        (doc["_id"], fixes) for doc in store.iter_docs(collection) if (fixes := fixes_of(doc))
    ]
    coll = db[collection]
    for doc_id, fixes in wanted:
        coll.update_one({"_id": doc_id}, {"$set": fixes})
    return len(wanted)


def fill_defaults_v2(store: Store, db: Database) -> dict[str, int]:
    """Version 1 -> 2: fill the fields that documents from older programs or other tools lack.

    * shops (``clients``): the spec's profile defaults, and under ``clientSettings`` the
      customer-field switches, ``timeZone``, ``defaultGstRate``, ``pricesIncludeTax``,
      ``allowNegativeStock``, and the GST ``stateCode`` derived from the GSTIN (else from the
      state's name) when it is empty — it decides CGST+SGST against IGST on every bill;
    * customers: the spec's optional text fields, and ``stateCode`` from the GSTIN (``gstNo``)
      when it is missing or empty (it decides the place of supply);
    * items: ``code``, ``hsnCode``, ``gstRate`` (ours) and the spec's item defaults.

    Invoices are deliberately left alone, although early ones may lack ``series``,
    ``financialYear`` and ``sequence``: their hash covers every immutable field present when
    they were made, so adding any field would make an intact invoice look tampered with; the
    chain check reads those three from ``invoiceNumber`` when they are absent.
    """
    return {
        "clients": _fill(store, db, "clients", _client_fixes),
        "clientCustomers": _fill(store, db, "clientCustomers", _customer_fixes),
        "items": _fill(store, db, "items", _item_fixes),
    }


def file_in_sql_v3(store: Store, db: Database) -> dict[str, int]:
    """Version 2 -> 3: the storage itself is filed anew before any step runs (see
    :func:`upgrade`): documents keyed by their typed ``_id``, index rows and unique keys in
    SQLite, the report ledgers and the item search tables. Here, outbox records move to the
    ids derived from their documents (``outbox.record_id``); nothing else changes."""
    from .outbox import HLC_INFO_KEY, record_id

    moved = 0
    newest = int(store.engine.get_info(HLC_INFO_KEY) or 0)
    for record in list(store.iter_docs("outbox")):
        newest = max(newest, int(record.get("hlc") or 0))
        wanted = record_id(record["collection"], record["docId"])
        if record["_id"] != wanted:
            db.outbox.delete_one({"_id": record["_id"]})
            db.outbox.insert_one({**record, "_id": wanted})
            moved += 1
    # the clock's floor is now kept in the info table (the first store read it from every
    # record at each open)
    store.engine.execute(
        "INSERT OR REPLACE INTO store_info (key, value) VALUES (?, ?)", (HLC_INFO_KEY, str(newest))
    )
    return {"outbox": moved}


def refile_derived_v4(store: Store, db: Database) -> dict[str, int]:
    """Version 3 -> 4: the tables and columns added while the data version was still 3
    (the Inventory list, the customer lookup, the report sums, dealer dues, and whether
    each invoice follows the one before it) are filed from the documents: a version-3
    store may lack them, or hold them stale (a version-3 program that did not know them
    may have written documents since; from version 4 on, such a program refuses the data,
    written by a newer version). No document changes."""
    from .chain_ledger import refill_follow_flags
    from .customer_search import CustomerSearch
    from .item_list import ItemList
    from .ledger import refill_sums

    engine = store.engine
    ItemList().rebuild(engine)
    CustomerSearch().rebuild(engine)
    refill_sums(engine)
    refill_follow_flags(engine)
    return {}


MIGRATIONS: dict[int, Migration] = {
    1: Migration(
        1, "fill shop, customer and item fields older versions did not write", fill_defaults_v2
    ),
    2: Migration(
        2, "file documents in SQLite indexes, report ledgers and item search", file_in_sql_v3
    ),
    3: Migration(
        3, "file the Inventory list, customer lookup and dealer dues again", refile_derived_v4
    ),
}


# ------------------------------------------------------------------------ running
def steps_from(version: int, target: int = SCHEMA_VERSION) -> list[Migration]:
    """The steps that take data at ``version`` to ``target``, in order."""
    steps = []
    for source in range(version, target):
        step = MIGRATIONS.get(source)
        if step is None:
            raise StoreMigrationError(
                f"This program cannot upgrade data of version {version} (no step from "
                f"version {source} to {source + 1}); nothing was changed."
            )
        steps.append(step)
    return steps


def _backup_dir(store: Store, version: int) -> Path:
    base = store.data_dir / "backups"
    target = base / BACKUP_FOLDER.format(version=version)
    if target.exists():
        stamp = utcnow().strftime("%Y%m%dT%H%M%S%fZ")
        target = base / f"{BACKUP_FOLDER.format(version=version)}-{stamp}"
    return target


def upgrade(store: Store, version: int) -> UpgradeReport:
    """Back the data up, then bring it from ``version`` to the current data version.

    Raises :class:`StoreMigrationError` (nothing changed) if the backup or any step fails.
    """
    started = time.perf_counter()
    steps = steps_from(version)
    backup_dir = _backup_dir(store, version)
    try:
        store.backup(backup_dir)
    except StoreError as exc:
        raise StoreMigrationError(
            f"The data in {store.data_dir} needs an upgrade from version {version} to "
            f"{SCHEMA_VERSION}, but the backup taken first could not be written ({exc}). "
            "Nothing was changed."
        ) from exc
    changed: dict[str, int] = {}
    current = version
    try:
        with store.unit_of_work(record_outbox=False) as db:
            if store.engine.needs_rebuild():
                # Before any step: the steps read and write through the indexes.
                filed = store.engine.rebuild_storage(rekey=True)
                log.info("filed the documents in the new storage: %s", filed)
            for step in steps:
                current = step.source
                for name, count in step.apply(store, db).items():
                    changed[name] = changed.get(name, 0) + count
            store.engine.set_info("schema_version", str(SCHEMA_VERSION))
    except Exception as exc:
        log.exception("upgrade of the data from version %s failed", current)
        raise StoreMigrationError(
            f"The data in {store.data_dir} could not be upgraded from version {current} to "
            f"{current + 1} ({exc}). Nothing was changed; a backup taken before trying is in "
            f"{backup_dir}."
        ) from exc
    report = UpgradeReport(
        version, SCHEMA_VERSION, backup_dir, changed, time.perf_counter() - started
    )
    log.info(
        "data upgraded from version %s to %s in %.2f s (changed %s; backup in %s)",
        version,
        SCHEMA_VERSION,
        report.seconds,
        changed,
        backup_dir,
    )
    return report
