"""Barcode scanners that type: tell a scan from a person and send it to item lookup.

A keyboard-wedge scanner "types" the code a few milliseconds per character and presses
Enter. People cannot type four or more characters that fast, so a burst of at least
``min_length`` characters, each within ``max_gap_ms`` of the one before and followed by Enter
within ``enter_gap_ms``, is a scan — wherever the keyboard focus happens to be:

* in a text box (the billing search box, or a box in a dialog): the characters go in as
  typed (so normal typing is never delayed); when the burst turns out to be a scan, the box
  gets back the text it had before the burst, so a scan never lands in a field;
* in any other widget of the billing screen (the cart table, a button): characters are held
  back for a moment; a scan goes to item lookup, slower typing is handed to the search box.

The filter runs on the whole application (installed by the billing screen) because a key
event goes to whichever widget has focus.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

MAX_GAP_MS = 30.0
ENTER_GAP_MS = 60.0
MIN_LENGTH = 4
#: keys that act on the cart when pressed alone, so they are not held back as a burst start
CART_KEYS = frozenset("+-*")


@dataclass
class BurstTracker:
    """The timing rule alone (no Qt): feed it characters and Enter with their times."""

    max_gap_ms: float = MAX_GAP_MS
    enter_gap_ms: float = ENTER_GAP_MS
    min_length: int = MIN_LENGTH
    chars: list[str] = field(default_factory=list)
    last_ms: float = 0.0

    def key(self, char: str, at_ms: float) -> bool:
        """Add a character; True when it starts a new burst (the gap before it was long)."""
        started = not self.chars or at_ms - self.last_ms > self.max_gap_ms
        if started:
            self.chars = []
        self.chars.append(char)
        self.last_ms = at_ms
        return started

    def enter(self, at_ms: float) -> str | None:
        """Enter pressed: the scanned code, or None when the burst was typing. Resets."""
        code = "".join(self.chars)
        fast = bool(self.chars) and at_ms - self.last_ms <= self.enter_gap_ms
        self.reset()
        if fast and len(code) >= self.min_length:
            return code
        return None

    def reset(self) -> None:
        self.chars = []
        self.last_ms = 0.0


def _is_enter(event: QKeyEvent) -> bool:
    return event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def _printable(event: QKeyEvent) -> str:
    text = event.text()
    if len(text) != 1 or not text.isprintable() or text.isspace():
        return ""
    modifiers = event.modifiers() & ~(Qt.KeyboardModifier.ShiftModifier
                                      | Qt.KeyboardModifier.KeypadModifier)
    return "" if modifiers else text


class ScannerFilter(QObject):
    """Application event filter that routes scans to ``on_scan(code)``.

    ``home`` is the billing screen: the filter acts only while it is visible. ``search`` is
    its search box. Scans made while a dialog is in front are taken out of the dialog's
    field and reported to ``on_blocked(code)`` instead of being added.
    """

    def __init__(self, home: QWidget, search: QLineEdit, on_scan: Callable[[str], None],
                 on_blocked: Callable[[str], None], *, tracker: BurstTracker | None = None):
        super().__init__(home)
        self._home = home
        self._search = search
        self._on_scan = on_scan
        self._on_blocked = on_blocked
        self.tracker = tracker or BurstTracker()
        self._held: list[str] = []
        self._snapshot: tuple[QLineEdit, str, int] | None = None
        self._last: tuple[int, str, float, QObject] | None = None
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.timeout.connect(self.flush_held)

    # ---------------------------------------------------------------- install
    def install(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def uninstall(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    # ------------------------------------------------------------------ logic
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        if not isinstance(watched, QWidget) or not self._home.isVisible():
            # A key from the window system reaches the window (a QWindow) first, then the
            # widget with focus: count it once, at the widget.
            return False
        now = self._time_ms(event)
        if self._is_echo(watched, event, now):
            return False
        if event.isAutoRepeat():
            self.tracker.reset()
            return False
        if _is_enter(event):
            return self._enter(watched, now)
        char = _printable(event)
        if not char:
            if event.key() not in (Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt):
                self.tracker.reset()
                self.flush_held()
            return False
        return self._character(watched, char, now)

    def _character(self, watched: QObject, char: str, now: float) -> bool:
        if isinstance(watched, QLineEdit):
            if self.tracker.key(char, now):
                self._snapshot = (watched, watched.text(), watched.cursorPosition())
            return False  # typed as usual; taken back if this turns out to be a scan
        if not self._in_billing(watched):
            self.tracker.key(char, now)
            return False
        if not self._held and char in CART_KEYS:
            self.tracker.reset()
            return False  # a cart key (+, -, *) pressed on its own
        if self.tracker.key(char, now):
            self.flush_held()
        self._held.append(char)
        self._flush_timer.start(int(self.tracker.max_gap_ms * 2))
        return True

    def _enter(self, watched: QObject, now: float) -> bool:
        code = self.tracker.enter(now)
        snapshot, self._snapshot = self._snapshot, None
        held, self._held = self._held, []
        self._flush_timer.stop()
        if code is None:
            if held:
                self._type_into_search("".join(held))
                return True  # typed slowly into the cart: search, then Enter adds
            return False
        if snapshot is not None and snapshot[0] is watched:
            edit, text, cursor = snapshot
            edit.setText(text)
            edit.setCursorPosition(cursor)
        if self._in_billing(watched):
            self._on_scan(code)
        else:
            self._on_blocked(code)
        return True

    def flush_held(self) -> None:
        """Characters held back that were typed by a person: hand them to the search box."""
        self._flush_timer.stop()
        held, self._held = self._held, []
        if held:
            self._type_into_search("".join(held))

    def _type_into_search(self, text: str) -> None:
        self._search.setFocus(Qt.FocusReason.OtherFocusReason)
        self._search.insert(text)

    def _in_billing(self, watched: QObject) -> bool:
        """True when the event is for the billing screen and no dialog is in front of it."""
        if not isinstance(watched, QWidget):
            return False
        if QApplication.activeModalWidget() is not None:
            return False
        return watched is self._home or self._home.isAncestorOf(watched)

    def _is_echo(self, watched: QObject, event: QKeyEvent, now: float) -> bool:
        """The same key event again, passed up to a parent because the child ignored it."""
        last = self._last
        self._last = (event.key(), event.text(), now, watched)
        if last is None:
            return False
        key, text, at, receiver = last
        return (key == event.key() and text == event.text() and now - at < 1.0
                and isinstance(watched, QWidget) and isinstance(receiver, QWidget)
                and watched is not receiver and watched.isAncestorOf(receiver))

    @staticmethod
    def _time_ms(event: QKeyEvent) -> float:
        # Window-system timestamps say when the key was pressed, even if the UI thread was
        # busy; synthetic events (tests, remote tools) have none.
        stamp = event.timestamp()
        return float(stamp) if stamp else time.monotonic() * 1000.0
