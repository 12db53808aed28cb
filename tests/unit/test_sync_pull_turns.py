"""The pull's helper reads a later collection's versions only in its turn: once the pull
reaches that collection, or once the collection being pulled asks nothing more of the
server for a while (its reader holds the pages it may read ahead, or has read them all);
never while the pull waits on the server for a page (a server answering one query at a
time would make the pull wait behind the helper)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from viveka_pos.sync.pull import _Turns

SOON = 5.0
"""Seconds a released waiter has to wake (generous: a busy machine)."""
HELD = 0.1
"""Seconds a held waiter is watched for not waking."""


def _waiter(turns: _Turns, place: int) -> tuple[threading.Event, list[bool]]:
    woke = threading.Event()
    answer: list[bool] = []

    def wait() -> None:
        answer.append(turns.wait(place))
        woke.set()

    threading.Thread(target=wait, daemon=True).start()
    return woke, answer


def test_the_collection_the_pull_is_at_or_past_is_read_at_once() -> None:
    turns = _Turns()
    turns.begin(3)
    assert turns.wait(3) is True
    assert turns.wait(1) is True


@pytest.mark.parametrize(
    ("release", "answer"),
    [(_Turns.server_free, True), (_Turns.stop, False)],
    ids=["the current collection leaves the server free: read", "the pull ended: no read"],
)
def test_a_later_collection_waits_until_released(
    release: Callable[[_Turns], None], answer: bool
) -> None:
    turns = _Turns()
    turns.begin(2)
    woke, answers = _waiter(turns, 5)
    assert not woke.wait(HELD)
    release(turns)
    assert woke.wait(SOON) and answers == [answer]


def test_the_next_collection_holds_the_helper_again_until_it_leaves_the_server_free() -> None:
    turns = _Turns()
    turns.begin(2)
    turns.server_free()
    turns.begin(3)  # waiting on the server for collection 3's first page
    woke, answer = _waiter(turns, 6)
    assert not woke.wait(HELD)
    turns.begin(6)  # the pull reached it: read it now, whatever the reader does
    assert woke.wait(SOON) and answer == [True]
