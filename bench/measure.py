"""What the bench scripts measure the same way (imported by scripts run from bench/)."""

from __future__ import annotations

import gc
import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager


def rss_mb() -> float:
    """This process's resident memory now, in MB (Linux; NaN elsewhere)."""
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def thread_system_seconds() -> float:
    """The kernel time this thread has used (Linux; NaN elsewhere): writes growing a file
    show here, not in the thread's user time."""
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_THREAD).ru_stime
    except (ImportError, AttributeError):
        return float("nan")


def fixed_work() -> float:
    """Do the same piece of CPU work as every other call (Python arithmetic and a hash,
    a few milliseconds) and return its wall time in seconds. Timed beside the measured
    operations in the same run, its spread is the machine's (other programs, a shared
    host), not the code's."""
    started = time.perf_counter()
    total = 0
    for number in range(20_000):
        total += number * number % 7
    hashlib.sha256(bytes(100_000) + total.to_bytes(8, "little")).digest()
    return time.perf_counter() - started


@contextmanager
def full_collections() -> Iterator[list[float]]:
    """Durations (seconds) of the garbage collector's full passes while the block runs."""
    found: list[float] = []
    started = [0.0]

    def watch(phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            found.append(time.perf_counter() - started[0])

    gc.callbacks.append(watch)
    try:
        yield found
    finally:
        gc.callbacks.remove(watch)
