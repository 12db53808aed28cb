"""This PC's own settings (``localsettings``: never synced), as the UI and the CLI read them.

The two secrets (remote address, 2factor key) come from the PC's credential store, not the
document; they are left out of ``repr`` so a logged view never shows them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..stored import text_of

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
        invoice_prefix=text_of(values.get("invoicePrefix")),
        printer_name=text_of(values.get("printerName")),
        paper_size=text_of(values.get("paperSize")),
        remote_url=text_of(values.get("remoteUrl")),
        remote_database=text_of(values.get("remoteDatabase")),
        otp_mode=text_of(values.get("otpMode")),
        two_factor_api_key=text_of(values.get("twoFactorApiKey")),
        two_factor_base_url=text_of(values.get("twoFactorBaseUrl")),
        two_factor_template=text_of(values.get("twoFactorTemplate")),
        backup_dir=text_of(values.get("backupDir")),
        backup_every_bills=_count(values.get("backupEveryBills"), 50),
    )
