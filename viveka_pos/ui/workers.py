"""Slow work (import, reports, PDFs, backup) on the thread pool, with progress on screen.

A job is a function ``fn(progress)`` run on ``QThreadPool.globalInstance()``; ``progress``
may be called from the worker with ``(done, total, text)``. Its result or exception comes
back on the UI thread through queued signals. :func:`run_with_progress` adds a window-modal
progress dialog so nothing else changes the data meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

Progress = Callable[[int, int, str], None]
JobFunction = Callable[[Progress], Any]

_running: set[Job] = set()


class _Signals(QObject):
    """The worker's only handle on the job: signals, no Python state. A child of its job,
    so Qt deletes it with the job."""

    progressed = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(object)


class Job(QObject):
    """One background call. Lives on the UI thread: the worker's signals reach its slots
    queued, and the slots call the callbacks registered with :meth:`then`.

    Thread rule for PySide: a worker thread must never drop the last Python reference to
    an object that leads to a widget, or the wrapper is destroyed off the UI thread and the
    widget's deletion can clash with Qt's own (a crash). So the worker holds only ``fn`` and
    the state-less :class:`_Signals`; it hands ``fn`` back with the outcome, so that its
    last reference (which may reach widgets through a closure) is dropped here.
    """

    finished = Signal()

    def __init__(self, fn: JobFunction):
        super().__init__()
        self._fn: JobFunction | None = fn
        self.result: Any = None
        self.error: BaseException | None = None
        self.done = False
        self._on_progress: list[Progress] = []
        self._on_done: list[Callable[[Any], None]] = []
        self._on_failed: list[Callable[[BaseException], None]] = []
        self._signals = _Signals(self)
        self._signals.progressed.connect(self._deliver_progress)
        self._signals.succeeded.connect(self._deliver_result)
        self._signals.failed.connect(self._deliver_error)

    def then(
        self,
        on_done: Callable[[Any], None] | None = None,
        on_failed: Callable[[BaseException], None] | None = None,
        on_progress: Progress | None = None,
    ) -> Job:
        if on_done is not None:
            self._on_done.append(on_done)
        if on_failed is not None:
            self._on_failed.append(on_failed)
        if on_progress is not None:
            self._on_progress.append(on_progress)
        return self

    def start(self) -> Job:
        fn, self._fn = self._fn, None
        if fn is None:
            raise RuntimeError("a job can run only once")
        _running.add(self)
        QThreadPool.globalInstance().start(_Runner(fn, self._signals))
        return self

    @Slot(int, int, str)
    def _deliver_progress(self, done: int, total: int, text: str) -> None:
        for callback in self._on_progress:
            callback(done, total, text)

    @Slot(object)
    def _deliver_result(self, outcome: tuple[Any, JobFunction]) -> None:
        self.result = outcome[0]
        self._finish()
        for callback in self._on_done:
            callback(self.result)

    @Slot(object)
    def _deliver_error(self, outcome: tuple[BaseException, JobFunction]) -> None:
        self.error = outcome[0]
        self._finish()
        for callback in self._on_failed:
            callback(self.error)

    def _finish(self) -> None:
        self.done = True
        _running.discard(self)
        self.finished.emit()


class _Runner(QRunnable):
    def __init__(self, fn: JobFunction, signals: _Signals):
        super().__init__()
        self._fn: JobFunction | None = fn
        self._signals = signals

    def run(self) -> None:
        fn, self._fn = self._fn, None
        assert fn is not None
        try:
            result = fn(self._signals.progressed.emit)
        except BaseException as exc:  # handed to the UI thread, which decides what to show
            self._signals.failed.emit((exc, fn))
        else:
            self._signals.succeeded.emit((result, fn))


def start_job(
    fn: JobFunction,
    *,
    on_done: Callable[[Any], None] | None = None,
    on_failed: Callable[[BaseException], None] | None = None,
) -> Job:
    return Job(fn).then(on_done, on_failed).start()


def running_jobs() -> int:
    return len(_running)


def run_with_progress(
    parent: QWidget | None,
    title: str,
    label: str,
    fn: JobFunction,
    *,
    on_done: Callable[[Any], None],
    on_failed: Callable[[BaseException], None],
) -> Job:
    """Run ``fn`` with a window-modal progress dialog; the callbacks run after it closes.

    The dialog appears only when the job takes longer than a moment, so quick jobs do not
    flash a window. It has no Cancel button: the jobs run in one unit of work each and are
    never left half done.
    """
    dialog = QProgressDialog(label, "", 0, 0, parent)
    dialog.setWindowTitle(title)
    dialog.setCancelButton(None)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(400)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.setMinimumWidth(380)

    def progressed(done: int, total: int, text: str) -> None:
        if total > 0:
            dialog.setMaximum(total)
            dialog.setValue(min(done, total))
        if text:
            dialog.setLabelText(text)

    def closed_then(callback: Callable[[Any], None]) -> Callable[[Any], None]:
        def run(value: Any) -> None:
            dialog.close()
            dialog.deleteLater()
            callback(value)

        return run

    dialog.setValue(0)
    return Job(fn).then(closed_then(on_done), closed_then(on_failed), progressed).start()
