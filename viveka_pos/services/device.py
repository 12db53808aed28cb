"""Settings that belong to this PC, not to the shop: never synced to other devices.

Most live in the data file (``localsettings``). The secrets among them (:data:`SECRET_KEYS`:
the remote address, which carries the MongoDB password, and the 2factor API key) never do:
they go to this PC's credential store (:mod:`.credentials`), so no backup carries them. The
data file keeps only a masked hint of each (``savedSecrets``), so that a data file restored
from a backup, or copied to another PC, knows which secrets it had and asks for them again
(:meth:`DeviceSettings.missing_secrets`). Secrets an older version left in the data file are
moved out the first time the settings are read.
"""

from __future__ import annotations

import logging
from typing import Any, Final

from ..domain.entities.device import DeviceConfig, device_config_from_stored
from ..domain.errors import ValidationError
from ..domain.numbering import validate_series_prefix
from ..gateways.remote import mask_url
from ..gateways.sms import mask_secret
from ..store import Store
from .credentials import CredentialError, Vault, open_vault

logger = logging.getLogger("viveka_pos.device")

_DOC_ID = "device"
_HINTS: Final = "savedSecrets"

DEFAULTS: dict[str, Any] = {
    "invoicePrefix": "A",
    "printerName": "",
    "paperSize": "",
    "remoteUrl": "",
    # '' = the one the address names, else the shop's own (services/join.py shop_remote_database)
    "remoteDatabase": "",
    "otpMode": "",
    "twoFactorApiKey": "",
    "twoFactorBaseUrl": "",
    "twoFactorTemplate": "",
    "backupDir": "",
    "backupEveryBills": 50,
}

#: settings by their Python names (as :class:`DeviceConfig` spells them) -> stored names
_SETTING_NAMES: Final = {
    "invoice_prefix": "invoicePrefix",
    "printer_name": "printerName",
    "paper_size": "paperSize",
    "remote_url": "remoteUrl",
    "remote_database": "remoteDatabase",
    "otp_mode": "otpMode",
    "two_factor_api_key": "twoFactorApiKey",
    "two_factor_base_url": "twoFactorBaseUrl",
    "two_factor_template": "twoFactorTemplate",
    "backup_dir": "backupDir",
    "backup_every_bills": "backupEveryBills",
}

SECRET_KEYS: Final = ("remoteUrl", "twoFactorApiKey")

#: What the app calls each secret when it asks for it again.
SECRET_LABELS: Final = {
    "remoteUrl": "the remote database address (MongoDB URL)",
    "twoFactorApiKey": "the 2factor.in API key",
}


def _hint(key: str, value: str) -> str:
    return mask_url(value) if key == "remoteUrl" else mask_secret(value)


class DeviceSettings:
    def __init__(self, store: Store, vault: Vault | None = None):
        self._store = store
        self._vault = vault

    @property
    def vault(self) -> Vault:
        if self._vault is None:
            self._vault = open_vault(self._store.store_id)
        return self._vault

    def _doc(self) -> dict[str, Any]:
        doc = dict(self._store.get("localsettings", _DOC_ID) or {})
        if any(doc.get(key) for key in SECRET_KEYS):
            doc = self._move_secrets_out(doc)
        return doc

    def current(self) -> DeviceConfig:
        """This PC's settings as the UI and the CLI read them (secrets included)."""
        return device_config_from_stored(self.all())

    def all(self) -> dict[str, Any]:
        """Every setting by its stored name (for services that pass them on as a mapping)."""
        doc = self._doc()
        values = {
            **DEFAULTS,
            **{k: v for k, v in doc.items() if k not in ("_id", _HINTS, *SECRET_KEYS)},
        }
        for key in SECRET_KEYS:
            values[key] = self.vault.get(key) if key in self._hints(doc) else ""
        return values

    def get(self, key: str) -> Any:
        doc = self._doc()
        if key in SECRET_KEYS:
            return self.vault.get(key) if key in self._hints(doc) else ""
        if key not in DEFAULTS:
            raise KeyError(key)
        return doc.get(key, DEFAULTS[key])

    def update(self, **given: Any) -> DeviceConfig:
        """Save settings given by stored name (invoicePrefix) or Python name
        (invoice_prefix); a secret given as '' is removed."""
        values = {_SETTING_NAMES.get(key, key): value for key, value in given.items()}
        unknown = set(values) - set(DEFAULTS)
        if unknown:
            raise KeyError(f"unknown device settings: {sorted(unknown)}")
        if "invoicePrefix" in values:
            values["invoicePrefix"] = validate_series_prefix(values["invoicePrefix"])
        current = self._doc()
        hints = self._hints(current)
        for key in SECRET_KEYS:
            if key not in values:
                continue
            secret = str(values.pop(key) or "").strip()
            if secret:
                try:  # first: a failure leaves the settings as they were
                    self.vault.put(key, secret)
                except CredentialError as exc:
                    raise ValidationError(key, f"cannot be saved: {exc}") from None
                hints[key] = _hint(key, secret)
            else:
                self.vault.remove(key)
                hints.pop(key, None)
        merged = {**(current or {"_id": _DOC_ID}), **values, _HINTS: hints, "_id": _DOC_ID}
        self._store.db.localsettings.replace_one({"_id": _DOC_ID}, merged, upsert=True)
        return self.current()

    # ------------------------------------------------------------------ secrets
    @staticmethod
    def _hints(doc: dict[str, Any]) -> dict[str, str]:
        hints = doc.get(_HINTS)
        return dict(hints) if isinstance(hints, dict) else {}

    def saved_hints(self) -> dict[str, str]:
        """Masked forms of the secrets this data file was given (never the secrets)."""
        return self._hints(self._doc())

    def missing_secrets(self) -> list[str]:
        """Secrets this data file was given that this PC's credential store lacks: the data
        file came from a backup or another PC. The app asks for them again."""
        doc = self._doc()
        return [key for key in SECRET_KEYS if key in self._hints(doc) and not self.vault.get(key)]

    def _move_secrets_out(self, doc: dict[str, Any]) -> dict[str, Any]:
        """Move secrets an older version kept in the data file to the credential store."""
        hints = self._hints(doc)
        for key in SECRET_KEYS:
            secret = str(doc.pop(key, "") or "").strip()
            if secret:
                self.vault.put(key, secret)
                hints[key] = _hint(key, secret)
        doc[_HINTS] = hints
        doc["_id"] = _DOC_ID
        # Data files of that version synced with the shared default database unless told
        # otherwise: keep them on it (the per-shop default is for new set-ups).
        doc.setdefault("remoteDatabase", "vivekaDB")
        self._store.db.localsettings.replace_one({"_id": _DOC_ID}, doc, upsert=True)
        logger.info("moved the saved secrets out of the data file into %s", self.vault.where)
        return doc
