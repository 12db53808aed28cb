"""Read ahead: fetch the next pages from the remote while the current one is applied here."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Generator, Iterator
from typing import TypeVar

T = TypeVar("T")

_DONE = object()


def prefetch(
    pages: Iterator[T], depth: int = 2, idle: Callable[[], None] | None = None
) -> Generator[T, None, None]:
    """Iterate ``pages`` in a helper thread, at most ``depth`` items ahead.

    ``idle`` is called (on the helper) whenever the helper stops asking the source for a
    while: it holds ``depth`` items the consumer has not taken, or the source is exhausted.
    An exception raised by the source is raised here, in the consumer, at the point where
    the failed item would have come. Stopping early (``close()`` on this generator, or an
    error in the consumer) stops the helper at its next item.
    """
    box: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for page in pages:
                if stop.is_set():
                    return
                if idle is not None and box.full():
                    idle()
                box.put(page)
        except BaseException as exc:  # handed over to the consumer
            box.put(_Failure(exc))
            return
        if idle is not None:
            idle()
        box.put(_DONE)

    worker = threading.Thread(target=produce, name="viveka-sync-read", daemon=True)
    worker.start()
    try:
        while True:
            item = box.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.exc
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue
            with contextlib.suppress(queue.Empty):
                box.get(timeout=0.05)
        worker.join()


class _Failure:
    def __init__(self, exc: BaseException):
        self.exc = exc
