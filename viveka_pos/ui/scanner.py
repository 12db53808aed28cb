"""Barcode scanners that type: tell a scan from a person and send the code where it belongs.

A keyboard-wedge scanner "types" the code one to a few milliseconds per character and
presses Enter. A burst is the run of characters each within ``max_gap_ms`` of the one
before; it is a scan when Enter follows within ``enter_gap_ms``, it has at least
``min_length`` characters and its *median* gap is at most ``scan_gap_ms`` (5 ms). The median
keeps a few late characters (a busy PC, a scanner's hiccup) from hiding a scan, and it keeps
typing from being taken for one even when it is far faster than any person: keys sent by a
tool at a "12 ms" rhythm arrive 6-11 ms apart and are still typing. Scanners in their usual
keyboard mode send a key every 1-3 ms; one set to a slower "inter-character delay" would not
be recognised (its code then arrives as typing: in the billing search box Enter still finds
the item by its code).

Timing comes from the window system's timestamps, which say when each key was pressed even
when the screen was busy. The auto-repeat flag is ignored: on X11, Qt marks the second of two
identical keys sent in the same millisecond ("00" in 8901002) as an auto-repeat, yet it is a
key of the code. (A key held down by a person repeats every 30-40 ms, too slow for a scan.)

Where the keys go while the burst arrives:

* in a text box the characters go in as typed, so typing is never delayed; when the burst
  turns out to be a scan, the box gets back the text it had before the burst (what the
  cashier typed stays as it was, never merged with the code) and the Enter is eaten;
* in any other widget of the billing screen (the cart table, a button) the characters are
  held back for a moment: a scan goes to item lookup, slower typing goes to the search box.

Where a scan goes (see :meth:`ScannerFilter.destination`):

1. a field marked with :func:`mark_scan_field` (an item's code, Inventory's filter) that has
   the focus, or else the first visible one in the window or dialog in front: the field is
   set to exactly the code, and the Enter does not submit the dialog;
2. the billing screen, when it is in front: the item is added;
3. a dialog in front of the billing screen: the code is kept and the item added once the
   dialog closes (a notice beside the field says so), so a scan is never lost nor typed into
   a dialog's field, and its Enter never confirms the dialog;
4. anywhere else (another screen, or its dialogs, with no code field) the scanner is left to
   type like a keyboard.

The filter watches the whole application (installed by the billing screen) because a key goes
to whichever widget has focus.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QPlainTextEdit, QTextEdit, QToolTip, QWidget

MAX_GAP_MS = 30.0
SCAN_GAP_MS = 5.0
ENTER_GAP_MS = 60.0
MIN_LENGTH = 4
#: keys that act on the cart when pressed alone, so they are not held back as a burst start
CART_KEYS = frozenset("+-*")
#: dynamic property that marks a text box as the place for scanned codes
SCAN_FIELD = "vivekaScanField"
#: how often codes scanned behind a dialog are checked for delivery
PENDING_POLL_MS = 50


@dataclass
class BurstTracker:
    """The timing rule alone (no Qt): feed it characters and Enter with their times."""

    max_gap_ms: float = MAX_GAP_MS
    scan_gap_ms: float = SCAN_GAP_MS
    enter_gap_ms: float = ENTER_GAP_MS
    min_length: int = MIN_LENGTH
    chars: list[str] = field(default_factory=list)
    times: list[float] = field(default_factory=list)

    def key(self, char: str, at_ms: float) -> bool:
        """Add a character; True when it starts a new burst (the gap before it was long).

        A time earlier than the last one (clocks of two sources mixed) also starts afresh.
        """
        gap = at_ms - self.times[-1] if self.times else None
        started = gap is None or gap < 0 or gap > self.max_gap_ms
        if started:
            self.reset()
        self.chars.append(char)
        self.times.append(at_ms)
        return started

    def enter(self, at_ms: float) -> str | None:
        """Enter pressed: the scanned code, or None when the burst was typing. Resets."""
        code = self.scan_at(at_ms)
        self.reset()
        return code

    def scan_at(self, at_ms: float) -> str | None:
        """The code an Enter at ``at_ms`` would end, without ending the burst."""
        code = "".join(self.chars)
        scanned = (
            len(code) >= self.min_length
            and 0 <= at_ms - self.times[-1] <= self.enter_gap_ms
            and self.typical_gap() <= self.scan_gap_ms
        )
        return code if scanned else None

    def typical_gap(self) -> float:
        """The median pause between the burst's characters (0 for fewer than two)."""
        gaps = [b - a for a, b in zip(self.times, self.times[1:], strict=False)]
        return statistics.median(gaps) if gaps else 0.0

    def reset(self) -> None:
        self.chars = []
        self.times = []


