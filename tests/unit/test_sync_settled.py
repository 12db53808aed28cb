"""When a pull may leave the overlap before its cursor unread (:mod:`viveka_pos.sync.settled`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from viveka_pos.sync.settled import settling

OVERLAP = timedelta(minutes=10)
START = datetime(2026, 3, 2, 20, 0)
CURSOR = "01772481600000000@pc-a"


def test_a_new_cursor_starts_waiting_from_the_server_time_of_this_pull() -> None:
    for record in (None, {"cursor": "01772481500000000@pc-a", "since": START, "settled": True}):
        assert settling(record, CURSOR, START, OVERLAP) == (
            False,
            {"cursor": CURSOR, "since": START, "settled": False},
        )


def test_the_overlap_settles_after_twice_its_length_and_one_more_full_read() -> None:
    waiting = {"cursor": CURSOR, "since": START, "settled": False}
    assert settling(waiting, CURSOR, START + 2 * OVERLAP - timedelta(seconds=1), OVERLAP) == (
        False,
        None,
    )
    # This pull still reads the overlap; what it keeps says the next one need not.
    read, keep = settling(waiting, CURSOR, START + 2 * OVERLAP, OVERLAP)
    assert not read and keep == {**waiting, "settled": True}
    assert settling(keep, CURSOR, START + 2 * OVERLAP + timedelta(minutes=1), OVERLAP) == (
        True,
        None,
    )


def test_without_the_server_clock_or_a_cursor_the_overlap_is_always_read() -> None:
    settled = {"cursor": CURSOR, "since": START, "settled": True}
    assert settling(settled, CURSOR, None, OVERLAP) == (False, None)
    assert settling(None, "", START, OVERLAP) == (False, None)


def test_a_server_clock_set_back_does_not_settle_the_overlap_early() -> None:
    waiting = {"cursor": CURSOR, "since": START, "settled": False}
    assert settling(waiting, CURSOR, START - timedelta(hours=5), OVERLAP) == (False, None)
    assert settling({**waiting, "since": "not a time"}, CURSOR, START, OVERLAP) == (
        False,
        {"cursor": CURSOR, "since": START, "settled": False},
    )


def test_a_kept_record_that_is_not_one_starts_the_wait_again() -> None:
    for damaged in ("settled", 5, ["cursor", CURSOR]):
        assert settling(damaged, CURSOR, START, OVERLAP) == (  # type: ignore[arg-type]
            False,
            {"cursor": CURSOR, "since": START, "settled": False},
        )
