"""Checking the hash chains inside a backup copy (invoices and credit notes, each in their
own series), without slowing the counter down.

Re-hashing every invoice is pure Python: about 0.3 ms per invoice here, a minute for the
200,000 invoices of a large shop. Done on a thread of the running app it competes for the
interpreter lock with billing (measured on that data set while a backup was checked: saves
of a bill waited up to 4 s). So large copies are checked by a separate, lower-priority
process — this same program run as ``viveka-pos verify-backup DIR --chains-only --result
FILE`` — and only small ones (where it takes a fraction of a second) on the calling thread.
If the separate process cannot be started or gives no answer, the check runs here instead.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...domain.hashchain import CREDIT_NOTES, INVOICES, ChainKind
from ...store import StoreCorruptError
from ...store.backup_file import backup_documents
from ..chains import chain_report

log = logging.getLogger("viveka_pos.backups")

CHILD_THRESHOLD = 5000
"""Copies with at least this many invoices and credit notes are checked in a separate
process."""
CHILD_TIMEOUT = 3600.0


CHAINED = (("invoices", INVOICES), ("creditnotes", CREDIT_NOTES))
"""The collections whose documents are hash-chained, each with its kind of chain."""


@dataclass(frozen=True)
class ChainCheck:
    """What checking a copy's chains found: problems (none: every chain intact) and how many
    documents of each kind belong to a chain."""

    problems: list[str] = field(default_factory=list)
    invoices: int = 0
    credit_notes: int = 0

    @property
    def summary(self) -> str:
        notes = f", {self.credit_notes} credit notes" if self.credit_notes else ""
        return f"{self.invoices} invoices{notes}"


def _check_kind(folder: Path, collection: str, kind: ChainKind) -> tuple[list[str], int]:
    try:
        return chain_report(backup_documents(folder, collection), kind)
    except StoreCorruptError as exc:
        return [f"the {kind.noun}s in the backup could not be read ({exc.__cause__ or exc})"], 0


def verify_copy(folder: Path) -> ChainCheck:
    """Every hash chain of the backup in ``folder`` (invoices, credit notes), checked here."""
    # Invoices hold no reference cycles: pausing the cyclic GC spares repeated scans of the
    # many objects decoded here (each scan stops every thread).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        found = [_check_kind(folder, collection, kind) for collection, kind in CHAINED]
    finally:
        if gc_was_enabled:
            gc.enable()
    (invoice_problems, invoices), (note_problems, notes) = found
    return ChainCheck(invoice_problems + note_problems, invoices, notes)


def self_command() -> list[str]:
    """How to start this program again (the packaged executable, or Python)."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "viveka_pos"]


def _in_child(folder: Path, timeout: float) -> list[str] | None:
    """The problems found by a separate process, or None if it gave no usable answer."""
    # Inside the folder being checked: if everything is killed, it goes with that folder.
    result = folder / ".chains-result.json"
    result.unlink(missing_ok=True)
    command = [
        *self_command(),
        "verify-backup",
        str(folder),
        "--chains-only",
        "--result",
        str(result),
    ]
    options: dict[str, Any] = {}
    if os.name == "nt":
        options["creationflags"] = 0x00004000 | 0x08000000  # below normal; no window
    try:
        done = subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=timeout,
            check=False,
            **options,
        )
        answer = json.loads(result.read_text(encoding="utf-8") or "null")
        if (
            done.returncode in (0, 3)
            and isinstance(answer, dict)
            and isinstance(answer.get("problems"), list)
        ):
            return [str(p) for p in answer["problems"]]
        log.warning(
            "the chain check process gave no answer (exit %s): %s",
            done.returncode,
            done.stderr.decode(errors="replace")[-500:],
        )
    except (OSError, ValueError, subprocess.SubprocessError) as exc:
        log.warning("the chain check process could not run (%s); checking here", exc)
    finally:
        result.unlink(missing_ok=True)
    return None


def check_chains(
    folder: Path,
    chained: int,
    *,
    child_threshold: int | None = None,
    timeout: float = CHILD_TIMEOUT,
) -> list[str]:
    """Problems in the hash chains (invoices, credit notes) of the backup copy in ``folder``
    ([] if intact); ``chained``: how many invoices and credit notes it holds.

    ``child_threshold`` defaults to :data:`CHILD_THRESHOLD` (read at each call).
    """
    threshold = CHILD_THRESHOLD if child_threshold is None else child_threshold
    if chained >= threshold:
        found = _in_child(folder, timeout)
        if found is not None:
            return found
    return verify_copy(folder).problems


def write_result(path: Path, check: ChainCheck) -> None:
    """The answer of ``verify-backup --result``: read by :func:`_in_child`."""
    path.write_text(
        json.dumps(
            {
                "problems": check.problems,
                "invoices": check.invoices,
                "creditNotes": check.credit_notes,
            }
        ),
        encoding="utf-8",
    )
