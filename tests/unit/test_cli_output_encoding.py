"""The command's output carries ₹ and Indian-language names when piped or redirected.

On Windows a piped or redirected stdout used the ANSI code page (cp1252), so an item name
in Devanagari or any ₹ amount stopped the command with UnicodeEncodeError.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from viveka_pos.cli.output_encoding import prepare_stream

NAME = "चाय पत्ती ₹10 पैक"


def viveka(data_dir: Path, *args: str, **how) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "viveka_pos", "--data-dir", str(data_dir), *args], timeout=120, **how
    )


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    data = tmp_path / "shop"
    made = viveka(data, "demo", "--empty", capture_output=True)
    assert made.returncode == 0, made.stderr.decode("utf-8", "replace")
    return data


def test_piped_output_is_utf8(shop: Path) -> None:
    added = viveka(
        shop,
        "item",
        "add",
        "--name",
        NAME,
        "--price",
        "10",
        "--code",
        "CHAI",
        "--gst",
        "5",
        capture_output=True,
    )
    assert added.returncode == 0, added.stderr.decode("utf-8", "replace")
    assert NAME in added.stdout.decode("utf-8")
    report = viveka(shop, "report", "stock", capture_output=True)
    assert report.returncode == 0, report.stderr.decode("utf-8", "replace")
    assert NAME in report.stdout.decode("utf-8")


def test_output_redirected_to_a_file_is_utf8(shop: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    with out.open("wb") as handle:
        added = viveka(
            shop,
            "item",
            "add",
            "--name",
            NAME,
            "--price",
            "10",
            stdout=handle,
            stderr=subprocess.PIPE,
        )
    assert added.returncode == 0, added.stderr.decode("utf-8", "replace")
    assert NAME in out.read_text(encoding="utf-8")


def test_a_legacy_code_page_stream_becomes_utf8() -> None:
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="cp1252")
    prepare_stream(stream)
    stream.write(NAME)
    stream.flush()
    assert raw.getvalue().decode("utf-8") == NAME


def test_a_utf8_stream_is_left_alone() -> None:
    stream = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    prepare_stream(stream)
    assert (stream.encoding, stream.errors) == ("utf-8", "strict")
