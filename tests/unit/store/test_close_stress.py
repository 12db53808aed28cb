"""Closing never hangs: the checkpointer's stop can arrive at any moment of its loop.

The first checkpointer could lose a stop that came between its quiet wait and clearing its
wake-up event: it then waited forever, and ``close()`` with it. These tests stop it (and
the whole store) at random moments thousands of times; every stop must end in moments.
"""

from __future__ import annotations

import os
import random
import threading
import time
from pathlib import Path

from viveka_pos.store import Store, open_store
from viveka_pos.store.checkpoint import WalCheckpointer

#: a stop that takes longer than this counts as a hang
LIMIT_SECONDS = 5.0
#: rounds of each test (fewer under Windows, where starting a thread costs several times more)
ROUNDS = 3000 if os.name != "nt" else 500
STORE_ROUNDS = 150 if os.name != "nt" else 40


def _stopped_within(stop: object, limit: float) -> float:
    """Run ``stop()`` on a helper thread; the seconds it took (inf if it did not end)."""
    started = time.monotonic()
    runner = threading.Thread(target=stop, daemon=True)  # type: ignore[arg-type]
    runner.start()
    runner.join(limit)
    return float("inf") if runner.is_alive() else time.monotonic() - started


def test_a_checkpointer_stopped_at_random_moments_always_stops(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "wal.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t (x)")
    rng = random.Random(23)
    slowest = 0.0
    for round_number in range(ROUNDS):
        checkpointer = WalCheckpointer(db, quiet_seconds=rng.choice([0.0, 0.0005, 0.002]))
        for _ in range(rng.randint(0, 3)):
            if rng.random() < 0.3:
                conn.execute("INSERT INTO t VALUES (1)")
                conn.commit()
            checkpointer.nudge()
            if rng.random() < 0.5:
                time.sleep(rng.random() * 0.002)
        took = _stopped_within(checkpointer.stop, LIMIT_SECONDS)
        assert took < LIMIT_SECONDS, f"stop hung in round {round_number}"
        slowest = max(slowest, took)
    conn.close()
    assert slowest < LIMIT_SECONDS


def test_a_store_opened_written_and_closed_at_random_moments_always_closes(tmp_path: Path) -> None:
    rng = random.Random(5)
    folder = tmp_path / "data"
    for round_number in range(STORE_ROUNDS):
        store = open_store(folder, sweep=False)
        writers = []
        for _ in range(rng.randint(0, 2)):

            def write(target: Store = store, count: int = rng.randint(1, 5)) -> None:
                for n in range(count):
                    target.db.things.insert_one({"n": n})

            writer = threading.Thread(target=write)
            writer.start()
            writers.append(writer)
        store.db.things.insert_one({"round": round_number})
        time.sleep(rng.random() * 0.004)
        for writer in writers:
            writer.join(LIMIT_SECONDS)
        took = _stopped_within(store.close, LIMIT_SECONDS)
        assert took < LIMIT_SECONDS, f"close hung in round {round_number}"
    reopened = open_store(folder, sweep=False)
    try:
        assert reopened.db.things.count_documents({"round": {"$gte": 0}}) == STORE_ROUNDS
    finally:
        reopened.close()
