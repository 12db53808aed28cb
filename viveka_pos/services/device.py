"""Settings that belong to this PC, not to the shop: never synced to other devices."""

from __future__ import annotations

from typing import Any

from ..domain.numbering import validate_series_prefix
from ..store import Store

_DOC_ID = "device"

DEFAULTS: dict[str, Any] = {
    "invoicePrefix": "A",
    "printerName": "",
    "paperSize": "",
    "remoteUrl": "",
    "remoteDatabase": "vivekaDB",
    "otpMode": "",
    "twoFactorApiKey": "",
    "twoFactorBaseUrl": "",
    "twoFactorTemplate": "",
    "backupDir": "",
    "backupEveryBills": 50,
}


class DeviceSettings:
    def __init__(self, store: Store):
        self._store = store

    def all(self) -> dict[str, Any]:
        doc = self._store.get("localsettings", _DOC_ID) or {}
        return {**DEFAULTS, **{k: v for k, v in doc.items() if k != "_id"}}

    def get(self, key: str) -> Any:
        return self.all()[key]

    def update(self, **values: Any) -> dict[str, Any]:
        unknown = set(values) - set(DEFAULTS)
        if unknown:
            raise KeyError(f"unknown device settings: {sorted(unknown)}")
        if "invoicePrefix" in values:
            values["invoicePrefix"] = validate_series_prefix(values["invoicePrefix"])
        current = self._store.get("localsettings", _DOC_ID)
        merged = {**(current or {"_id": _DOC_ID}), **values}
        self._store.db.localsettings.replace_one({"_id": _DOC_ID}, merged, upsert=True)
        return self.all()
