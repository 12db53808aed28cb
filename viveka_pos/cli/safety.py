"""Data safety commands: ``doctor`` (is the data safe?) and ``backups`` (list, or take one)."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..config import resolve_data_dir
from ..services import backups, consistency
from ..services.backups import recovery, verify_copy, write_result
from ..services.health import Check, HealthReport, check_health
from ..store import StoreCorruptError, StoreError
from ..store.backup_file import read_backup
from .common import CommandError, opened_store, print_json, run_command


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "doctor", help="check the data: integrity, invoice chain, backups, disk space"
    )
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument(
        "--rebuild",
        action="store_true",
        help="first file every document again (indexes, report ledgers, item search) and "
        "set stock and balances again from their movements and payments",
    )
    p.set_defaults(func=cmd_doctor)

    p = subparsers.add_parser("backups", help="list this computer's backups (or take one now)")
    p.add_argument(
        "--now",
        action="store_true",
        help="take an automatic backup now (verified, old ones pruned)",
    )
    p.add_argument("--json", action="store_true", help="print the list as JSON")
    p.set_defaults(func=cmd_backups)

    p = subparsers.add_parser(
        "verify-backup", help="check a backup folder: checksum, integrity, invoice chains"
    )
    p.add_argument("dir")
    p.add_argument(
        "--chains-only",
        action="store_true",
        help="check only the invoice hash chains (the copy was checked already)",
    )
    p.add_argument(
        "--result",
        metavar="FILE",
        help="also write the result as JSON to FILE (used by automatic backups)",
    )
    p.set_defaults(func=cmd_verify_backup)


RESTORE_HELPS = ("integrity", "chain")
"""Checks whose failure a backup puts right (the others: free space, make a backup...);
and an open that failed because the data is damaged or missing."""


@dataclass(frozen=True, slots=True)
class RestoreAdvice:
    """The newest good backup of a data folder and the command that restores it."""

    folder: str
    created_at: str
    invoices: int
    command: str

    def as_json(self) -> dict[str, Any]:
        return {
            "folder": self.folder,
            "createdAt": self.created_at,
            "invoices": self.invoices,
            "command": self.command,
        }


def restore_advice(folder: Path) -> RestoreAdvice | None:
    """The newest good backup of the data in ``folder`` and the command that restores it
    (None when no backup is known)."""
    found = recovery.newest_restorable(folder, recovery.candidates(folder))
    if found is None:
        return None
    return RestoreAdvice(
        folder=str(found.folder),
        created_at=found.created_at.isoformat(),
        invoices=found.counts.get("invoices", 0),
        command=f"viveka-pos --data-dir {_quoted(folder)} restore {_quoted(found.folder)}",
    )


def _quoted(path: Path) -> str:
    text = str(path)
    return f'"{text}"' if any(ch.isspace() or ch in "\"'&|;<>()$`" for ch in text) else text


def cmd_doctor(args: argparse.Namespace) -> int:
    folder = resolve_data_dir(args.data_dir)
    restore_helps = False
    rederived: int | None = None
    unchanged: list[consistency.Disagreement] | None = None
    try:
        with opened_store(args, read_only=not args.rebuild) as store:
            if args.rebuild:
                filed = store.rebuild_derived()
                found = consistency.disagreements(store)
                rederived = consistency.repair(store, found)
                if not args.json:
                    print(
                        f"{'ok':<5} {'Rebuild':<20} filed {sum(filed.values())} documents "
                        "again (indexes, report ledgers, item search)"
                    )
                    if found:
                        print(
                            f"{'ok':<5} {'Re-derive':<20} {rederived} stock(s) and balance(s) "
                            "set again from their movements and payments"
                            + consistency.left_by_hand(found)
                        )
                if not rederived:  # nothing written since the scan: what it found stands
                    unchanged = found
            report = check_health(store, derived=unchanged)
    except (StoreError, CommandError) as exc:
        # The worst finding of all: say it the same way as the other checks.
        report = HealthReport([Check("open", "Open the data", False, str(exc))])
        restore_helps = isinstance(exc, StoreCorruptError)  # not: in use, read-only, full
    restore_helps = restore_helps or any(c.name in RESTORE_HELPS for c in report.problems)
    advice = restore_advice(folder) if restore_helps else None
    if args.json:
        print_json(
            {
                **report.as_dict(),
                "rederived": rederived,
                "restore": advice.as_json() if advice else None,
            }
        )
        return 0 if report.ok else 1
    for check in report.checks:
        print(f"{'ok' if check.ok else 'FAIL':<5} {check.title:<20} {check.detail}")
    if advice is not None:
        print(
            f"      newest good backup: {advice.folder} ({advice.created_at[:16]} "
            f"UTC, {advice.invoices} invoices)"
        )
        print(f"      restore it with: {advice.command}")
    elif restore_helps:
        print(
            "      no backup of this data was found on this computer: look for one on a "
            "pen drive, then run: viveka-pos restore FOLDER"
        )
    if not report.ok:
        print(f"{len(report.problems)} problem(s) found", file=sys.stderr)
    return 0 if report.ok else 1


def _age(moment: datetime) -> str:
    hours = (datetime.now(UTC) - moment).total_seconds() / 3600
    return f"{hours:.1f} h ago" if hours < 48 else f"{hours / 24:.1f} days ago"


def cmd_backups(args: argparse.Namespace) -> int:
    def body() -> int:
        with opened_store(args, read_only=True) as store:
            if args.now:
                outcome = backups.AutoBackup(store).run()
                if not outcome.ok:
                    print(f"error: the backup failed: {outcome.error}", file=sys.stderr)
                    return 1
                assert outcome.entry is not None
                print(
                    f"backup written to {outcome.entry.folder} in {outcome.seconds:.1f} s "
                    f"({outcome.entry.total} documents, verified)"
                )
            folders = [backups.backup_dir(store), *backups.known_backup_dirs(store.data_dir)]
            entries = backups.find_backups(folders, store_id=store.store_id)
        if args.json:
            print_json([backups.as_dict(entry) for entry in entries])
            return 0
        if not entries:
            print("no backups of this data yet")
        for entry in entries:
            state = {True: "good", False: "BAD", None: "unchecked"}[entry.verified]
            print(
                f"{entry.created_at.strftime('%Y-%m-%d %H:%M')} UTC  {_age(entry.created_at):>14}"
                f"  {state:<9} {entry.counts.get('invoices', 0):>7} invoices  {entry.folder}"
            )
        return 0

    return run_command(body)


CHAIN_PROBLEMS = 3
"""Exit status of ``verify-backup`` when the copy is sound but an invoice chain is not."""


def cmd_verify_backup(args: argparse.Namespace) -> int:
    def body() -> int:
        folder = Path(args.dir)
        if args.result and hasattr(os, "nice"):
            os.nice(10)  # a helper of the running app: let billing have the CPU first
        if not args.chains_only:
            manifest = read_backup(folder)
            print(
                f"backup of {manifest.created_at}: checksum, integrity and counts ok "
                f"({manifest.total_documents} documents)"
            )
        check = verify_copy(folder)
        if args.result:
            write_result(Path(args.result), check)
        for problem in check.problems:
            print(problem)
        if check.problems:
            print(f"{len(check.problems)} problem(s) in the hash chains", file=sys.stderr)
            return CHAIN_PROBLEMS
        print(f"hash chains intact ({check.summary})")
        return 0

    return run_command(body)
