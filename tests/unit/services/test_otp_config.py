"""Where OTP delivery settings come from: environment over this PC's settings."""

from __future__ import annotations

import logging

import pytest

from viveka_pos.gateways.sms import DEFAULT_BASE_URL
from viveka_pos.services.device import DEFAULTS, DeviceSettings
from viveka_pos.services.otp_config import OtpSettings, resolve_otp_settings
from viveka_pos.store import Store

KEY = "device-key-0123456789abcdef"


def device(**values: str) -> dict[str, object]:
    return {**DEFAULTS, **values}


def test_nothing_configured_means_sms_without_a_key() -> None:
    settings = resolve_otp_settings(device(), {})
    assert settings == OtpSettings(mode="sms", api_key="", base_url=DEFAULT_BASE_URL)
    assert not settings.mock
    assert not settings.sms_ready


def test_a_configured_key_is_used_and_never_replaced_by_demo_mode() -> None:
    settings = resolve_otp_settings(device(twoFactorApiKey=KEY, twoFactorTemplate="VIVEKA"), {})
    assert settings.mode == "sms"
    assert settings.sms_ready
    assert settings.api_key == KEY
    assert settings.template == "VIVEKA"


@pytest.mark.parametrize(
    ("env_mode", "device_mode", "expected"),
    [
        ("mock", "", "mock"),
        ("", "mock", "mock"),
        ("MOCK", "", "mock"),
        ("sms", "mock", "sms"),
        ("mock", "sms", "mock"),
        ("", "", "sms"),
    ],
)
def test_mode_comes_from_the_environment_first(
    env_mode: str, device_mode: str, expected: str
) -> None:
    settings = resolve_otp_settings(
        device(otpMode=device_mode, twoFactorApiKey=KEY), {"VIVEKA_OTP_MODE": env_mode}
    )
    assert settings.mode == expected


def test_an_unknown_mode_falls_back_to_sms_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="viveka_pos.otp"):
        settings = resolve_otp_settings(device(otpMode="demo"), {"VIVEKA_OTP_MODE": "fake"})
    assert settings.mode == "sms"
    assert "'fake'" in caplog.text
    assert "'demo'" in caplog.text


def test_environment_key_and_address_override_the_device() -> None:
    env = {
        "VIVEKA_2FACTOR_API_KEY": " env-key-abcdef0123456789\n",
        "VIVEKA_2FACTOR_BASE_URL": "http://127.0.0.1:9",
    }
    settings = resolve_otp_settings(
        device(twoFactorApiKey=KEY, twoFactorBaseUrl="http://example.invalid"), env
    )
    assert settings.api_key == "env-key-abcdef0123456789"
    assert settings.base_url == "http://127.0.0.1:9"


def test_device_address_is_used_when_the_environment_has_none() -> None:
    settings = resolve_otp_settings(device(twoFactorBaseUrl="http://127.0.0.1:8089"), {})
    assert settings.base_url == "http://127.0.0.1:8089"


def test_the_key_never_shows_in_repr_or_description() -> None:
    settings = resolve_otp_settings(device(twoFactorApiKey=KEY), {})
    assert KEY not in repr(settings)
    assert KEY not in settings.describe()
    assert KEY[:4] in settings.describe()
    assert "demo mode" in resolve_otp_settings(device(otpMode="mock"), {}).describe()


def test_reads_the_stored_device_settings(store: Store) -> None:
    DeviceSettings(store).update(otpMode="mock", twoFactorApiKey=KEY)
    settings = resolve_otp_settings(DeviceSettings(store).all(), {})
    assert settings.mock
    assert settings.api_key == KEY