def mark_scan_field(edit: QLineEdit) -> QLineEdit:
    """Make ``edit`` the place where a scan in its window lands (as the code, alone)."""
    edit.setProperty(SCAN_FIELD, True)
    return edit


def is_scan_field(widget: QObject | None) -> bool:
    return isinstance(widget, QLineEdit) and bool(widget.property(SCAN_FIELD))


def _is_enter(event: QKeyEvent) -> bool:
    return event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def _printable(event: QKeyEvent) -> str:
    text = event.text()
    if len(text) != 1 or not text.isprintable() or text.isspace():
        return ""
    modifiers = event.modifiers() & ~(
        Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier
    )
    return "" if modifiers else text


def _is_modifier(event: QKeyEvent) -> bool:
    return event.key() in (
        Qt.Key.Key_Shift,
        Qt.Key.Key_Control,
        Qt.Key.Key_Alt,
        Qt.Key.Key_Meta,
        Qt.Key.Key_AltGr,
    )


def _scan_field_in(root: QWidget | None) -> QLineEdit | None:
    """The first visible, editable scan field inside ``root``."""
    if root is None:
        return None
    for edit in root.findChildren(QLineEdit):
        if is_scan_field(edit) and edit.isVisible() and edit.isEnabled() and not edit.isReadOnly():
            return edit
    return None


@dataclass(frozen=True)
class TextSnapshot:
    """What a text box held before a burst, to give it back when the burst was a scan."""

    box: QWidget
    text: str
    cursor: int

    @classmethod
    def of(cls, widget: QWidget) -> TextSnapshot | None:
        if isinstance(widget, QLineEdit):
            return cls(widget, widget.text(), widget.cursorPosition())
        if isinstance(widget, QPlainTextEdit | QTextEdit):
            return cls(widget, widget.toPlainText(), widget.textCursor().position())
        return None

    def restore(self) -> None:
        box = self.box
        if isinstance(box, QLineEdit):
            box.setText(self.text)
            box.setCursorPosition(self.cursor)
        elif isinstance(box, QPlainTextEdit | QTextEdit):
            box.setPlainText(self.text)
            cursor = box.textCursor()
            cursor.setPosition(min(self.cursor, len(self.text)))
            box.setTextCursor(cursor)


