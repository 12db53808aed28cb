"""Kill a writer 30 times (SIGKILL; TerminateProcess on Windows): every acknowledged unit
of work must survive whole."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from crash_check import check_store, run_once

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
