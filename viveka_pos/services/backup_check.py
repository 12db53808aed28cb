"""Checking the invoice hash chains inside a backup copy, without slowing the counter down.

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
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bson

from ..store.backup import BACKUP_DB
from ..store.schema import DATABASE_NAME
from .chains import chain_problems, count_chained

log = logging.getLogger("viveka_pos.backups")

CHILD_THRESHOLD = 5000
"""Copies with at least this many invoices are checked in a separate process."""
CHILD_TIMEOUT = 3600.0


def _invoices_in(db_file: Path) -> Iterator[dict[str, Any]]:
    conn = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
    try:
        cursor = conn.execute("SELECT body FROM docs WHERE coll = ?",
                              (f"{DATABASE_NAME}.invoices",))
        # Small batches: decoding holds the interpreter lock for the whole batch.
        while rows := cursor.fetchmany(200):
            yield from bson.decode_all(b"".join(row[0] for row in rows))
    finally:
        conn.close()


def verify_copy(folder: Path) -> tuple[list[str], int]:
    """(problems, invoices checked) for every hash chain of the backup in ``folder``, here.

    An empty problem list means every chain is intact.
    """
    # Invoices hold no reference cycles: pausing the cyclic GC spares repeated scans of the
    # many objects decoded here (each scan stops every thread).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        invoices = list(_invoices_in(folder / BACKUP_DB))
        return chain_problems(invoices), count_chained(invoices)
    except (sqlite3.Error, bson.errors.BSONError) as exc:
        return [f"the invoices in the backup could not be read ({exc})"], 0
    finally:
        if gc_was_enabled:
            gc.enable()


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
    command = [*self_command(), "verify-backup", str(folder), "--chains-only",
               "--result", str(result)]
    options: dict[str, Any] = {}
    if os.name == "nt":
        options["creationflags"] = 0x00004000 | 0x08000000  # below normal; no window
    try:
        done = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, timeout=timeout, check=False, **options)
        answer = json.loads(result.read_text(encoding="utf-8") or "null")
        if done.returncode in (0, 3) and isinstance(answer, dict) and \
                isinstance(answer.get("problems"), list):
            return [str(p) for p in answer["problems"]]
        log.warning("the chain check process gave no answer (exit %s): %s", done.returncode,
                    done.stderr.decode(errors="replace")[-500:])
    except (OSError, ValueError, subprocess.SubprocessError) as exc:
        log.warning("the chain check process could not run (%s); checking here", exc)
    finally:
        result.unlink(missing_ok=True)
    return None


def check_chains(folder: Path, invoices: int, *, child_threshold: int | None = None,
                 timeout: float = CHILD_TIMEOUT) -> list[str]:
    """Problems in the invoice hash chains of the backup copy in ``folder`` ([] if intact).

    ``child_threshold`` defaults to :data:`CHILD_THRESHOLD` (read at each call).
    """
    threshold = CHILD_THRESHOLD if child_threshold is None else child_threshold
    if invoices >= threshold:
        found = _in_child(folder, timeout)
        if found is not None:
            return found
    return verify_copy(folder)[0]


def write_result(path: Path, problems: list[str], invoices: int) -> None:
    """The answer of ``verify-backup --result``: read by :func:`_in_child`."""
    path.write_text(json.dumps({"problems": problems, "invoices": invoices}),
                    encoding="utf-8")
