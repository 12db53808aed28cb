"""Tell screens which collections changed, whoever wrote them (this screen, an import in a
worker, a sync pull), so tables refresh without polling.

The store calls its commit listeners on the thread that committed; the names are gathered
here and announced once per burst on the UI thread, a moment later, so a 5,000-row import
refreshes a table once rather than 5,000 times.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from ..store import Store

WATCHED = (
    "clients",
    "items",
    "itemgroups",
    "clientCustomers",
    "carts",
    "cartitems",
    "invoices",
    "payments",
    "purchasehistories",
    "dealers",
    "dealerorders",
    "dealerorderitems",
    "dealerpayments",
    "stockmovements",
    "localsettings",
    "deadletters",
)
DELAY_MS = 60


class DataEvents(QObject):
    """``changed(set_of_collection_names)`` on the UI thread after commits."""

    changed = Signal(object)
    _poke = Signal()

    def __init__(
        self, store: Store, collections: Iterable[str] = WATCHED, parent: QObject | None = None
    ):
        super().__init__(parent)
        self._lock = threading.Lock()
        self._pending: set[str] = set()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DELAY_MS)
        self._timer.timeout.connect(self._flush)
        self._poke.connect(self._schedule)
        self._active = True
        for name in collections:
            store.on_commit(name, self._listener(name))

    def _listener(self, name: str) -> Callable[[object], None]:
        def heard(_changes: object) -> None:
            if not self._active:
                return
            with self._lock:
                self._pending.add(name)
            try:
                self._poke.emit()  # queued onto the UI thread when committed elsewhere
            except RuntimeError:  # the window (and this object) is gone
                self._active = False

        return heard

    @Slot()
    def _schedule(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    @Slot()
    def _flush(self) -> None:
        with self._lock:
            names, self._pending = self._pending, set()
        if names and self._active:
            self.changed.emit(names)

    def flush_now(self) -> None:
        """Announce what is pending right away (tests, and before a screen is shown)."""
        self._timer.stop()
        self._flush()

    def stop(self) -> None:
        """The store keeps its listeners; make them do nothing once the window is gone."""
        self._active = False
        self._timer.stop()
