"""Scanner bursts and typing as real X key events: Xvfb, the xcb platform, and xdotool.

The offscreen tests build key events themselves; this lane lets the X server and Qt's xcb
platform make them, with their real time stamps and auto-repeat flags (the path a
keyboard-wedge scanner takes on a Linux till). The window runs in a child process
(``x11_scan_driver.py``) on an Xvfb started here on a free display.

``VIVEKA_X11_SCANS`` / ``VIVEKA_X11_TYPED`` / ``VIVEKA_X11_FAST`` set the number of rounds
(defaults keep the lane under a minute; the full figures use 1000).
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.gui.x11_scan_driver import SCANNER_PRIORITY

ROOT = Path(__file__).resolve().parents[2]
XVFB = shutil.which("Xvfb")
XDOTOOL = shutil.which("xdotool")

pytestmark = pytest.mark.skipif(
    not (XVFB and XDOTOOL),
    reason="needs Xvfb and xdotool (apt-get install xvfb xdotool xauth; .ci/run does)",
)


@pytest.fixture
def x_display() -> Iterator[str]:
    """An Xvfb of its own; it picks a free display number and tells it through a pipe.

    The X server stamps each key with its time as it takes it in: on a busy machine it runs
    ahead of other processes (where allowed), as a keyboard's hardware would."""
    assert XVFB is not None
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        [
            *SCANNER_PRIORITY,
            XVFB,
            "-displayfd",
            str(write_end),
            "-screen",
            "0",
            "1366x768x24",
            "-nolisten",
            "tcp",
        ],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    try:
        number = b""
        while not number.endswith(b"\n"):
            ready, _, _ = select.select([read_end], [], [], 20)
            chunk = os.read(read_end, 16) if ready else b""
            if not chunk:
                pytest.fail("Xvfb did not start")
            number += chunk
        yield f":{number.decode().strip()}"
    finally:
        os.close(read_end)
        server.terminate()
        server.wait(10)


def rounds(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def test_scans_and_typing_as_x_key_events(x_display: str, tmp_path: Path) -> None:
    scans = rounds("VIVEKA_X11_SCANS", 40)
    typed = rounds("VIVEKA_X11_TYPED", 4)
    fast = rounds("VIVEKA_X11_FAST", 3)
    items = rounds("VIVEKA_X11_ITEMS", 2)
    pastes = rounds("VIVEKA_X11_PASTES", 2)
    env = dict(os.environ, DISPLAY=x_display, QT_QPA_PLATFORM="xcb")
    env.pop("WAYLAND_DISPLAY", None)
    out = tmp_path / "x11.json"
    child = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.gui.x11_scan_driver",
            "--scans",
            str(scans),
            "--typed",
            str(typed),
            "--fast",
            str(fast),
            "--items",
            str(items),
            "--pastes",
            str(pastes),
            "--out",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600 + 3 * (scans + 4 * typed + fast + 3 * items + 2 * pastes),
    )
    assert out.exists(), f"the driver did not finish:\n{child.stdout}\n{child.stderr}"
    result = json.loads(out.read_text(encoding="utf-8"))
    print(summary(result))
    assert result["errors"] == []
    assert result["failures"] == []
    done = (
        "scans_added_once",
        "typed_not_scans",
        "fast_not_scans",
        "item_dialog_ok",
        "pastes_not_scans",
    )
    assert [result[key] for key in done] == [scans, typed, fast, items, pastes]
    assert result["scans_in_dialog"] > 0 or scans < 10


def summary(result: dict) -> str:
    scan_gaps = sorted(result["scan_median_gaps_ms"]) or [0.0]
    fast_gaps = sorted(result["fast_median_gaps_ms"]) or [0.0]
    return (
        f"\nX11 scanner lane ({result['seconds']} s, xdotool priority: "
        f"{result['scanner_priority']}):\n"
        f"  {result['scans_added_once']}/{result['scans']} scans added exactly once, "
        f"nothing stray ({result['scans_in_dialog']} with the customer window open, "
        f"{result['scans_in_cart']} with the focus in the cart); "
        f"median key gap per scan: p50 {scan_gaps[len(scan_gaps) // 2]} ms, "
        f"max {scan_gaps[-1]} ms\n"
        f"  {result['typed_not_scans']}/{result['typed']} codes typed at 80-150 ms/key not "
        f"taken as scans\n"
        f"  {result['fast_not_scans']}/{result['fast']} words typed with --delay 12 in a "
        f"dialog kept with their Enter (median gap min {fast_gaps[0]} ms)\n"
        f"  {result['pastes_not_scans']}/{result['pastes']} pastes (Ctrl+V, Enter) in the search "
        f"box and the customer window not taken as scans\n"
        f"  {result['item_dialog_ok']}/{result['item_dialog']} scans in the item window "
        f"landed in its code field (and on Inventory in its filter)"
    )
