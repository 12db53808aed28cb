"""Where the data lives and other settings read from the environment."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "VivekaPOS"
APP_AUTHOR = "Viveka"
DATA_DIR_ENV = "VIVEKA_DATA_DIR"


def default_data_dir() -> Path:
    """The user's data folder for the app (e.g. ~/.local/share/VivekaPOS on Linux)."""
    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))


def resolve_data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """``--data-dir`` wins, then ``VIVEKA_DATA_DIR``, then the user's data folder."""
    if explicit:
        return Path(explicit).expanduser().resolve()
    from_env = os.environ.get(DATA_DIR_ENV, "").strip()
    if from_env:
        return Path(from_env).expanduser().resolve()
    return default_data_dir()
