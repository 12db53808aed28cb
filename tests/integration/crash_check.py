"""Kill a writer at random moments and check no acknowledged unit is lost or partial."""

from __future__ import annotations

import random
import subprocess
import sys
import threading
import time
from pathlib import Path

from viveka_pos.store import open_store
from viveka_pos.store.store import DB_FILE

WORKER = Path(__file__).with_name("crash_worker.py")


def run_once(data_dir: Path, rng: random.Random, extra: tuple[str, ...] = ()) -> int:
    """Start the worker, kill it at a random moment, return its last acknowledged unit."""
    proc = subprocess.Popen(
        [sys.executable, str(WORKER), str(data_dir), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    acked = [0]
    ready = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("ready"):
                ready.set()
            elif line.startswith("ack "):
                acked[0] = int(line.split()[1])

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    if not ready.wait(30):
        proc.kill()
        raise AssertionError(f"worker did not start: {proc.stderr.read() if proc.stderr else ''}")
    time.sleep(rng.uniform(0.0, 0.25))
    proc.kill()  # SIGKILL on POSIX, TerminateProcess on Windows: no clean-up either way
    proc.wait()
    reader.join(5)
    return acked[0]


def check_store(data_dir: Path, acknowledged: int, timings: list[float] | None = None) -> int:
    """Every acknowledged unit is complete, no unit is partial. Returns units present.
    ``timings`` gets the seconds the reopen and the close took (each must be moments)."""
    started = time.monotonic()
    store = open_store(data_dir, sweep=False)
    opened = time.monotonic() - started
    try:
        db = store.db
        units = db.counters.find_one({"_id": "crash"})["units"]
        invoices = {d["unit"] for d in store.iter_docs("invoices")}
        movements: dict[int, int] = {}
        for movement in store.iter_docs("stockmovements"):
            movements[movement["unit"]] = movements.get(movement["unit"], 0) + 1
        payments: dict[int, int] = {}
        for payment in store.iter_docs("payments"):
            payments[payment["unit"]] = payments.get(payment["unit"], 0) + 1
        assert units >= acknowledged, f"acknowledged unit {acknowledged} lost (have {units})"
        expected = set(range(1, units + 1))
        assert invoices == expected, "invoices do not match committed units"
        assert movements == {n: 2 for n in expected}, "a unit has partial stock movements"
        assert payments == {n: 3 for n in expected}, "a unit has partial payments"
        return units
    finally:
        closing = time.monotonic()
        store.close()
        if timings is not None:
            timings.append(max(opened, time.monotonic() - closing))


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description="crash test, run by hand for long runs")
    parser.add_argument("--kills", type=int, default=1000)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    import tempfile

    rng = random.Random(args.seed)
    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="viveka-crash-"))
    start = time.monotonic()
    timings: list[float] = []
    for kill in range(1, args.kills + 1):
        acked = run_once(data_dir, rng)
        units = check_store(data_dir, acked, timings)
        if kill % 50 == 0 or kill == args.kills:
            print(
                f"{kill} kills, {units} units committed, all acknowledged units intact "
                f"({time.monotonic() - start:.0f} s)",
                flush=True,
            )
    slowest = max(timings)
    print(
        f"reopen or close after a kill: median {sorted(timings)[len(timings) // 2]:.3f} s, "
        f"slowest {slowest:.3f} s (budget 5 s)"
    )
    assert slowest < 5, "a reopen or close after a kill took more than 5 s"
    from derived_check import derived_drift  # beside this file, as crash_worker.py

    drift, rows = derived_drift(data_dir / DB_FILE)
    assert not drift, "\n".join(drift)
    print(f"derived tables after the kills: {rows} rows, as a rebuild makes them")
    print(f"crash test passed: {args.kills}/{args.kills}")


if __name__ == "__main__":
    main()
