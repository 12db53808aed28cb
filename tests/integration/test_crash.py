"""Kill a writer 30 times (SIGKILL; TerminateProcess on Windows): every acknowledged unit
of work must survive whole."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from crash_check import check_store, run_once
from derived_check import derived_drift

from viveka_pos.store import open_store
from viveka_pos.store.store import DB_FILE

KILLS = 30


@pytest.mark.slow
def test_sigkill_never_loses_or_splits_a_unit_of_work(tmp_path: Path) -> None:
    rng = random.Random(20261125)
    total_acked = 0
    for _ in range(KILLS):
        acked = run_once(tmp_path, rng)
        units = check_store(tmp_path, acked)
        assert units >= acked
        total_acked = max(total_acked, acked)
    assert total_acked > KILLS  # the worker made real progress between kills
    drift, _rows = derived_drift(tmp_path / DB_FILE)
    assert drift == []  # index rows and unique keys as a rebuild makes them


#: adds cart lines as the till does: each its own unit of work, committed without waiting
#: for the disk (``durable=False``); prints ``ack n`` once line n's commit returned
_CART_WRITER = """
import sys
from viveka_pos.store import open_store
from viveka_pos.store.store import DB_FILE
store = open_store(sys.argv[1], sweep=False)
n = store.db.cartitems.count_documents({})
print("ready", flush=True)
while True:
    n += 1
    with store.unit_of_work(durable=False) as db:
        db.cartitems.insert_one({"cartId": "till", "position": n})
        db.carts.update_one({"_id": "till"}, {"$set": {"itemCount": n}}, upsert=True)
    print(f"ack {n}", flush=True)
"""


@pytest.mark.slow
def test_a_cart_line_added_survives_the_app_being_killed(tmp_path: Path) -> None:
    """A cart edit's commit does not wait for the disk, yet the app being killed (not the
    power failing) right after it loses nothing: the log frames are in the OS already."""
    for kill in range(1, 4):
        writer = subprocess.Popen(
            [sys.executable, "-c", _CART_WRITER, str(tmp_path)], stdout=subprocess.PIPE, text=True
        )
        assert writer.stdout is not None
        acked = 0
        for line in writer.stdout:
            if line.startswith("ack"):
                acked = int(line.split()[1])
                if acked >= 40 * kill:
                    break
        writer.kill()
        writer.wait()
        store = open_store(tmp_path, sweep=False)
        try:
            lines = {d["position"] for d in store.db.cartitems.find({"cartId": "till"})}
            assert set(range(1, acked + 1)) <= lines
            assert store.db.carts.find_one({"_id": "till"})["itemCount"] >= acked
        finally:
            store.close()
