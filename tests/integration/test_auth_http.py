"""OTP registration and login over real HTTP to the fake 2factor.in server, and the CLI.

The fake runs on 127.0.0.1 (started and stopped here); the OTP service reaches it through
the same settings a shop would use (``twoFactorApiKey``/``twoFactorBaseUrl``).
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import bcrypt
import pytest

from tests.fixtures.fake_twofactor import FakeTwoFactorServer
from tests.fixtures.waiting import wait_for
from viveka_pos.cli import main as cli_main
from viveka_pos.domain.clock import FixedClock
from viveka_pos.gateways.sms import (
    SmsAuthError,
    SmsBalanceError,
    SmsConfigError,
    SmsError,
    SmsNetworkError,
    SmsServiceError,
)
from viveka_pos.services.auth import AuthService
from viveka_pos.services.context import ServiceContext
from viveka_pos.services.device import DeviceSettings
from viveka_pos.services.otp import NOT_SET_UP, OtpCooldownError, OtpError, OtpService
from viveka_pos.store import Store

KEY = "live-2f-key-5e3c9a7b1d"
PHONE = "9876543210"
REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fake() -> Iterator[FakeTwoFactorServer]:
    with FakeTwoFactorServer(valid_keys={KEY}) as server:
        yield server


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2025, 6, 16, 5, 0, tzinfo=UTC))


@pytest.fixture
def ctx(store: Store, clock: FixedClock) -> ServiceContext:
    return ServiceContext(store=store, device_id="pc-http", clock=clock)


@pytest.fixture
def otp(ctx: ServiceContext, fake: FakeTwoFactorServer) -> OtpService:
    DeviceSettings(ctx.store).update(twoFactorApiKey=KEY, twoFactorBaseUrl=fake.base_url)
    return OtpService(ctx, environ={}, bcrypt_rounds=4, sms_timeout=1.0)


def sessions(store: Store) -> list[dict]:
    return list(store.db.otpsessions.find({}))


def wrong_code(code: str) -> str:
    """A code of the same length that is certainly not ``code``."""
    return f"{(int(code) + 1) % 10 ** len(code):0{len(code)}d}"


# ----------------------------------------------------------------------- OTP over HTTP


def test_send_and_verify_over_http(
    otp: OtpService, fake: FakeTwoFactorServer, store: Store
) -> None:
    challenge = otp.send(PHONE, "login")
    assert not challenge.mock  # a configured key is used; demo mode is never the default
    [sms] = fake.sent
    assert sms.phone == PHONE
    assert len(sms.otp) == 6 and sms.otp.isdigit()
    assert sms.template is None
    [doc] = sessions(store)
    assert bcrypt.checkpw(sms.otp.encode(), doc["otpHash"].encode())
    assert not any(sms.otp in str(v) for k, v in doc.items() if k != "_id")
    otp.verify(PHONE, "login", sms.otp)
    assert sessions(store) == []
    with pytest.raises(OtpError, match="request one first"):
        otp.verify(PHONE, "login", sms.otp)  # used up


def test_each_send_makes_a_new_random_otp(
    otp: OtpService, fake: FakeTwoFactorServer, clock: FixedClock
) -> None:
    codes = set()
    for _ in range(4):
        otp.send(PHONE, "login")
        codes.add(fake.last_otp(PHONE))
        clock.advance(seconds=30)
    assert len(codes) >= 3  # repeated six-digit draws would mean a broken generator
    replaced = [sms.otp for sms in fake.sent[:-1] if sms.otp != fake.last_otp(PHONE)]
    with pytest.raises(OtpError, match="Wrong OTP"):
        otp.verify(PHONE, "login", replaced[0])  # a replaced OTP no longer works
    otp.verify(PHONE, "login", fake.last_otp(PHONE))


def test_template_and_digits_are_configurable(
    ctx: ServiceContext, fake: FakeTwoFactorServer, store: Store
) -> None:
    DeviceSettings(store).update(
        twoFactorApiKey=KEY, twoFactorBaseUrl=fake.base_url, twoFactorTemplate="VIVEKA_OTP"
    )
    four = OtpService(ctx, environ={}, bcrypt_rounds=4, digits=4)
    challenge = four.send(PHONE, "register")
    assert challenge.digits == 4
    assert fake.sent[-1].template == "VIVEKA_OTP"
    code = fake.last_otp(PHONE)
    assert len(code) == 4
    four.verify(PHONE, "register", code)


def test_wrong_otps_count_and_the_sixth_try_is_refused(
    otp: OtpService, fake: FakeTwoFactorServer, store: Store
) -> None:
    otp.send(PHONE, "login")
    right = fake.last_otp(PHONE)
    wrong = wrong_code(right)
    for left in (4, 3, 2):
        with pytest.raises(OtpError, match=f"Wrong OTP — {left} attempts left"):
            otp.verify(PHONE, "login", wrong)
    with pytest.raises(OtpError, match="Wrong OTP — 1 attempt left"):
        otp.verify(PHONE, "login", wrong)
    with pytest.raises(OtpError, match="Too many wrong attempts — request a new OTP"):
        otp.verify(PHONE, "login", wrong)
    with pytest.raises(OtpError, match="Too many wrong attempts"):
        otp.verify(PHONE, "login", right)
    assert sessions(store)[0]["attempts"] == 5


def test_expiry_over_http(otp: OtpService, fake: FakeTwoFactorServer, clock: FixedClock) -> None:
    otp.send(PHONE, "login")
    clock.advance(minutes=10)
    with pytest.raises(OtpError, match="OTP expired — request a new one"):
        otp.verify(PHONE, "login", fake.last_otp(PHONE))


def test_resend_cool_down_sends_no_sms(
    otp: OtpService, fake: FakeTwoFactorServer, clock: FixedClock
) -> None:
    otp.send(PHONE, "login")
    clock.advance(seconds=7)
    with pytest.raises(OtpCooldownError, match="Wait 23 s before asking for a new OTP"):
        otp.send(PHONE, "login")
    assert len(fake.sent) == 1
    clock.advance(seconds=23)
    otp.send(PHONE, "login")
    assert len(fake.sent) == 2
    otp.verify(PHONE, "login", fake.sent[1].otp)


def _break(fake: FakeTwoFactorServer, failure: str, otp_service: OtpService, store: Store) -> None:
    if failure == "invalid key":
        DeviceSettings(store).update(twoFactorApiKey="revoked-key-000000000")
    elif failure == "no balance":
        fake.balance = 0
    elif failure == "server error":
        fake.fail_with_status = 500
    elif failure == "timeout":
        fake.delay_seconds = 3.0


FAILURES = [
    ("invalid key", SmsAuthError, "check the 2factor.in API key in Settings"),
    ("no balance", SmsBalanceError, "Insufficient balance"),
    ("server error", SmsServiceError, "HTTP 500"),
    ("timeout", SmsNetworkError, "check the internet connection"),
]


@pytest.mark.parametrize(("failure", "error_type", "words"), FAILURES)
def test_failed_sends_explain_and_change_no_session(
    otp: OtpService,
    fake: FakeTwoFactorServer,
    store: Store,
    clock: FixedClock,
    failure: str,
    error_type: type[SmsError],
    words: str,
) -> None:
    otp.send(PHONE, "login")
    first_code = fake.last_otp(PHONE)
    before = sessions(store)
    clock.advance(seconds=45)
    _break(fake, failure, otp, store)
    started = time.monotonic()
    with pytest.raises(error_type, match=words) as caught:
        otp.send(PHONE, "login")
    assert time.monotonic() - started < 3.0  # the 1 s timeout holds even for a slow server
    assert KEY not in str(caught.value)
    assert sessions(store) == before
    assert len(fake.sent) == 1
    # The failure did not start a cool-down, and the earlier OTP still works.
    otp.verify(PHONE, "login", first_code)


@pytest.mark.parametrize(("failure", "error_type", "words"), FAILURES)
def test_a_failed_first_send_leaves_nothing_behind(
    otp: OtpService,
    fake: FakeTwoFactorServer,
    store: Store,
    failure: str,
    error_type: type[SmsError],
    words: str,
) -> None:
    _break(fake, failure, otp, store)
    with pytest.raises(error_type):
        otp.send(PHONE, "register")
    assert sessions(store) == []
    fake.balance, fake.fail_with_status, fake.delay_seconds = 10, None, 0.0
    DeviceSettings(store).update(twoFactorApiKey=KEY)
    otp.send(PHONE, "register")  # no cool-down from the failed attempt
    assert len(sessions(store)) == 1


def test_no_key_and_no_demo_mode_says_so(
    ctx: ServiceContext, fake: FakeTwoFactorServer, store: Store
) -> None:
    DeviceSettings(store).update(twoFactorBaseUrl=fake.base_url)
    service = OtpService(ctx, environ={}, bcrypt_rounds=4)
    with pytest.raises(SmsConfigError) as caught:
        service.send(PHONE, "login")
    assert str(caught.value) == NOT_SET_UP
    assert fake.requests_received == 0
    assert sessions(store) == []


def test_environment_overrides_the_pc_settings(
    ctx: ServiceContext, fake: FakeTwoFactorServer, store: Store
) -> None:
    DeviceSettings(store).update(
        otpMode="mock",
        twoFactorApiKey="stale-key-0000000000",
        twoFactorBaseUrl="http://127.0.0.1:9",
    )
    env = {
        "VIVEKA_OTP_MODE": "sms",
        "VIVEKA_2FACTOR_API_KEY": KEY,
        "VIVEKA_2FACTOR_BASE_URL": fake.base_url,
    }
    service = OtpService(ctx, environ=env, bcrypt_rounds=4)
    assert not service.send(PHONE, "login").mock
    assert len(fake.sent) == 1


def test_demo_mode_sends_nothing(
    ctx: ServiceContext, fake: FakeTwoFactorServer, store: Store
) -> None:
    DeviceSettings(store).update(twoFactorApiKey=KEY, twoFactorBaseUrl=fake.base_url)
    service = OtpService(ctx, environ={"VIVEKA_OTP_MODE": "mock"}, bcrypt_rounds=4)
    assert service.send(PHONE, "login").mock
    assert fake.requests_received == 0
    service.verify(PHONE, "login", "1234")


def test_key_and_otp_never_reach_the_logs(
    otp: OtpService,
    fake: FakeTwoFactorServer,
    store: Store,
    clock: FixedClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    otp.send(PHONE, "login")
    code = fake.last_otp(PHONE)
    wrong = wrong_code(code)
    with pytest.raises(OtpError):
        otp.verify(PHONE, "login", wrong)
    otp.verify(PHONE, "login", code)
    clock.advance(seconds=31)
    fake.balance = 0
    with pytest.raises(SmsBalanceError):
        otp.send(PHONE, "login")
    DeviceSettings(store).update(twoFactorApiKey="wrong-key-99999999")
    with pytest.raises(SmsAuthError):
        otp.send(PHONE, "login")
    text = caplog.text + "".join(repr(r.args) for r in caplog.records)
    assert "OTP for login issued to ******3210" in caplog.text  # the log is not empty
    assert "/API/V1/" in text  # urllib3's request lines were captured (redacted)
    for secret in (KEY, "wrong-key-99999999", code, wrong):
        assert secret not in text
    assert PHONE not in caplog.text


# ----------------------------------------------------------------------- auth over HTTP


def test_register_and_login_with_sms(
    ctx: ServiceContext, otp: OtpService, fake: FakeTwoFactorServer, clock: FixedClock
) -> None:
    auth = AuthService(ctx, otp)
    auth.start_register(PHONE)
    shop = auth.register(PHONE, fake.last_otp(PHONE), "Asha Kulkarni", "Asha Auto Spares")
    clock.advance(seconds=5)
    auth.start_login(PHONE)
    session = auth.login(PHONE, fake.last_otp(PHONE))
    assert session.client_id == shop.id
    assert auth.current_session() is not None
    assert len(fake.sent) == 2


# ----------------------------------------------------------------------- CLI
# A few runs go through a real subprocess (stdin, exit code, what reaches the terminal); the
# rest call the same entry point in this process, which is much faster.


def run_cli(
    data_dir: Path,
    *args: str,
    stdin: str = "",
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "viveka_pos", "--data-dir", str(data_dir), *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {})},
    )


def call_cli(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    data_dir: Path,
    *args: str,
    stdin: str = "",
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = cli_main(["--data-dir", str(data_dir), *args])
    out, err = capsys.readouterr()
    return code, out, err


MOCK = {"VIVEKA_OTP_MODE": "mock"}
REGISTER = (
    "register",
    "--phone",
    PHONE,
    "--owner",
    "Asha Kulkarni",
    "--business",
    "Asha Auto Spares",
)


@pytest.fixture
def demo_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIVEKA_OTP_MODE", "mock")


def test_cli_register_and_login_with_otp_in_demo_mode(tmp_path: Path) -> None:
    data = tmp_path / "shop"
    registered = run_cli(data, *REGISTER, "--otp", "1234", env=MOCK)
    assert registered.returncode == 0, registered.stderr
    assert "Registered Asha Auto Spares (9876543210)" in registered.stdout
    assert "Demo mode — OTP is 1234" in registered.stderr

    logged_in = run_cli(data, "login", "--phone", PHONE, "--otp", "1234", env=MOCK)
    assert logged_in.returncode == 0, logged_in.stderr
    assert "Logged in: Asha Auto Spares (9876543210)" in logged_in.stdout
    assert (data / "session.json").exists()


def test_cli_whoami_logout_and_a_second_registration(
    tmp_path: Path,
    demo_env: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = tmp_path / "shop"
    assert call_cli(monkeypatch, capsys, data, *REGISTER, "--otp", "1234")[0] == 0
    code, _, err = call_cli(monkeypatch, capsys, data, *REGISTER, "--otp", "1234")
    assert code == 1
    assert err.splitlines()[-1] == (
        "error: phoneNumber: a shop is already registered with this number — log in instead"
    )
    code, _, err = call_cli(monkeypatch, capsys, data, "whoami")
    assert (code, err) == (
        1,
        "error: not logged in on this computer (viveka-pos login --phone PHONE)\n",
    )
    assert call_cli(monkeypatch, capsys, data, "login", "--phone", PHONE, "--otp", "1234")[0] == 0
    code, out, _ = call_cli(monkeypatch, capsys, data, "whoami")
    assert code == 0
    assert "Asha Auto Spares (9876543210)" in out
    assert call_cli(monkeypatch, capsys, data, "logout")[:2] == (0, "Logged out.\n")
    assert call_cli(monkeypatch, capsys, data, "logout")[:2] == (0, "Not logged in.\n")
    assert call_cli(monkeypatch, capsys, data, "whoami")[0] == 1


def test_cli_prompts_for_the_otp_and_asks_again_after_a_wrong_one(
    tmp_path: Path,
    demo_env: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = tmp_path / "shop"
    assert call_cli(monkeypatch, capsys, data, *REGISTER, stdin="1234\n")[0] == 0
    result = run_cli(data, "login", "--phone", PHONE, stdin="0000\n1234\n", env=MOCK)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("Enter the OTP sent to ******3210: ") == 2
    assert "Wrong OTP — 4 attempts left" in result.stderr
    assert "Logged in: Asha Auto Spares" in result.stdout


def test_cli_end_of_input_exits_with_one_line(tmp_path: Path) -> None:
    eof = run_cli(tmp_path / "shop", *REGISTER, stdin="", env=MOCK)
    assert eof.returncode == 1
    assert eof.stderr.splitlines()[-1] == "error: no OTP entered"
    assert eof.stdout == ""


def test_cli_stops_asking_once_the_otp_is_dead(
    tmp_path: Path,
    demo_env: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = tmp_path / "shop"
    code, out, err = call_cli(
        monkeypatch, capsys, data, *REGISTER, stdin="1111\n2222\n3333\n4444\n5555\n1234\n"
    )
    assert code == 1
    assert out == ""
    assert err.count("Enter the OTP") == 5  # the sixth line is never read
    assert err.splitlines()[-1] == "error: otp: Too many wrong attempts — request a new OTP"

    code, _, err = call_cli(monkeypatch, capsys, data, "login", "--phone", "9123456780")
    assert code == 1
    assert err == "error: phoneNumber: no shop with this number — register first\n"


def test_cli_with_sms_through_the_fake_provider(
    tmp_path: Path,
    fake: FakeTwoFactorServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = tmp_path / "shop"
    env = {
        "VIVEKA_2FACTOR_API_KEY": KEY,
        "VIVEKA_2FACTOR_BASE_URL": fake.base_url,
        "VIVEKA_OTP_MODE": "",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code, out, err = call_cli(
        monkeypatch, capsys, data, "send-otp", "--phone", PHONE, "--purpose", "register"
    )
    assert code == 0, err
    assert "OTP sent to ******3210; it is valid for 10 minutes." in out
    assert "Demo mode" not in err
    code, _, err = call_cli(monkeypatch, capsys, data, *REGISTER, "--otp", fake.last_otp(PHONE))
    assert code == 0, err

    # Interactive login in a real process: the OTP is typed after the SMS has gone out.
    proc = subprocess.Popen(
        [sys.executable, "-m", "viveka_pos", "--data-dir", str(data), "login", "--phone", PHONE],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        cwd=REPO_ROOT,
        env={**os.environ, **env},
    )
    try:
        wait_for(lambda: len(fake.sent) >= 2 or proc.poll() is not None, 30, what="the login SMS")
        out, err = proc.communicate(fake.last_otp(PHONE) + "\n", timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "Enter the OTP sent to ******3210: " in err
    assert "Logged in: Asha Auto Spares" in out
    for secret in (KEY, *(sms.otp for sms in fake.sent)):
        assert secret not in out + err

    code, _, err = call_cli(monkeypatch, capsys, data, "login", "--phone", PHONE, "--otp", "123456")
    assert code == 1
    assert "run without --otp, or use send-otp" in err


def test_cli_without_sms_setup_explains_in_one_line(tmp_path: Path) -> None:
    result = run_cli(
        tmp_path / "shop",
        "send-otp",
        "--phone",
        PHONE,
        "--purpose",
        "register",
        env={"VIVEKA_OTP_MODE": "", "VIVEKA_2FACTOR_API_KEY": ""},
    )
    assert result.returncode == 1
    assert result.stderr == f"error: {NOT_SET_UP}\n"


def test_cli_reports_a_provider_refusal_in_one_line(
    tmp_path: Path, fake: FakeTwoFactorServer
) -> None:
    env = {
        "VIVEKA_2FACTOR_API_KEY": "revoked-key-123456789",
        "VIVEKA_OTP_MODE": "",
        "VIVEKA_2FACTOR_BASE_URL": fake.base_url,
    }
    result = run_cli(
        tmp_path / "shop", "send-otp", "--phone", PHONE, "--purpose", "register", env=env
    )
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("error: SMS provider refused the request: Invalid API Key")
    assert "revoked-key-123456789" not in line
