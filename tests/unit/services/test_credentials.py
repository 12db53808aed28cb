"""Secrets at rest: never in the data file or a backup; owner-only where they are kept."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from viveka_pos.services import credentials
from viveka_pos.services.backups import make_backup
from viveka_pos.services.credentials import FileVault, KeyringVault, open_vault
from viveka_pos.services.device import DeviceSettings
from viveka_pos.store import Store, open_store

URL = "mongodb://shop42:Pa55-w0rd-that-must-not-leak@db.example.in:27017/shop42"
PASSWORD = "Pa55-w0rd-that-must-not-leak"
API_KEY = "4f2c9e1a-77b3-11ee-b962-0242ac120002"


def _grep(folder: Path, *needles: str) -> list[str]:
    """Files under ``folder`` holding any needle (binary files too), as ``grep -rla`` would
    list them."""
    found: list[str] = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if any(needle.encode() in data for needle in needles):
            found.append(str(path))
    return found


def _mode(path: Path) -> int:
    """The file's permission bits (Windows has none of its own: the owner-only rule is kept
    there by the user's profile folder, so any mode passes)."""
    if os.name == "nt":
        return 0o600 if path.is_file() else 0o700
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def credentials_dir() -> Path:
    return Path(os.environ[credentials.DIR_ENV])


def test_saved_secrets_are_in_no_data_file_and_no_backup(
    tmp_path: Path, credentials_dir: Path
) -> None:
    data = tmp_path / "data"
    store = open_store(data)
    try:
        DeviceSettings(store).update(
            remoteUrl=URL, twoFactorApiKey=API_KEY, backupDir=str(tmp_path / "auto")
        )
        assert DeviceSettings(store).get("remoteUrl") == URL
        assert DeviceSettings(store).all()["twoFactorApiKey"] == API_KEY
        store.backup(tmp_path / "manual")
        make_backup(store, tmp_path / "auto")
    finally:
        store.close()
    for folder in (data, tmp_path / "manual", tmp_path / "auto"):
        assert _grep(folder, PASSWORD, API_KEY) == [], folder
    kept = _grep(credentials_dir, PASSWORD, API_KEY)
    assert len(kept) == 1  # one owner-only file holds both
    assert all(n.encode() in Path(kept[0]).read_bytes() for n in (PASSWORD, API_KEY))
    assert _mode(Path(kept[0])) == 0o600
    assert _mode(Path(kept[0]).parent) == 0o700


def test_a_restored_backup_asks_for_its_secrets_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(tmp_path / "first")
    try:
        DeviceSettings(store).update(remoteUrl=URL, twoFactorApiKey=API_KEY)
        store.backup(tmp_path / "pen-drive")
    finally:
        store.close()
    # Another PC: its own credential store, the backup restored into a new data folder.
    monkeypatch.setenv(credentials.DIR_ENV, str(tmp_path / "other-pc-credentials"))
    other = open_store(tmp_path / "second")
    try:
        other.restore(tmp_path / "pen-drive")
        settings = DeviceSettings(other)
        assert settings.missing_secrets() == ["remoteUrl", "twoFactorApiKey"]
        assert settings.get("remoteUrl") == "" and settings.all()["twoFactorApiKey"] == ""
        hints = settings.saved_hints()
        assert PASSWORD not in hints["remoteUrl"] and "db.example.in" in hints["remoteUrl"]
        assert API_KEY not in hints["twoFactorApiKey"]
        settings.update(remoteUrl=URL)  # entered again
        assert DeviceSettings(other).missing_secrets() == ["twoFactorApiKey"]
    finally:
        other.close()


def test_secrets_an_older_version_kept_in_the_data_file_are_moved_out(
    tmp_path: Path, credentials_dir: Path
) -> None:
    data = tmp_path / "data"
    store = open_store(data)
    try:
        store.db.localsettings.replace_one(
            {"_id": "device"},
            {"_id": "device", "invoicePrefix": "B", "remoteUrl": URL, "twoFactorApiKey": API_KEY},
            upsert=True,
        )
    finally:
        store.close()
    assert _grep(data, PASSWORD)  # the old state this test starts from
    store = open_store(data)
    try:
        settings = DeviceSettings(store)
        assert settings.get("remoteUrl") == URL
        assert settings.get("invoicePrefix") == "B"
        raw = store.get("localsettings", "device")
        assert raw is not None and "remoteUrl" not in raw and "twoFactorApiKey" not in raw
        store.backup(tmp_path / "after")
    finally:
        store.close()
    assert _grep(data, PASSWORD, API_KEY) == []
    assert _grep(tmp_path / "after", PASSWORD, API_KEY) == []
    assert _grep(credentials_dir, PASSWORD)


