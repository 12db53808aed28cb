"""Make the command's output able to carry ₹ and Indian-language names on every platform.

On Windows, Python writes to a console window through its Unicode API, but when the output
is piped or redirected to a file it encodes with the ANSI code page (cp1252 on most shop
PCs), which has no ₹ and no Devanagari: printing a report then stopped with
UnicodeEncodeError. Redirected output is written as UTF-8 instead (what a CSV, JSON or text
reader on Windows takes today); a terminal that still reports a legacy code page gets a
``?`` for what it cannot show rather than a crash. PYTHONIOENCODING, when set, is the user's
choice and is left alone.
"""

from __future__ import annotations

import codecs
import io
import os
import sys

UNICODE_CODECS = frozenset({"utf-8", "utf-16", "utf-32", "utf-8-sig"})


def _unicode_capable(encoding: str | None) -> bool:
    if not encoding:
        return False
    try:
        return codecs.lookup(encoding).name in UNICODE_CODECS
    except LookupError:
        return False


def prepare_stream(stream: object) -> None:
    """Re-configure one text stream (stdout or stderr) so any text can be written to it."""
    if not isinstance(stream, io.TextIOWrapper) or _unicode_capable(stream.encoding):
        return
    try:
        interactive = stream.isatty()
    except ValueError:  # closed
        return
    stream.flush()
    if interactive:
        stream.reconfigure(errors="replace")
    else:
        stream.reconfigure(encoding="utf-8")


def prepare_standard_streams() -> None:
    if os.environ.get("PYTHONIOENCODING"):
        return
    prepare_stream(sys.stdout)
    prepare_stream(sys.stderr)
