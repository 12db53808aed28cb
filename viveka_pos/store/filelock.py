"""One process per data directory, enforced with an OS file lock.

The lock is tied to an open file handle, so the operating system releases it when the
process ends for any reason (including a crash or SIGKILL): a stale lock never blocks the
shop the next morning.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from .errors import StoreLockedError

LOCK_NAME = "viveka.lock"
_UNWRITABLE = frozenset({errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOSPC})


class DataDirLock:
    def __init__(self, data_dir: Path):
        self.path = data_dir / LOCK_NAME
        self._handle: int | None = None

    def acquire(self, *, required: bool = True) -> None:
        """Take the lock, or raise :class:`StoreLockedError`.

        ``required=False`` (a store opened only to read): a folder where the lock file
        cannot be written (read-only, full) is read without it, since no one can write
        there either.
        """
        try:
            handle = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            if required or exc.errno not in _UNWRITABLE:
                raise
            return
        try:
            _lock_exclusive(handle)
        except OSError:
            holder = _read_holder(handle)
            os.close(handle)
            who = f" (process {holder})" if holder else ""
            raise StoreLockedError(
                f"Viveka POS is already running on the data folder {self.path.parent}{who}. "
                "Close the other window first, or start with a different --data-dir."
            ) from None
        self._handle = handle
        try:  # who holds it, for the message above: nice to have, never needed
            os.ftruncate(handle, 0)
            os.lseek(handle, 0, os.SEEK_SET)  # the lock call may have moved the position
            os.write(handle, str(os.getpid()).encode())
            os.fsync(handle)
        except OSError:
            pass

    def release(self) -> None:
        if self._handle is None:
            return
        try:
            _unlock(self._handle)
        finally:
            os.close(self._handle)
            self._handle = None

    @property
    def held(self) -> bool:
        return self._handle is not None


def _read_holder(handle: int) -> str:
    try:
        os.lseek(handle, 0, os.SEEK_SET)
        return os.read(handle, 32).decode(errors="replace").strip()
    except OSError:
        return ""


if os.name == "nt":  # pragma: no cover - exercised by the Windows lane
    import msvcrt

    # Windows byte-range locks are mandatory: other processes cannot read locked bytes. The
    # lock is therefore taken on a byte past the process id written at the start of the
    # file, so a refused second start can still say which process holds the folder.
    _LOCKED_BYTE = 4096

    def _lock_exclusive(handle: int) -> None:
        os.lseek(handle, _LOCKED_BYTE, os.SEEK_SET)
        msvcrt.locking(handle, msvcrt.LK_NBLCK, 1)

    def _unlock(handle: int) -> None:
        os.lseek(handle, _LOCKED_BYTE, os.SEEK_SET)
        msvcrt.locking(handle, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock_exclusive(handle: int) -> None:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(handle: int) -> None:
        fcntl.flock(handle, fcntl.LOCK_UN)