class ScannerFilter(QObject):
    """Application event filter that routes scans; ``on_scan(code)`` adds to the bill.

    ``home`` is the billing screen and ``search`` its search box. ``scanned(code, where)``
    reports every scan it routes, ``where`` being "billing", "field" or "held" (kept while a
    dialog is open in front of billing, added when it closes).
    """

    scanned = Signal(str, str)

    def __init__(
        self,
        home: QWidget,
        search: QLineEdit,
        on_scan: Callable[[str], None],
        *,
        tracker: BurstTracker | None = None,
    ):
        super().__init__(home)
        self._home = home
        self._search = search
        self._on_scan = on_scan
        self.tracker = tracker or BurstTracker()
        self.pending: list[str] = []
        self._held: list[str] = []
        self._snapshot: TextSnapshot | None = None
        self._last: tuple[int, str, float, QObject] | None = None
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.timeout.connect(self.flush_held)
        self._pending_timer = QTimer(self)
        self._pending_timer.setInterval(PENDING_POLL_MS)
        self._pending_timer.timeout.connect(self._deliver_pending)

    # ---------------------------------------------------------------- install
    def install(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def uninstall(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self._pending_timer.stop()

    # ------------------------------------------------------------------ keys
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            return self._claim_enter(watched, event)
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        if not isinstance(watched, QWidget):
            # A key from the window system reaches the window (a QWindow) first, then the
            # widget with focus: count it once, at the widget.
            return False
        now = self._time_ms(event)
        if self._is_echo(watched, event, now):
            return False
        if _is_enter(event):
            return self._enter(watched, now)
        char = _printable(event)
        if char:
            return self._character(watched, char, now)
        if not _is_modifier(event):  # Shift comes before a capital in a code: not a break
            self.tracker.reset()
            self._snapshot = None
            self.flush_held()
        return False

    def _claim_enter(self, watched: QObject, event: QKeyEvent) -> bool:
        """Before a key press, Qt offers it to shortcuts (a table's Return that opens the
        highlighted row). The Enter that ends a scan is claimed, so it arrives as a key press
        and the scan is routed instead of the shortcut firing."""
        if not _is_enter(event) or self.tracker.scan_at(self._time_ms(event)) is None:
            return False
        if not isinstance(watched, QWidget) or self.destination(watched)[0] is None:
            return False
        event.accept()
        return True

    def _character(self, watched: QWidget, char: str, now: float) -> bool:
        if isinstance(watched, QLineEdit | QPlainTextEdit | QTextEdit):
            if self.tracker.key(char, now):
                self._snapshot = TextSnapshot.of(watched)
            return False  # typed as usual; taken back if this turns out to be a scan
        if not self._in_billing(watched):
            if self.tracker.key(char, now):
                self._snapshot = None
            return False
        if not self._held and char in CART_KEYS:
            self.tracker.reset()
            return False  # a cart key (+, -, *) pressed on its own
        if self.tracker.key(char, now):
            self.flush_held()
            self._snapshot = None
        self._held.append(char)
        self._flush_timer.start(int(self.tracker.max_gap_ms * 2))
        return True

    def _enter(self, watched: QWidget, now: float) -> bool:
        code = self.tracker.enter(now)
        snapshot, self._snapshot = self._snapshot, None
        held, self._held = self._held, []
        self._flush_timer.stop()
        if code is None:
            if held:
                self._type_into_search("".join(held))
                return True  # typed slowly into the cart: search, then Enter adds
            return False
        where, field = self.destination(watched)
        if where is None:
            return False  # the scanner typed, as a keyboard
        if snapshot is not None and snapshot.box is watched:
            snapshot.restore()
        self.scanned.emit(code, where)
        if field is not None:
            field.setText(code)
            field.setFocus(Qt.FocusReason.OtherFocusReason)
        elif where == "billing":
            self._on_scan(code)
        else:
            self.pending.append(code)
            self._pending_timer.start()
            self._notice(
                watched, f"Scanned {code}: it is added to the bill when this window closes."
            )
        return True

    # ---------------------------------------------------------------- routing
    def destination(self, watched: QWidget) -> tuple[str | None, QLineEdit | None]:
        """Where a scan ending at ``watched`` goes (the module docstring lists the order):
        ("field", the field), ("billing", None), ("held", None) or (None, None) for nowhere.
        """
        modal = QApplication.activeModalWidget()
        field = self._field_for(watched, modal)
        if field is not None:
            return "field", field
        if modal is None and self._in_billing(watched):
            return "billing", None
        if modal is not None and self._home.isVisible():
            return "held", None
        return None, None

    def _field_for(self, watched: QWidget, modal: QWidget | None) -> QLineEdit | None:
        if is_scan_field(watched):
            assert isinstance(watched, QLineEdit)
            return watched if not watched.isReadOnly() else None
        if modal is not None:
            return _scan_field_in(modal)
        if self._in_billing(watched):
            return None
        return _scan_field_in(watched.window())

    def _deliver_pending(self) -> None:
        """Add the codes scanned behind a dialog, in order, once no dialog is in front."""
        if QApplication.activeModalWidget() is not None:
            return
        self._pending_timer.stop()
        codes, self.pending = self.pending, []
        for code in codes:
            self._on_scan(code)

    @staticmethod
    def _notice(near: QWidget, text: str) -> None:
        QToolTip.showText(near.mapToGlobal(QPoint(0, near.height())), text, near, near.rect(), 6000)

    # ------------------------------------------------------------ billing keys
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
        if not isinstance(watched, QWidget) or not self._home.isVisible():
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
        return (
            key == event.key()
            and text == event.text()
            and now - at < 1.0
            and isinstance(watched, QWidget)
            and isinstance(receiver, QWidget)
            and watched is not receiver
            and watched.isAncestorOf(receiver)
        )

    @staticmethod
    def _time_ms(event: QKeyEvent) -> float:
        # Window-system timestamps say when the key was pressed, even if the UI thread was
        # busy; synthetic events (tests, remote tools) have none.
        stamp = event.timestamp()
        return float(stamp) if stamp else time.monotonic() * 1000.0
