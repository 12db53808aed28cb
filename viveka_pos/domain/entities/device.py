"""This PC's own settings (``localsettings``: never synced), as the UI and the CLI read them.

The two secrets (remote address, 2factor key) come from the PC's credential store, not the
document; they are left out of ``repr`` so a logged view never shows them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["DeviceConfig", "device_config_from_stored"]


@dataclass(frozen=True, slots=True)
class DeviceConfig:
    invoice_prefix: str
    """This PC's invoice series ('A1'): two counters never share one."""
    printer_name: str
    """'' = ask every time."""
    paper_size: str
    """'' = the shop's paper."""
    remote_url: str = field(repr=False)
    remote_database: str
    """'' = the one the address names, else the shop's own."""
    otp_mode: str
    """'' (as configured elsewhere), 'sms' or 'mock'."""
    two_factor_api_key: str = field(repr=False)
    two_factor_base_url: str
    two_factor_template: str
    backup_dir: str
    backup_every_bills: int


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _count(value: Any, default: int) -> int:
    if isinstance(value, bool):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def device_config_from_stored(values: Mapping[str, Any]) -> DeviceConfig:
    """Device settings as ``DeviceSettings`` merges them (defaults, document, secrets)."""
    return DeviceConfig(
        invoice_prefix=_text(values.get("invoicePrefix")),
        printer_name=_text(values.get("printerName")),
        paper_size=_text(values.get("paperSize")),
        remote_url=_text(values.get("remoteUrl")),
        remote_database=_text(values.get("remoteDatabase")),
        otp_mode=_text(values.get("otpMode")),
        two_factor_api_key=_text(values.get("twoFactorApiKey")),
        two_factor_base_url=_text(values.get("twoFactorBaseUrl")),
        two_factor_template=_text(values.get("twoFactorTemplate")),
        backup_dir=_text(values.get("backupDir")),
        backup_every_bills=_count(values.get("backupEveryBills"), 50),
    )
