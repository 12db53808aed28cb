"""How long automatic backups are kept.

Retention is applied to this store's ``auto-…`` folders only; other folders, manual backups
and other stores' backups in the same place are never touched. Days and weeks are those of
the shop's time zone (``clientSettings.timeZone``, default Asia/Kolkata); weeks are ISO
weeks (Monday to Sunday).

* daily: for each of the 7 most recent days that have a good backup, the newest good backup
  of that day is kept (days without backups do not count, so a shop closed for a fortnight
  still has 7);
* weekly: for each of the 4 most recent weeks that have a good backup, the newest good
  backup of that week is kept (often the same folder as a daily one);
* the newest good backup is always kept, whatever its age;
* of the backups that are not good, only the newest is kept (to look at), and only if it is
  newer than the newest good one;
* everything else, and this store's leftover ``.incomplete-…`` folders, is deleted.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from datetime import date, tzinfo
from pathlib import Path

from .on_disk import INCOMPLETE_PREFIX, BackupEntry, find_backups

KEEP_DAILY = 7
KEEP_WEEKLY = 4


def plan_retention(
    entries: Iterable[BackupEntry],
    zone: tzinfo,
    *,
    daily: int = KEEP_DAILY,
    weekly: int = KEEP_WEEKLY,
) -> tuple[list[BackupEntry], list[BackupEntry]]:
    """Split automatic backups of one store into (keep, delete) by the rules in the module
    docstring. Pure: looks only at the entries."""
    ordered = sorted(entries, key=lambda e: e.order, reverse=True)
    good = [e for e in ordered if e.verified is True]
    keep: list[BackupEntry] = []
    days: set[date] = set()
    weeks: set[tuple[int, int]] = set()
    for entry in good:
        local = entry.created_at.astimezone(zone).date()
        week = local.isocalendar()[:2]
        wanted = False
        if local not in days and len(days) < daily:
            days.add(local)
            wanted = True
        if week not in weeks and len(weeks) < weekly:
            weeks.add(week)
            wanted = True
        if wanted or entry is good[0]:
            keep.append(entry)
    bad = [e for e in ordered if e.verified is not True]
    if bad and (not good or bad[0].created_at > good[0].created_at):
        keep.append(bad[0])
    kept = {id(e) for e in keep}
    return keep, [e for e in ordered if id(e) not in kept]


def prune(folder: Path, store_id: str, zone: tzinfo) -> list[Path]:
    """Apply the retention rules to ``folder``; returns the folders deleted."""
    mine = [
        e
        for e in find_backups([folder], store_id=store_id)
        if e.automatic and e.folder.parent == folder
    ]
    _, doomed = plan_retention(mine, zone)
    removed = []
    for entry in doomed:
        shutil.rmtree(entry.folder, ignore_errors=True)
        removed.append(entry.folder)
    try:
        leftovers = [
            p for p in folder.iterdir() if p.name.startswith(f"{INCOMPLETE_PREFIX}{store_id[:12]}-")
        ]
    except OSError:
        leftovers = []
    for path in leftovers:
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed
