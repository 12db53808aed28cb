"""Shared fixtures: a real store on a temp dir, offscreen Qt."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from viveka_pos.store import Store, open_store


@pytest.fixture(autouse=True)
def _credentials_in_temp(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Saved secrets go to an owner-only file in a temp folder (the fallback a PC without a
    credential store uses), never to the keyring or the config folder of whoever runs the
    tests. Child processes inherit it."""
    monkeypatch.setenv("VIVEKA_CREDENTIALS_DIR", str(tmp_path_factory.mktemp("credentials")))


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def store(data_dir: Path) -> Iterator[Store]:
    opened = open_store(data_dir)
    try:
        yield opened
    finally:
        opened.close()
