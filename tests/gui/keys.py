"""Key events stamped as the window system stamps them, so a test says when each key came.

The scanner filter tells a scan from typing by the keys' timestamps; events sent by
``QTest.keyClicks`` carry none, so it would fall back to the wall clock and a busy machine
could turn a test's scan into typing, or typing into a scan. Keys sent here carry their own
times: the answer never depends on how fast the test runs.
"""

from __future__ import annotations

import itertools

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

Key = Qt.Key
_CLOCK = itertools.count(1_000_000, 1_000)  # each call's keys start a second after the last

SCANNER_GAP_MS = 1.0  # a keyboard-wedge scanner in its usual mode
PERSON_GAP_MS = 120.0  # a quick typist


def send_keys(widget: QWidget, text: str, gap_ms: float, *, enter: bool = True) -> None:
    """Press and release each key of ``text`` on ``widget``, ``gap_ms`` apart, as the X11
    platform reports them: window-system time stamps, and a key equal to the one before (in
    the same millisecond) flagged as auto-repeat. ``enter``: an Enter follows."""
    at = float(next(_CLOCK))
    previous = ""
    for char in text:
        repeat = char == previous
        at += 0.0 if repeat and gap_ms <= 1 else gap_ms
        key = Qt.Key(ord(char.upper())) if char.isalnum() else Qt.Key(ord(char))
        modifiers = (
            Qt.KeyboardModifier.ShiftModifier if char.isupper() else Qt.KeyboardModifier.NoModifier
        )
        _send(widget, QEvent.Type.KeyPress, key, modifiers, char, at, repeat)
        _send(widget, QEvent.Type.KeyRelease, key, modifiers, char, at, repeat)
        previous = char
    if enter:
        at += gap_ms if gap_ms > 1 else 3
        _send(
            widget,
            QEvent.Type.KeyPress,
            Key.Key_Return,
            Qt.KeyboardModifier.NoModifier,
            "\r",
            at,
            False,
        )
        _send(
            widget,
            QEvent.Type.KeyRelease,
            Key.Key_Return,
            Qt.KeyboardModifier.NoModifier,
            "\r",
            at,
            False,
        )
    QApplication.processEvents()


def _send(
    widget: QWidget,
    kind: QEvent.Type,
    key: Qt.Key,
    modifiers: Qt.KeyboardModifier,
    text: str,
    at: float,
    repeat: bool,
) -> None:
    event = QKeyEvent(kind, key, modifiers, text, repeat)
    event.setTimestamp(int(at))
    QApplication.sendEvent(widget, event)
