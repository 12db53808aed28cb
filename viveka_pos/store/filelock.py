"""One process per data directory, enforced with an OS file lock from the ``filelock`` library.

The lock is ``flock`` on POSIX and ``LockFileEx`` on Windows, both tied to an open handle,
so the operating system releases it when the process ends for any reason (including a crash
or SIGKILL): a stale lock never blocks the shop the next morning.

The lock file also says which process holds the folder, so a refused second start can name
it. On Windows the library locks byte 0 of the file, and a Windows byte-range lock is
mandatory (no other process can read that byte), so the process id is written after it:
the file holds one newline, then the id.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from filelock import FileLock, Timeout

from .errors import StoreLockedError

LOCK_NAME = "viveka.lock"
_HOLDER_OFFSET = 1  # past the byte the Windows lock makes unreadable to others
_UNWRITABLE = frozenset({errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOSPC})


class DataDirLock:
    """The lock on one data folder, taken by :meth:`acquire` and given back by :meth:`release`."""

    def __init__(self, data_dir: Path):
        self.path = data_dir / LOCK_NAME
        self._lock = FileLock(
            self.path,
            timeout=0,  # a second program is refused at once, it never waits
            mode=0o600,
            thread_local=False,  # the store may be closed from another thread than opened it
            fallback_to_soft=False,  # a marker-file lock would outlive a crash
            preserve_lock_file=True,  # the file stays, as on POSIX, so it never changes name
            on_acquired=_write_holder,
        )

    def acquire(self, *, required: bool = True) -> None:
        """Take the lock, or raise :class:`StoreLockedError`.

        ``required=False`` (a store opened only to read): a folder where the lock file
        cannot be written (read-only, full) is read without it, since no one can write
        there either.
        """
        try:
            self._lock.acquire()
        except Timeout:
            holder = _read_holder(self.path)
            who = f" (process {holder})" if holder else ""
            raise StoreLockedError(
                f"Viveka POS is already running on the data folder {self.path.parent}{who}. "
                "Close the other window first, or start with a different --data-dir."
            ) from None
        except OSError as exc:
            if required or exc.errno not in _UNWRITABLE:
                raise

    def release(self) -> None:
        if self._lock.is_locked:
            self._lock.release(force=True)

    @property
    def held(self) -> bool:
        return self._lock.is_locked


def _write_holder(handle: int) -> None:
    """Record this process's id in the lock file: nice to have for the message, never needed."""
    record = b"\n" + str(os.getpid()).encode()
    try:
        os.lseek(handle, 0, os.SEEK_SET)
        os.write(handle, record)
        os.ftruncate(handle, len(record))
        os.fsync(handle)
    except OSError:
        pass


def _read_holder(path: Path) -> str:
    try:
        with path.open("rb", buffering=0) as handle:
            handle.seek(_HOLDER_OFFSET)
            return handle.read(32).decode(errors="replace").strip()
    except OSError:
        return ""
