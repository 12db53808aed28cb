"""Reading ahead (sync/prefetch.py): pages come in order, at most ``depth`` ahead of the
consumer, a failure of the source comes where its page would have, and ``idle`` says when
the reader stops asking the source for a while (the pull then lets its helper use the
server)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from viveka_pos.sync.prefetch import prefetch

SOON = 5.0
"""Seconds the reader has to get somewhere (generous: a busy machine)."""


def _source(count: int, asked: list[int], fail_at: int | None = None) -> Iterator[int]:
    for number in range(count):
        if number == fail_at:
            raise OSError(f"page {number} could not be read")
        asked.append(number)
        yield number


def _wait_for(idle: threading.Semaphore) -> None:
    """Wait for the reader's next ``idle`` (each call releases the semaphore once)."""
    assert idle.acquire(timeout=SOON), "the reader did not get there"


def test_pages_come_in_order_and_idle_is_said_once_the_source_is_read() -> None:
    asked: list[int] = []
    idle = threading.Semaphore(0)
    pages = prefetch(_source(3, asked), depth=8, idle=idle.release)
    assert next(pages) == 0
    _wait_for(idle)  # three pages fit: the reader read them all and rests
    assert asked == [0, 1, 2]
    assert list(pages) == [1, 2]


def _settles(asked: list[int], count: int) -> None:
    """The reader reaches ``count`` pages read and goes no further."""
    deadline = time.monotonic() + SOON
    while len(asked) < count and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(0.1)
    assert len(asked) == count


def test_the_reader_stops_depth_pages_ahead_and_says_so() -> None:
    asked: list[int] = []
    idle: list[int] = []
    pages = prefetch(_source(10, asked), depth=2, idle=lambda: idle.append(len(asked)))
    assert next(pages) == 0  # (the reader starts with the first page asked for)
    _settles(asked, 4)  # holds pages 1 and 2; page 3 is read and waits for room
    assert idle and idle[-1] == 4
    assert next(pages) == 1
    _settles(asked, 5)  # room for one more: page 3 goes in, page 4 is read and waits
    assert idle[-1] == 5
    assert list(pages) == list(range(2, 10))
    assert idle[-1] == 10  # and once more when the source is exhausted


def test_a_failure_of_the_source_comes_where_its_page_would_have() -> None:
    asked: list[int] = []
    pages = prefetch(_source(5, asked, fail_at=2), depth=4)
    assert [next(pages), next(pages)] == [0, 1]
    with pytest.raises(OSError, match="page 2"):
        next(pages)


def test_stopping_early_stops_the_reader() -> None:
    asked: list[int] = []
    pages = prefetch(_source(1000, asked), depth=2)
    assert next(pages) == 0
    pages.close()
    read = len(asked)
    assert read < 1000
    time.sleep(0.1)  # time to read on, if it did not stop
    assert len(asked) == read
