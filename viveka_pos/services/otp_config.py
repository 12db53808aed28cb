"""How OTPs leave this PC: by SMS through 2factor.in, or not at all (demo mode).

The environment wins over the PC's settings so a support person or a test can switch a
machine without touching its stored configuration:

============================  ===========================  ===================
environment                   device setting               default
============================  ===========================  ===================
``VIVEKA_OTP_MODE``           ``otpMode``                  ``sms``
``VIVEKA_2FACTOR_API_KEY``    ``twoFactorApiKey``          (none)
``VIVEKA_2FACTOR_BASE_URL``   ``twoFactorBaseUrl``         ``https://2factor.in``
\\-                           ``twoFactorTemplate``        (none)
============================  ===========================  ===================

Demo mode is used only when one of the two says ``mock`` explicitly; a blank or unknown mode
means SMS, so a configured API key is never bypassed by accident.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from ..gateways.sms import DEFAULT_BASE_URL, mask_secret

logger = logging.getLogger("viveka_pos.otp")

MODE_ENV: Final = "VIVEKA_OTP_MODE"
API_KEY_ENV: Final = "VIVEKA_2FACTOR_API_KEY"
BASE_URL_ENV: Final = "VIVEKA_2FACTOR_BASE_URL"

OtpMode = Literal["sms", "mock"]
_MODES: Final[tuple[OtpMode, ...]] = ("sms", "mock")


@dataclass(frozen=True)
class OtpSettings:
    """The resolved OTP delivery configuration. ``repr`` masks the API key."""

    mode: OtpMode = "sms"
    api_key: str = field(default="", repr=False)
    base_url: str = DEFAULT_BASE_URL
    template: str = ""

    @property
    def mock(self) -> bool:
        return self.mode == "mock"

    @property
    def sms_ready(self) -> bool:
        return self.mode == "sms" and bool(self.api_key)

    def describe(self) -> str:
        """One line for logs and support, without the key."""
        if self.mock:
            return "demo mode (fixed OTP, no SMS)"
        key = mask_secret(self.api_key) if self.api_key else "<none>"
        return f"SMS via {self.base_url} (key {key}, template {self.template or '<none>'})"


def _mode_of(value: Any, source: str) -> OtpMode | None:
    text = str(value or "").strip().lower()
    if not text:
        return None
    for mode in _MODES:
        if text == mode:
            return mode
    # Falling back to SMS is the safe side: a typo must never switch a shop to the fixed OTP.
    logger.warning("Ignoring unknown OTP mode %r from %s; expected 'sms' or 'mock'", text, source)
    return None


def _text(value: Any) -> str:
    return str(value or "").strip()


def resolve_otp_settings(
    device: Mapping[str, Any], environ: Mapping[str, str] | None = None
) -> OtpSettings:
    """Combine the environment with this PC's settings (``DeviceSettings.all()``)."""
    env = os.environ if environ is None else environ
    mode = (
        _mode_of(env.get(MODE_ENV), MODE_ENV)
        or _mode_of(device.get("otpMode"), "device settings")
        or "sms"
    )
    api_key = _text(env.get(API_KEY_ENV)) or _text(device.get("twoFactorApiKey"))
    base_url = (
        _text(env.get(BASE_URL_ENV)) or _text(device.get("twoFactorBaseUrl")) or DEFAULT_BASE_URL
    )
    return OtpSettings(
        mode=mode,
        api_key=api_key,
        base_url=base_url,
        template=_text(device.get("twoFactorTemplate")),
    )
