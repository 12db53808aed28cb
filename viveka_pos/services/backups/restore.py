"""Restoring a backup over the data of an open store: what the backup holds and whose it
is (shown before the owner confirms), the refusals, and the restore itself.

The store checks the backup again and writes a safety copy of the data it replaces; data
that is damaged is kept as it was instead (:mod:`viveka_pos.store.backup_file`). A restore
when the store cannot be opened at all is :mod:`.recovery`'s.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from ...domain.errors import ValidationError
from ...store import SCHEMA_VERSION, Store, StoreCorruptError
from ...store.backup_file import DAMAGED_DIR, MANIFEST, damaged_place, read_backup
from ...store.engine import utcnow
from .on_disk import aware, read_entry, shops_oldest_first

log = logging.getLogger("viveka_pos.backups")


@dataclass(frozen=True)
class BackupPreview:
    """What a backup holds, shown before the owner confirms a restore."""

    folder: Path
    created_at: datetime  # aware UTC
    schema_version: int
    counts: dict[str, int]
    shops: list[dict[str, Any]]
    store_id: str
    verified: bool | None
    is_this_shop: bool | None
    """False: another shop's backup; None: nothing to compare with (no shop here yet)."""
    same_store: bool
    this_shop: dict[str, Any] | None = None
    kept_in: Path | None = None
    """After a restore: where the data it replaced was kept (a verified safety copy, or,
    when that data was damaged, a copy as it was under ``damaged/``)."""
    damaged_here: bool = False
    """The shop's records on this PC could not be read (damaged): ``is_this_shop`` then
    compares the data's identity (the store id), not the shop."""

    @property
    def kept_damaged(self) -> bool:
        """After a restore: the data it replaced was damaged and kept as it was."""
        return self.kept_in is not None and self.kept_in.parent.name == DAMAGED_DIR

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def readable(self) -> bool:
        """This program can read it (made by this or an older version)."""
        return self.schema_version <= SCHEMA_VERSION

    @property
    def shop_name(self) -> str:
        return str(self.shops[0].get("businessName", "")) if self.shops else ""

    @property
    def shop_phone(self) -> str:
        return str(self.shops[0].get("phoneNumber", "")) if self.shops else ""


def _label(shop: dict[str, Any] | None) -> str:
    if not shop:
        return "no shop"
    return f"“{shop.get('businessName') or '?'}” (phone {shop.get('phoneNumber') or '?'})"


def preview(folder: str | os.PathLike[str], store: Store | None = None) -> BackupPreview:
    """Read and check the backup in ``folder`` (checksum, integrity, counts) and describe it.

    Raises ``ValidationError("backupDir", ...)`` when the folder is not a backup and
    ``StoreError`` subclasses when it is damaged.
    """
    path = Path(folder).expanduser()
    if not (path / MANIFEST).is_file():
        raise ValidationError(
            "backupDir", f"{path} is not a Viveka POS backup folder (it has no {MANIFEST})"
        )
    manifest = read_backup(path)
    entry = read_entry(path)
    shops = list(manifest.shops)
    this_shop = None
    is_this: bool | None = None
    same_store = False
    damaged_here = False
    if store is not None:
        same_store = bool(manifest.store_id) and manifest.store_id == store.store_id
        try:
            here = shops_oldest_first(store)
        except StoreCorruptError:
            # The shop's own records are damaged (the reason for restoring, often): compare
            # the data's identity instead, as a restore over data that cannot be opened does.
            here, damaged_here = [], True
            is_this = True if same_store else False if manifest.store_id else None
        if here:
            this_shop = {
                "businessName": here[0].get("businessName", ""),
                "phoneNumber": here[0].get("phoneNumber", ""),
            }
            phones_here = {d.get("phoneNumber") for d in here}
            is_this = any(s.get("phoneNumber") in phones_here for s in shops)
    return BackupPreview(
        path,
        aware(manifest.created_at),
        int(manifest.schema_version),
        dict(manifest.counts),
        shops,
        manifest.store_id,
        entry.verified if entry else None,
        is_this,
        same_store,
        this_shop,
        damaged_here=damaged_here,
    )


def check_restorable(found: BackupPreview, *, allow_other_shop: bool = False) -> None:
    """Refuse (``ValidationError``) a backup this program cannot read, or another shop's
    backup unless ``allow_other_shop``."""
    if not found.readable:
        raise ValidationError(
            "backupDir",
            f"this backup was made by a newer version of Viveka POS (data "
            f"version {found.schema_version}); install that version to restore it",
        )
    if found.is_this_shop is False and found.damaged_here and not allow_other_shop:
        raise ValidationError(
            "backupDir",
            f"this backup is of {_label(found.shops[0] if found.shops else None)}"
            ", from other data than this computer holds (whose shop records are damaged and "
            "cannot be read to compare); restoring it would replace that data: confirm to do "
            "it anyway",
        )
    if found.is_this_shop is False and not allow_other_shop:
        raise ValidationError(
            "backupDir",
            f"this backup is of {_label(found.shops[0] if found.shops else None)}, not of "
            f"{_label(found.this_shop)}, the shop on this computer. Restoring it would "
            f"replace all of {_label(found.this_shop)}'s data; confirm to do it anyway",
        )


def restore(
    store: Store,
    folder: str | os.PathLike[str],
    *,
    allow_other_shop: bool = False,
    checked: BackupPreview | None = None,
) -> BackupPreview:
    """Replace this PC's data with the backup in ``folder``; returns what was restored.

    A backup of another shop is refused unless ``allow_other_shop`` (the screen asks first,
    naming both shops). ``checked``: the :func:`preview` of that folder already shown to the
    owner (not read again here; the store checks the backup once more before replacing).
    The store writes a safety copy of the current data before anything is replaced
    (``<data dir>/backups/before-restore-…``), or, when the data here is damaged, copies it
    as it is into ``<data dir>/damaged/before-restore-…`` with a note; data from an older
    version is upgraded as it is opened.
    """
    found = checked if checked is not None else preview(folder, store)
    check_restorable(found, allow_other_shop=allow_other_shop)
    safety = store.data_dir / "backups" / f"before-restore-{utcnow():%Y%m%d-%H%M%S-%f}"
    store.restore(found.folder, safety_copy_dir=safety)
    kept = safety if (safety / MANIFEST).is_file() else damaged_place(store.data_dir, safety.name)
    log.info(
        "restored the backup of %s made %s from %s",
        _label(found.shops[0] if found.shops else None),
        found.created_at.isoformat(),
        found.folder,
    )
    return replace(found, kept_in=kept)
