"""Where this PC keeps its secrets: the OS credential store, else a file only its user reads.

The remote database address (it carries the MongoDB password) and the 2factor API key are
never written to the data file: a data file is copied into every backup, and backups travel
on pen drives. They go to

1. the operating system's credential store through :mod:`keyring` (Windows Credential
   Manager, the Secret Service of a Linux desktop, the macOS keychain), when it has one; else
2. a fallback file per store, ``<user config folder>/VivekaPOS/credentials/<storeId>.json``
   (``VIVEKA_CREDENTIALS_DIR`` moves the folder), created readable and writable by its owner
   only (0600 in a 0700 folder; on Windows the user's profile folder's own permissions) —
   the case of a Linux PC without a desktop keyring, and of CI.

Secrets are filed under the store's id, so two data folders on one PC never share them. A
backup carries none: restored on another PC (or after the credentials were removed) the app
finds them missing and asks for them again (:meth:`missing`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from pathlib import Path
from typing import Any, Final, Protocol

import platformdirs

from ..config import APP_AUTHOR, APP_NAME
from .session import write_private

logger = logging.getLogger("viveka_pos.credentials")

SERVICE: Final = "Viveka POS"
DIR_ENV: Final = "VIVEKA_CREDENTIALS_DIR"


class CredentialError(Exception):
    """A secret could not be saved; ``str()`` says why, in words for the user."""


class Vault(Protocol):
    """One place secrets can live; names are short keys such as ``remoteUrl``."""

    where: str

    def get(self, name: str) -> str: ...

    def put(self, name: str, value: str) -> None: ...

    def remove(self, name: str) -> None: ...


def default_folder() -> Path:
    """The fallback files' folder: ``VIVEKA_CREDENTIALS_DIR``, else the user config folder."""
    explicit = os.environ.get(DIR_ENV, "").strip()
    if explicit:
        return Path(explicit).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR)) / "credentials"


class FileVault:
    """The fallback: one JSON file per store, owner-only, replaced atomically on change."""

    def __init__(self, scope: str, folder: Path | None = None):
        self.folder = folder or default_folder()
        self.path = self.folder / f"{scope}.json"
        self.where = f"the file {self.path} (readable by this user only)"

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            logger.warning("the credentials file %s is unreadable; ignoring it", self.path)
            return {}
        if not isinstance(data, dict):
            return {}
        return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}

    def _write(self, data: dict[str, str]) -> None:
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(self.folder, 0o700)
            write_private(self.path, json.dumps(data, sort_keys=True) + "\n")
        except OSError as exc:
            raise CredentialError(
                f"cannot save the secret in {self.path}: {exc.strerror or exc}"
            ) from None

    def get(self, name: str) -> str:
        return self._read().get(name, "")

    def put(self, name: str, value: str) -> None:
        self._write({**self._read(), name: value})

    def remove(self, name: str) -> None:
        data = self._read()
        if data.pop(name, None) is not None:
            if data:
                self._write(data)
            else:
                self.path.unlink(missing_ok=True)


class KeyringVault:
    """The OS credential store, entries named ``<storeId>/<name>`` under :data:`SERVICE`."""

    def __init__(self, scope: str, backend: Any):
        self.scope = scope
        self.backend = backend
        self.where = f"the system's credential store ({type(backend).__name__})"

    def _user(self, name: str) -> str:
        return f"{self.scope}/{name}"

    def get(self, name: str) -> str:
        return self.backend.get_password(SERVICE, self._user(name)) or ""

    def put(self, name: str, value: str) -> None:
        try:
            self.backend.set_password(SERVICE, self._user(name), value)
        except Exception as exc:  # a locked keyring, a refused prompt, a D-Bus failure
            raise CredentialError(
                f"the system's credential store refused to save it "
                f"({type(exc).__name__}); unlock it and try again"
            ) from None

    def remove(self, name: str) -> None:
        from keyring.errors import PasswordDeleteError

        with contextlib.suppress(PasswordDeleteError):  # nothing saved under that name
            self.backend.delete_password(SERVICE, self._user(name))


def usable_keyring() -> Any | None:
    """The OS credential store's keyring backend, or None when there is none that keeps
    secrets (keyring's ``fail`` and ``null`` backends, or a Secret Service that is not
    running, as on a server or CI)."""
    try:
        import keyring
        from keyring.errors import KeyringError

        backend = keyring.get_keyring()
        if type(backend).__module__ in ("keyring.backends.fail", "keyring.backends.null"):
            return None
        if float(getattr(backend, "priority", 0)) <= 0:
            return None
        backend.get_password(SERVICE, "probe")  # a locked or absent service fails here
        return backend
    except (ImportError, KeyringError, RuntimeError, OSError) as exc:
        logger.info("no usable system credential store (%s); using the fallback file", exc)
        return None
    except Exception as exc:  # D-Bus and platform errors come in many types
        logger.info(
            "the system credential store failed (%s); using the fallback file", type(exc).__name__
        )
        return None


class CachedVault:
    """A vault whose values are read once per process (one process owns a data folder, so
    nothing else changes them meanwhile): billing reads settings often, and a keyring read
    can be a round trip to another process."""

    def __init__(self, inner: Vault):
        self.inner = inner
        self.where = inner.where
        self._values: dict[str, str] = {}

    def get(self, name: str) -> str:
        if name not in self._values:
            self._values[name] = self.inner.get(name)
        return self._values[name]

    def put(self, name: str, value: str) -> None:
        self._values.pop(name, None)
        self.inner.put(name, value)
        self._values[name] = value

    def remove(self, name: str) -> None:
        self._values.pop(name, None)
        self.inner.remove(name)


_OPEN: dict[tuple[str, str], CachedVault] = {}


def open_vault(scope: str) -> Vault:
    """The vault for one store (``scope``: its store id): the OS credential store when it
    works, else the owner-only fallback file. ``VIVEKA_CREDENTIALS_DIR`` set means the file."""
    folder = os.environ.get(DIR_ENV, "").strip()
    key = (scope, folder)
    if key not in _OPEN:
        backend = None if folder else usable_keyring()
        inner: Vault = KeyringVault(scope, backend) if backend is not None else FileVault(scope)
        _OPEN[key] = CachedVault(inner)
    return _OPEN[key]