def test_clearing_a_secret_removes_it_from_the_credential_store(store: Store) -> None:
    settings = DeviceSettings(store)
    settings.update(twoFactorApiKey=API_KEY)
    settings.update(twoFactorApiKey="")
    assert settings.get("twoFactorApiKey") == ""
    assert settings.missing_secrets() == []
    assert _grep(Path(os.environ[credentials.DIR_ENV]), API_KEY) == []


# ------------------------------------------------------------- keyring or the file


class MemoryKeyring(KeyringBackend):
    """A working credential store that keeps its entries in this process."""

    priority = 5  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[service, username] = password

    def delete_password(self, service: str, username: str) -> None:
        from keyring.errors import PasswordDeleteError

        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


@pytest.fixture
def system_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Let the code choose for itself (no folder forced), then put keyring back."""
    monkeypatch.delenv(credentials.DIR_ENV)
    before = keyring.get_keyring()
    yield
    keyring.set_keyring(before)


def test_without_a_system_credential_store_the_owner_only_file_is_used(
    system_keyring: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring.set_keyring(fail.Keyring())  # what a headless Linux (CI) has
    monkeypatch.setattr(credentials, "default_folder", lambda: tmp_path / "config")
    assert credentials.usable_keyring() is None
    vault = open_vault("store-without-keyring")
    vault.put("twoFactorApiKey", API_KEY)
    inner = vault.inner  # type: ignore[attr-defined]
    assert isinstance(inner, FileVault)
    assert _mode(inner.path) == 0o600 and _mode(inner.path.parent) == 0o700


def test_with_a_system_credential_store_nothing_is_written_to_disk(
    system_keyring: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    monkeypatch.setattr(credentials, "default_folder", lambda: tmp_path / "config")
    store = open_store(tmp_path / "data")
    try:
        DeviceSettings(store).update(remoteUrl=URL)
        assert isinstance(DeviceSettings(store).vault.inner, KeyringVault)  # type: ignore
        assert backend.entries == {(credentials.SERVICE, f"{store.store_id}/remoteUrl"): URL}
    finally:
        store.close()
    assert not (tmp_path / "config").exists()
    assert _grep(tmp_path / "data", PASSWORD) == []


@pytest.mark.skipif(os.name == "nt", reason="Windows always has its Credential Manager")
def test_the_app_in_a_clean_process_picks_the_file_on_a_headless_machine(tmp_path: Path) -> None:
    """In a child process without any keyring configuration (as the CI machine is), the real
    choice is made: no Secret Service there, so the fallback file."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in (credentials.DIR_ENV, "DBUS_SESSION_BUS_ADDRESS")
    }
    env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg")
    code = (
        "from viveka_pos.services.credentials import open_vault;"
        "v = open_vault('s1'); v.put('k', 'v'); print(type(v.inner).__name__)"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert run.stdout.strip() == "FileVault"
    saved = list((tmp_path / "xdg").rglob("s1.json"))
    assert len(saved) == 1 and _mode(saved[0]) == 0o600
    shutil.rmtree(tmp_path / "xdg")


class LockedKeyring(MemoryKeyring):
    """A credential store that refuses to save (locked, or its prompt was dismissed)."""

    def set_password(self, service: str, username: str, password: str) -> None:
        from keyring.errors import PasswordSetError

        raise PasswordSetError("locked")


def test_a_credential_store_that_refuses_is_reported_on_the_field(
    system_keyring: None, tmp_path: Path
) -> None:
    from viveka_pos.domain.errors import ValidationError

    keyring.set_keyring(LockedKeyring())
    store = open_store(tmp_path / "data")
    try:
        with pytest.raises(ValidationError) as refused:
            DeviceSettings(store).update(remoteUrl=URL, invoicePrefix="B")
        assert refused.value.field == "remoteUrl"
        assert "refused to save it" in refused.value.message
        assert DeviceSettings(store).get("invoicePrefix") == "A"  # nothing half saved
    finally:
        store.close()
