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


DEVICE_FILE = "device.json"


def load_device_id(data_dir: Path) -> str:
    """This installation's device id, made once and kept in the data folder."""
    import json
    import uuid

    path = data_dir / DEVICE_FILE
    if path.exists():
        try:
            value = json.loads(path.read_text(encoding="utf-8")).get("deviceId", "")
        except (OSError, ValueError):
            value = ""
        if isinstance(value, str) and value:
            return value
    device_id = f"pc-{uuid.uuid4().hex[:12]}"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"deviceId": device_id}), encoding="utf-8")
    os.replace(tmp, path)
    return device_id
