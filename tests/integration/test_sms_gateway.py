"""The 2factor.in client against the fake provider, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import os
import queue
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from tests.fixtures.fake_twofactor import (
    NO_SESSION,
    OTP_LIFETIME_SECONDS,
    FakeTwoFactorServer,
    SentSms,
)
from viveka_pos.gateways.sms import (
    SmsAuthError,
    SmsBalanceError,
    SmsConfigError,
    SmsError,
    SmsInvalidPhoneError,
    SmsNetworkError,
    SmsRejected,
    SmsServiceError,
    TwoFactorClient,
    mask_phone,
    mask_secret,
    rejection_for,
)

KEY = "k3y-5ecret-7f3a9c1e2b4d"
PHONE = "9876543210"
REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fake() -> Iterator[FakeTwoFactorServer]:
    with FakeTwoFactorServer(valid_keys={KEY}) as server:
        yield server


@pytest.fixture
def client(fake: FakeTwoFactorServer) -> Iterator[TwoFactorClient]:
    with TwoFactorClient(KEY, base_url=fake.base_url, timeout=2.0) as sms:
        yield sms


def _free_port() -> int:
    """A port with nothing listening on it (bound, read, released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _assert_no_secret_in(error: BaseException, *secrets: str) -> None:
    """Neither the message, the repr nor any chained exception may carry a secret."""
    assert error.__cause__ is None
    assert error.__context__ is None
    for secret in secrets:
        assert secret not in str(error)
        assert secret not in repr(error)


# --------------------------------------------------------------------------- sending


def test_send_returns_session_id_and_the_otp_arrives(
    fake: FakeTwoFactorServer, client: TwoFactorClient
) -> None:
    session_id = client.send_otp(PHONE, "481516")

    assert session_id
    assert fake.sent == [SentSms(PHONE, "481516", None, session_id)]
    assert fake.last_otp(PHONE) == "481516"
    assert fake.balance == 999


def test_send_with_template(fake: FakeTwoFactorServer) -> None:
    with TwoFactorClient(KEY, base_url=fake.base_url, template="ViveLogin") as sms:
        session_id = sms.send_otp(PHONE, "230042")

    assert fake.sent == [SentSms(PHONE, "230042", "ViveLogin", session_id)]


@pytest.mark.parametrize("phone", ["91" + PHONE, "+91" + PHONE])
def test_send_to_number_with_country_code(
    fake: FakeTwoFactorServer, client: TwoFactorClient, phone: str
) -> None:
    client.send_otp(phone, "777001")

    assert fake.sent[-1].phone == phone
    assert fake.last_otp(PHONE) == "777001"


def test_invalid_key_is_an_auth_error_without_the_key(fake: FakeTwoFactorServer) -> None:
    wrong_key = "wr0ng-key-0000-1111-2222"
    with (
        TwoFactorClient(wrong_key, base_url=fake.base_url) as sms,
        pytest.raises(SmsAuthError) as caught,
    ):
        sms.send_otp(PHONE, "135790")

    assert caught.value.details == "Invalid API Key"
    assert "Invalid API Key" in str(caught.value)
    assert mask_secret(wrong_key) in str(caught.value)
    _assert_no_secret_in(caught.value, wrong_key, "135790")
    assert fake.sent == []


def test_exhausted_balance(fake: FakeTwoFactorServer, client: TwoFactorClient) -> None:
    fake.balance = 1
    client.send_otp(PHONE, "100001")

    with pytest.raises(SmsBalanceError) as caught:
        client.send_otp(PHONE, "100002")

    assert "Insufficient balance" in str(caught.value)
    assert [sms.otp for sms in fake.sent] == ["100001"]


@pytest.mark.parametrize("phone", ["98765", "919876543", "449876543210", "+11234567890"])
def test_invalid_phone(fake: FakeTwoFactorServer, client: TwoFactorClient, phone: str) -> None:
    with pytest.raises(SmsInvalidPhoneError) as caught:
        client.send_otp(phone, "246810")

    assert "Invalid Phone Number" in str(caught.value)
    assert fake.sent == []


@pytest.mark.parametrize(
    ("phone", "otp"),
    [
        ("98765 43210", "123456"),
        ("", "123456"),
        ("VERIFY", "123456"),
        ("\u0669876543210", "123456"),  # an Arabic-Indic digit
        (PHONE, "12a4"),
        (PHONE, ""),
        (PHONE, "12\u00b34"),  # a superscript digit
    ],
)
def test_malformed_arguments_are_refused_before_any_request(
    fake: FakeTwoFactorServer, client: TwoFactorClient, phone: str, otp: str
) -> None:
    with pytest.raises(ValueError):
        client.send_otp(phone, otp)

    assert fake.requests_received == 0


def test_server_error_with_html_body(fake: FakeTwoFactorServer, client: TwoFactorClient) -> None:
    fake.fail_with_status = 500

    with pytest.raises(SmsServiceError) as caught:
        client.send_otp(PHONE, "555555")

    assert caught.value.status == 500
    assert str(caught.value) == "SMS service is having trouble (HTTP 500); try again in a minute"
    assert fake.requests_received == 1


def test_timeout_is_a_network_error_and_is_not_retried(fake: FakeTwoFactorServer) -> None:
    fake.delay_seconds = 1.0

    with (
        TwoFactorClient(KEY, base_url=fake.base_url, timeout=0.2) as sms,
        pytest.raises(SmsNetworkError) as caught,
    ):
        sms.send_otp(PHONE, "909090")

    assert caught.value.maybe_sent is True
    assert fake.requests_received == 1
    _assert_no_secret_in(caught.value, KEY, "909090")


def test_refused_connection_is_retried_then_reported(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="viveka_pos.sms")
    base_url = f"http://127.0.0.1:{_free_port()}"

    with (
        TwoFactorClient(KEY, base_url=base_url, timeout=1.0) as sms,
        pytest.raises(SmsNetworkError) as caught,
    ):
        sms.send_otp(PHONE, "313131")

    assert str(caught.value) == "Cannot reach the SMS service — check the internet connection"
    assert caught.value.maybe_sent is False
    retries = [r for r in caplog.records if "retrying" in r.getMessage()]
    assert len(retries) == 2
    _assert_no_secret_in(caught.value, KEY, "313131")


def test_blank_key_needs_no_request(fake: FakeTwoFactorServer) -> None:
    for key in ("", "   \n"):
        with TwoFactorClient(key, base_url=fake.base_url) as sms:
            assert not sms.is_configured
            with pytest.raises(SmsConfigError) as caught:
                sms.send_otp(PHONE, "123456")
            assert "add the 2factor.in API key in Settings" in str(caught.value)

    assert fake.requests_received == 0


def test_key_with_surrounding_whitespace_is_trimmed(fake: FakeTwoFactorServer) -> None:
    with TwoFactorClient(f"  {KEY}\n", base_url=fake.base_url) as sms:
        sms.send_otp(PHONE, "424242")

    assert fake.last_otp() == "424242"


def test_client_repr_masks_the_key() -> None:
    assert KEY not in repr(TwoFactorClient(KEY))
    assert mask_secret(KEY) in repr(TwoFactorClient(KEY))


# --------------------------------------------------------------------------- verifying


def test_verify_by_session(fake: FakeTwoFactorServer, client: TwoFactorClient) -> None:
    session_id = client.send_otp(PHONE, "864200")

    assert client.verify_otp_by_session(session_id, "000000") is False
    assert client.verify_otp_by_session(session_id, "864200") is True
    # a matched OTP is used up
    assert client.verify_otp_by_session(session_id, "864200") is False


def test_verify_unknown_session_is_false_not_an_auth_error(client: TwoFactorClient) -> None:
    assert rejection_for(NO_SESSION) is SmsRejected
    assert client.verify_otp_by_session("no-such-session", "123456") is False


def test_verify_expired_session(fake: FakeTwoFactorServer, client: TwoFactorClient) -> None:
    session_id = client.send_otp(PHONE, "112233")
    now = fake.clock()
    fake.clock = lambda: now + OTP_LIFETIME_SECONDS + 1

    assert client.verify_otp_by_session(session_id, "112233") is False


def test_verify_with_a_bad_key_raises(fake: FakeTwoFactorServer) -> None:
    with (
        TwoFactorClient("some-other-key-123456", base_url=fake.base_url) as sms,
        pytest.raises(SmsAuthError),
    ):
        sms.verify_otp_by_session("whatever", "123456")


# --------------------------------------------------------------------------- odd answers


class _CannedHandler(BaseHTTPRequestHandler):
    """Answers every GET with the server's ``canned`` (status, body, extra headers)."""

    def do_GET(self) -> None:
        status, body, headers = self.server.canned  # type: ignore[attr-defined]
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def canned_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _CannedHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _json(data: object) -> bytes:
    return json.dumps(data).encode()


@pytest.mark.parametrize(
    ("status", "body", "headers", "expected", "http_status"),
    [
        (200, b"OK", {}, SmsServiceError, 200),
        (200, _json(["Success"]), {}, SmsServiceError, 200),
        (200, _json({"Status": "Success", "Details": ""}), {}, SmsServiceError, 200),
        (503, _json({"Status": "Error", "Details": "Down"}), {}, SmsServiceError, 503),
        (302, b"", {"Location": "http://127.0.0.1:9/elsewhere"}, SmsServiceError, 302),
        (400, _json({"Status": "Error", "Details": "Template Not Approved"}), {}, SmsRejected, 0),
    ],
)
def test_odd_answers(
    canned_server: ThreadingHTTPServer,
    status: int,
    body: bytes,
    headers: dict[str, str],
    expected: type[SmsError],
    http_status: int,
) -> None:
    canned_server.canned = (status, body, headers)  # type: ignore[attr-defined]
    host, port = canned_server.server_address[:2]

    with (
        TwoFactorClient(KEY, base_url=f"http://{host}:{port}") as sms,
        pytest.raises(SmsError) as caught,
    ):
        sms.send_otp(PHONE, "123456")

    assert type(caught.value) is expected
    if http_status:
        assert caught.value.status == http_status  # type: ignore[attr-defined]
    else:
        assert str(caught.value) == "SMS provider refused the request: Template Not Approved"


def test_provider_details_echoing_the_key_are_masked(canned_server: ThreadingHTTPServer) -> None:
    details = f"Key {KEY} is blocked"
    canned_server.canned = (400, _json({"Status": "Error", "Details": details}), {})  # type: ignore[attr-defined]
    host, port = canned_server.server_address[:2]

    with (
        TwoFactorClient(KEY, base_url=f"http://{host}:{port}") as sms,
        pytest.raises(SmsAuthError) as caught,
    ):
        sms.send_otp(PHONE, "123456")

    assert KEY not in str(caught.value)
    assert KEY not in caught.value.details


# --------------------------------------------------------------------------- classification


@pytest.mark.parametrize(
    ("details", "expected"),
    [
        ("Invalid API Key", SmsAuthError),
        ("API key not found", SmsAuthError),
        ("Unauthorized", SmsAuthError),
        ("Insufficient balance", SmsBalanceError),
        ("No SMS credits left, please recharge", SmsBalanceError),
        ("Invalid Phone Number - Check Number Format", SmsInvalidPhoneError),
        ("Mobile is not valid", SmsInvalidPhoneError),
        ("Invalid API / SessionId Combination - No Entry Exists", SmsRejected),
        ("OTP Mismatch", SmsRejected),
        ("Template Not Approved", SmsRejected),
        ("", SmsRejected),
    ],
)
def test_rejection_classes(details: str, expected: type[SmsRejected]) -> None:
    assert rejection_for(details) is expected


def test_masking() -> None:
    assert mask_secret("abcd-1234-efgh-5678") == "abcd…78"
    assert mask_secret("short") == "****"
    assert mask_phone("+919876543210") == "******3210"
    assert mask_phone("123") == "****"


# --------------------------------------------------------------------------- logs


def test_logs_hold_neither_key_nor_otp(
    fake: FakeTwoFactorServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    otps = ["614207", "614208", "614209", "614210", "614211", "614212"]
    other_key = "an0ther-wrong-key-998877"

    with TwoFactorClient(KEY, base_url=fake.base_url, template="ViveLogin", timeout=0.3) as sms:
        session_id = sms.send_otp(PHONE, otps[0])
        assert sms.verify_otp_by_session(session_id, otps[1]) is False
        assert sms.verify_otp_by_session(session_id, otps[0]) is True
        fake.fail_with_status = 500
        with pytest.raises(SmsServiceError):
            sms.send_otp(PHONE, otps[2])
        fake.fail_with_status = None
        fake.delay_seconds = 1.0
        with pytest.raises(SmsNetworkError):
            sms.send_otp(PHONE, otps[3])
        fake.delay_seconds = 0.0
    with TwoFactorClient(other_key, base_url=fake.base_url) as sms, pytest.raises(SmsAuthError):
        sms.send_otp(PHONE, otps[4])
    refused = f"http://127.0.0.1:{_free_port()}"
    with TwoFactorClient(KEY, base_url=refused) as sms, pytest.raises(SmsNetworkError):
        sms.send_otp(PHONE, otps[5])

    text = caplog.text + "".join(r.exc_text or "" for r in caplog.records)
    for secret in [KEY, other_key, PHONE, *otps]:
        assert secret not in text
    # urllib3 did log the requests, with their paths redacted
    assert "/API/V1/<redacted>" in text
    assert mask_phone(PHONE) in text


# --------------------------------------------------------------------------- the fake itself


def test_fake_autogen_and_verify_by_phone(fake: FakeTwoFactorServer) -> None:
    base = f"{fake.base_url}/API/V1/{KEY}/SMS"
    first = requests.get(f"{base}/{PHONE}/AUTOGEN", timeout=2).json()
    second = requests.get(f"{base}/91{PHONE}/AUTOGEN2/ViveLogin", timeout=2).json()

    assert first["Status"] == second["Status"] == "Success"
    otp = fake.last_otp()
    assert len(otp) == 6 and otp.isdigit()
    assert fake.sent[-1].template == "ViveLogin"
    assert fake.balance == 998

    wrong = "000000" if otp != "000000" else "111111"
    mismatch = requests.get(f"{base}/VERIFY3/{PHONE}/{wrong}", timeout=2)
    matched = requests.get(f"{base}/VERIFY3/%2B91{PHONE}/{otp}", timeout=2)
    assert (mismatch.status_code, mismatch.json()) == (
        400,
        {"Status": "Error", "Details": "OTP Mismatch"},
    )
    assert matched.json() == {"Status": "Success", "Details": "OTP Matched"}


def test_fake_rejects_unknown_routes_and_bad_keys(fake: FakeTwoFactorServer) -> None:
    unknown = requests.get(f"{fake.base_url}/API/V1/{KEY}/BAL/SMS", timeout=2)
    bad_key = requests.get(f"{fake.base_url}/API/V1/nope/SMS/{PHONE}/1234", timeout=2)

    assert unknown.status_code == 404
    assert (bad_key.status_code, bad_key.json()["Details"]) == (401, "Invalid API Key")


def test_fake_runs_standalone_and_prints_otps() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "NO_PROXY": "127.0.0.1"}
    command = [sys.executable, "-m", "tests.fixtures.fake_twofactor", "--port", "0"]
    proc = subprocess.Popen(
        [*command, "--key", KEY],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout or []])
    reader.start()
    try:
        banner = lines.get(timeout=10)
        base_url = banner.rsplit(" ", 1)[-1].strip()
        assert base_url.startswith("http://127.0.0.1:")
        with TwoFactorClient(KEY, base_url=base_url) as sms:
            sms.send_otp(PHONE, "271828")
        printed = [lines.get(timeout=10) for _ in range(2)]
        assert any("271828" in line and PHONE in line for line in printed)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        reader.join(timeout=10)
