"""``viveka-pos --self-test``, run as an installer or a support person runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from viveka_pos import selftest


def run_self_test(
    env_changes: dict[str, str | None], cwd: Path
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    for key, value in env_changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [sys.executable, "-m", "viveka_pos", "--self-test"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=180,
    )


@pytest.fixture
def user_dirs(tmp_path: Path) -> dict[str, Path]:
    """Where a real user's data would go; the self-test must leave all of it alone."""
    dirs = {
        "HOME": tmp_path / "home",
        "XDG_DATA_HOME": tmp_path / "xdg",
        "VIVEKA_DATA_DIR": tmp_path / "shop-data",
    }
    dirs["HOME"].mkdir()
    return dirs


def test_self_test_bills_prints_and_opens_the_window_offscreen(
    tmp_path: Path, user_dirs: dict[str, Path]
) -> None:
    result = run_self_test(
        {
            "QT_QPA_PLATFORM": None,
            "DISPLAY": None,
            "WAYLAND_DISPLAY": None,
            **{key: str(path) for key, path in user_dirs.items()},
        },
        tmp_path,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    names = [name for name, _step in selftest.steps()]
    assert len(lines) == len(names) + 1
    for line, name in zip(lines, names, strict=False):
        assert line.startswith((f"ok   {name}: ", f"skip {name}: ")), line
    assert lines[-1].startswith("self-test passed in ")
    by_name = dict(zip(names, lines, strict=False))
    assert by_name["environment"].endswith("Python install, Qt platform offscreen")
    for name in (
        "store",
        "demo shop",
        "bill",
        "payment",
        "hash chain",
        "A4 invoice",
        "receipt",
        "printing",
    ):
        assert by_name[name].startswith("ok"), by_name[name]
    assert "an edit is detected" in by_name["hash chain"]
    assert "fully paid" in by_name["payment"]
    assert "main window 'Viveka POS'" in by_name["Qt"]
    assert not user_dirs["VIVEKA_DATA_DIR"].exists()
    assert not (user_dirs["XDG_DATA_HOME"] / "VivekaPOS").exists()
    assert not (user_dirs["HOME"] / ".local" / "share" / "VivekaPOS").exists()


def test_a_missing_qt_platform_fails_with_one_clear_line(tmp_path: Path) -> None:
    result = run_self_test({"QT_QPA_PLATFORM": "nosuchplatform"}, tmp_path)

    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[-1] == selftest.FAILED
    assert lines[-2].startswith("FAIL Qt: the Qt platform plugin 'nosuchplatform' is missing")
    assert all(line.startswith("ok   ") for line in lines[:-2])
    assert "Traceback" not in result.stderr  # an expected failure needs no traceback


def test_platform_plugin_is_found_by_its_file_name(tmp_path: Path) -> None:
    folder = tmp_path / "platforms"
    folder.mkdir()
    for name in ("libqxcb.so", "qoffscreen.dll", "libqminimalegl.so"):
        (folder / name).write_bytes(b"")

    assert selftest.platform_plugin(tmp_path, "xcb") == folder / "libqxcb.so"
    assert selftest.platform_plugin(tmp_path, "offscreen") == folder / "qoffscreen.dll"
    assert selftest.platform_plugin(tmp_path, "minimal") is None
    assert selftest.platform_plugin(tmp_path / "nothing", "xcb") is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<html>not a pdf</html>" + b"x" * 100, "does not start with %PDF-"),
        (b"%PDF-1.4\n" + b"x" * 100, "cut short"),
        (b"%PDF-1.4\n%%EOF\n", "is only 15 bytes"),
    ],
)
def test_pdf_checks_reject_broken_documents(data: bytes, message: str) -> None:
    with pytest.raises(selftest.SelfTestError, match=message):
        selftest._check_pdf("receipt", data, 64)


def test_pdf_check_accepts_a_complete_document() -> None:
    body = b"%PDF-1.4\n" + b"0" * 200 + b"\n%%EOF\n"
    assert selftest._check_pdf("receipt", body, 64) == f"{len(body):,} bytes"
