"""The log file: rotation, and no OTP, API key, JWT or remote password ever in it.

The flow test runs real flows (OTP registration and login, over real HTTP to the fake
2factor.in server and in demo mode; a bill; a sync that cannot reach its remote) with the
log set up as the app sets it up, adds the careless log lines a hurried fix might add, then
searches the file for each secret.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.fixtures.fake_twofactor import FakeTwoFactorServer
from tests.fixtures.safety_shop import sell
from tests.fixtures.waiting import wait_for
from viveka_pos.domain.clock import FixedClock
from viveka_pos.gateways.remote import RemoteError, connect
from viveka_pos.logging_setup import (
    LOG_BACKUPS,
    LOG_BYTES,
    MASK,
    RedactingFilter,
    redact,
    setup_logging,
    stop_logging,
)
from viveka_pos.services.auth import AuthService
from viveka_pos.services.context import ServiceContext
from viveka_pos.services.device import DeviceSettings
from viveka_pos.services.facade import ShopServices
from viveka_pos.services.otp import OtpService
from viveka_pos.services.otp_config import OtpSettings
from viveka_pos.services.sync_rules import SHOP_RULES
from viveka_pos.store import Store
from viveka_pos.sync.worker import SyncWorker

PASSWORD = "Pa55-w0rd-xyz"
REMOTE_URL = f"mongodb://viveka:{PASSWORD}@127.0.0.1:1/vivekaDB?authSource=admin"
JWT_SHAPE = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


@pytest.fixture
def log_file(data_dir: Path) -> Iterator[Path]:
    path = setup_logging(data_dir)
    try:
        yield path
    finally:
        stop_logging(data_dir)


# ------------------------------------------------------------------------ patterns
@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("OTP for login is 482913", "482913"),
        ("your otp: 4829", "4829"),
        ("Entered code=00731 for 98******10", "00731"),
        ("PIN 5521 accepted", "5521"),
        (
            "GET https://2factor.in/API/V1/7c1d0d2e-5a4b-4f3e-9d8c-1b2a3c4d5e6f/SMS/9876543210/"
            "381204/VIVEKA_OTP",
            "381204",
        ),
        (
            "GET https://2factor.in/API/V1/7c1d0d2e-5a4b-4f3e-9d8c-1b2a3c4d5e6f/SMS/9876543210/"
            "381204/VIVEKA_OTP",
            "7c1d0d2e-5a4b-4f3e-9d8c-1b2a3c4d5e6f",
        ),
        ("/API/V1/live-2f-key-5e3c9a7b1d/SMS/VERIFY3/9876543210/118822", "live-2f-key-5e3c9a7b1d"),
        ("/API/V1/live-2f-key-5e3c9a7b1d/SMS/VERIFY3/9876543210/118822", "118822"),
        ("settings {'twoFactorApiKey': 'k3y-abc-123', 'printerName': 'TVS'}", "k3y-abc-123"),
        ("api_key=abcdef0123456789&phone=1", "abcdef0123456789"),
        ("x-api-key: Zx9Yw8Vu7", "Zx9Yw8Vu7"),
        ("Authorization: Bearer abc.def.ghi-jkl", "abc.def.ghi-jkl"),
        ("token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl issued", "eyJhbGciOiJIUzI1NiJ9"),
        ("connecting to mongodb://viveka:s3cr3t@db.example.com:27017/vivekaDB", "s3cr3t"),
        ("mongodb+srv://u:p%40ss@cluster0.mongodb.net/x", "p%40ss"),
        ("password=hunter2 retry", "hunter2"),
        (
            "hash $2b$04$abcdefghijklmnopqrstuuR1zCHkMD2Y4mL0VvG8P9tq3xpTQ7rJm stored",
            "$2b$04$abcdefghijklmnopqrstuuR1zCHkMD2Y4mL0VvG8P9tq3xpTQ7rJm",
        ),
        ("signing_key: 9f8e7d6c5b4a", "9f8e7d6c5b4a"),
    ],
)
def test_each_kind_of_secret_is_redacted(text: str, secret: str) -> None:
    cleaned = redact(text)
    assert secret not in cleaned and MASK in cleaned


@pytest.mark.parametrize(
    "text",
    [
        "invoice A1/2526/00042 saved: total ₹5,250.00, paid 2000",
        "OTP for login issued to ******3210 (demo mode (fixed OTP, no SMS))",
        "sync: pushed 12, pulled 3 in 0.42s",
        "remote mongodb://127.0.0.1:27017/vivekaDB unreachable",
        "item 6b07512f1a2c3bc10964b746 stock 48",
        "barcode 8901234567890 added",
        "backup written to /data/backups/auto/auto-20250616T050000Z in 1.20 s",
    ],
)
def test_ordinary_lines_are_left_alone(text: str) -> None:
    assert redact(text) == text


def test_the_filter_rewrites_arguments_exceptions_and_stacks() -> None:
    record = logging.LogRecord(
        "x",
        logging.ERROR,
        __file__,
        1,
        "login with %s and %r",
        ("otp 918273", {"api_key": "zz-top-1"}),
        None,
    )
    try:
        raise RuntimeError(f"cannot reach {REMOTE_URL}")
    except RuntimeError:
        import sys

        record.exc_info = sys.exc_info()
    record.stack_info = "token=eyJa.eyJb.c"
    assert RedactingFilter().filter(record)
    text = logging.Formatter().format(record)
    for secret in ("918273", "zz-top-1", PASSWORD, "eyJa.eyJb.c"):
        assert secret not in text
    assert "cannot reach mongodb://viveka:[redacted]@127.0.0.1:1/" in text


# ------------------------------------------------------------------------ the file
def test_the_log_file_rotates_at_one_megabyte_keeping_five(data_dir: Path, log_file: Path) -> None:
    assert log_file == data_dir / "logs" / "viveka.log"
    assert setup_logging(data_dir) == log_file  # a second call adds no second handler
    handlers = [
        h for h in logging.getLogger().handlers if getattr(h, "baseFilename", "") == str(log_file)
    ]
    assert len(handlers) == 1
    assert (
        (handlers[0].maxBytes, handlers[0].backupCount)
        == (LOG_BYTES, LOG_BACKUPS)
        == (1_000_000, 5)
    )
    line = "x" * 1000
    for _ in range(2500):
        logging.getLogger("viveka_pos.test").info(line)
    logs = sorted(p.name for p in log_file.parent.iterdir())
    assert logs[:3] == ["viveka.log", "viveka.log.1", "viveka.log.2"]
    assert all(p.stat().st_size <= LOG_BYTES for p in log_file.parent.iterdir())


def test_no_secret_reaches_the_log_file(
    store: Store, log_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    log = logging.getLogger("viveka_pos.flows")
    clock = FixedClock(datetime(2025, 6, 16, 5, 0, tzinfo=UTC))
    ctx = ServiceContext(store, "pc-logs", clock)
    api_key = str(uuid.uuid4())
    secrets: list[str] = [api_key, PASSWORD]
    # Demo mode: the fixed OTP (before a remote is set: demo mode is refused after).
    demo = AuthService(ctx, OtpService(ctx, settings=OtpSettings(mode="mock"), bcrypt_rounds=4))
    demo.start_register("9876500002")
    demo.register("9876500002", "1234", "Ravi", "Ravi Tyres")
    clock.advance(seconds=5)
    demo.start_login("9876500002")
    demo_session = demo.login("9876500002", "1234")
    secrets.append(demo_session.token)
    log.info("demo login with otp 1234 for %s", "9876500002")
    clock.advance(seconds=5)

    with FakeTwoFactorServer(valid_keys={api_key}) as fake:
        DeviceSettings(store).update(
            twoFactorApiKey=api_key, twoFactorBaseUrl=fake.base_url, remoteUrl=REMOTE_URL
        )
        auth = AuthService(ctx, OtpService(ctx, environ={}, bcrypt_rounds=4))
        auth.start_register("9876543210")
        register_otp = fake.last_otp("9876543210")
        shop = auth.register("9876543210", register_otp, "Asha Kulkarni", "Asha Auto Spares")
        clock.advance(seconds=5)
        auth.start_login("9876543210")
        login_otp = fake.last_otp("9876543210")
        session = auth.login("9876543210", login_otp)
        secrets += [register_otp, login_otp, session.token]
        # What a hurried debugging line could add:
        log.info("sent OTP %s to the customer", login_otp)
        log.debug("2factor request /API/V1/%s/SMS/9876543210/%s", api_key, login_otp)
        log.info("login ok, token=%s", session.token)
        log.warning("settings now %s", DeviceSettings(store).all())

    # A bill.
    svc = ShopServices(ctx, shop.id)
    svc.catalog.create_item(name="Carburetor", price=2500, code="CARB", stock=5)
    invoice = sell(svc, {"CARB": 1})
    log.info("bill %s saved", invoice["invoiceNumber"])

    # A sync that cannot reach its remote (a password in the URL).
    statuses = []
    worker = SyncWorker(
        store,
        lambda: connect(REMOTE_URL, timeout_ms=200),
        shop.id,
        "pc-logs",
        interval=60,
        on_status=statuses.append,
        rules=SHOP_RULES,
    )
    worker.start()
    try:
        wait_for(
            lambda: any(s.state in ("offline", "error") for s in statuses),
            20,
            what="a failed sync attempt",
        )
    finally:
        worker.stop()
    failed = [s for s in statuses if s.state in ("offline", "error")]
    assert failed, "the sync attempt did not fail"
    log.warning("sync failed: %s (remote %s)", failed[0].last_error, REMOTE_URL)
    try:
        connect(REMOTE_URL, timeout_ms=200)
    except RemoteError:
        log.exception("cannot sync with %s", REMOTE_URL)
    for handler in logging.getLogger().handlers:
        handler.flush()

    text = log_file.read_text(encoding="utf-8")
    for secret in secrets:
        assert secret not in text, f"a secret reached the log: {secret[:6]}…"
    assert not JWT_SHAPE.search(text)
    assert not re.search(r"(?i)otp\D{0,12}1234", text)
    # ...while the lines themselves are still there and useful.
    assert f"bill {invoice['invoiceNumber']} saved" in text
    assert "sent OTP [redacted] to the customer" in text
    assert "mongodb://viveka:[redacted]@127.0.0.1:1/" in text
    assert "Shop registered for" in text and "Traceback" in text
