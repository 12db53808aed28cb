"""Run a slow call (SMS, bcrypt, disk) off the UI thread and get its outcome back on it.

Thread rule for PySide: a worker thread must never drop the last Python reference to an
object that leads to a widget. If it does, the wrapper is destroyed off the UI thread and
the widget's deletion is deferred to the UI thread, where it can clash with Qt's own
deletion of the same widget (seen here as a segmentation fault). So the worker holds only
``fn`` (which must not reference widgets) and an :class:`_Emitter` that has no Python
state; the callbacks, which do reference widgets, live in a :class:`_Relay` that only the UI
thread ever references.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

# Relays whose call has not reported yet; the only strong references to them.
_in_flight: set[_Relay] = set()


class _Emitter(QObject):
    """The worker's half: signals only. A child of its relay, so Qt deletes it with it."""

    succeeded = Signal(object)
    failed = Signal(object)


class _Relay(QObject):
    """The UI thread's half: emitter signals reach its slots queued, on the UI thread."""

    def __init__(
        self, on_success: Callable[[Any], None], on_failure: Callable[[Exception], None]
    ) -> None:
        super().__init__()
        self._on_success = on_success
        self._on_failure = on_failure
        self.emitter = _Emitter(self)
        self.emitter.succeeded.connect(self._deliver_success)
        self.emitter.failed.connect(self._deliver_failure)

    @Slot(object)
    def _deliver_success(self, result: Any) -> None:
        _in_flight.discard(self)
        self._on_success(result)

    @Slot(object)
    def _deliver_failure(self, error: Exception) -> None:
        _in_flight.discard(self)
        self._on_failure(error)


class _Call(QRunnable):
    def __init__(self, fn: Callable[[], Any], emitter: _Emitter):
        super().__init__()
        self._fn = fn
        self._emitter = emitter

    def run(self) -> None:
        try:
            result = self._fn()
        except Exception as exc:  # handed to the UI thread, which shows it in words
            self._emitter.failed.emit(exc)
        else:
            self._emitter.succeeded.emit(result)


def run_in_background(
    fn: Callable[[], Any],
    on_success: Callable[[Any], None],
    on_failure: Callable[[Exception], None],
) -> None:
    """Call ``fn`` on the global thread pool; one callback runs later on the UI thread.

    Call this from the UI thread. ``fn`` must not hold references to widgets (pass it
    services and plain values); the callbacks may.
    """
    relay = _Relay(on_success, on_failure)
    _in_flight.add(relay)
    QThreadPool.globalInstance().start(_Call(fn, relay.emitter))
