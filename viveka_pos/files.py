"""Writing a file the user named (an export, a PDF): whole or not at all, through a link.

* Atomic: the contents go to a temporary file beside the target, flushed to the disk, then
  renamed over it, so a crash or a full disk never leaves half a file (nor destroys the old
  one).
* A symbolic link is written through, never replaced: the file it points to gets the new
  contents and the link stays a link (it may point to a shared or synced folder).
* Every path problem is one :class:`OutputFileError` naming the path: a folder given
  instead of a file, a missing folder, a name too long, a read-only or full disk.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


class OutputFileError(OSError):
    """A file could not be written; ``str()`` is one line naming the path and the cause.

    An ``OSError``, so code that already handles file errors handles this one too.
    """

    def __init__(self, message: str, path: str | os.PathLike[str]) -> None:
        super().__init__(message)
        self.message = message
        self.filename = str(path)

    def __str__(self) -> str:
        return self.message


_REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EROFS: "the drive is write-protected",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENAMETOOLONG: "the name is too long",
    errno.ENOTDIR: "part of the path is a file, not a folder",
    errno.EISDIR: "it is a folder",
    errno.ENOENT: "no such folder",
}


def reason(exc: OSError) -> str:
    """A short cause for an ``OSError``, in words."""
    return _REASONS.get(exc.errno or 0, exc.strerror or str(exc))


def destination(path: str | os.PathLike[str], *, example: str = "") -> Path:
    """The file that writing to ``path`` will replace (the target of a link), after checking
    that it can be a file: raises :class:`OutputFileError` otherwise. ``example`` is a file
    name to suggest when ``path`` is a folder."""
    text = os.fspath(path)
    if not str(text).strip():
        raise OutputFileError("No file name was given.", text)
    given = Path(text)
    try:
        final = Path(os.path.realpath(given)) if given.is_symlink() else given
        if final.is_dir():
            hint = (
                f": give a file name, e.g. {given / example}" if example else ": give a file name"
            )
            raise OutputFileError(f"{given} is a folder{hint}.", given)
        parent = final.parent
        if not parent.is_dir():
            what = "is not a folder" if parent.exists() else "no such folder"
            raise OutputFileError(f"{parent}: {what}; nothing was written.", parent)
    except OSError as exc:
        if isinstance(exc, OutputFileError):
            raise
        raise OutputFileError(f"{given} cannot be written ({reason(exc)}).", given) from None
    return final


def write_file(
    path: str | os.PathLike[str], contents: bytes | Callable[[BinaryIO], None], *, example: str = ""
) -> Path:
    """Write ``contents`` (bytes, or a function writing to a binary file) to ``path`` as
    described in the module docstring; returns the file written (the link's target for a
    link). Raises :class:`OutputFileError`; the old file, if any, is then unchanged."""
    final = destination(path, example=example)
    try:
        mode = stat.S_IMODE(final.stat().st_mode)
    except OSError:
        mode = 0o644  # a new file: readable by all, as a plain save would make it
    temporary = ""
    try:
        handle, temporary = tempfile.mkstemp(prefix=".viveka-", suffix=".part", dir=final.parent)
        with os.fdopen(handle, "wb") as file:
            if isinstance(contents, bytes):
                file.write(contents)
            else:
                contents(file)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, mode)
        try:
            os.replace(temporary, final)
        except PermissionError as exc:
            # Windows refuses to replace a file another program has open (a PDF viewer
            # showing the previous copy); elsewhere this is a read-only file or folder.
            Path(temporary).unlink(missing_ok=True)
            raise OutputFileError(
                f"{final} could not be replaced: it may be open in another program (close "
                "it there) or read-only; or save under another name. Nothing was written.",
                final,
            ) from exc
    except OutputFileError:
        raise
    except OSError as exc:
        if temporary:
            Path(temporary).unlink(missing_ok=True)
        raise OutputFileError(
            f"{final} cannot be written ({reason(exc)}); nothing was written.", final
        ) from exc
    except BaseException:
        if temporary:
            Path(temporary).unlink(missing_ok=True)
        raise
    return final
