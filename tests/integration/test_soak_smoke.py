"""A 20-second run of the soak bench (bench/soak.py): kills, disk-full injections and a
restore, then every invariant. The full 10-minute run is a bench, not part of the suite."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

SOAK = Path(__file__).resolve().parents[2] / "bench" / "soak.py"


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and process groups are POSIX")
def test_soak_smoke_run_keeps_every_invariant(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(SOAK),
            "--minutes",
            "0.33",
            "--seed",
            "7",
            "--max-life",
            "1.5",
            "--restore-every",
            "4",
            "--check-every",
            "2",
            "--data-dir",
            str(tmp_path / "data"),
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert re.search(r"invariant checks: \d+ rounds, \d+ facts checked, 0 problem\(s\)", out)
    kills = int(re.search(r"SIGKILLs: (\d+)", out).group(1))
    restores = int(re.search(r"restores: (\d+)", out).group(1))
    acked = int(re.search(r"bills acknowledged: (\d+)", out).group(1))
    assert kills >= 5 and restores >= 1 and acked > 50
    assert "failed writes (injected)" in out
