"""The signing key, the token's claims and the private files that hold them."""

from __future__ import annotations

import os
import stat
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest

from viveka_pos.services.session import (
    SECRET_FILE,
    TokenError,
    TokenFile,
    issue_token,
    load_signing_key,
    read_token,
    write_private,
)

NOW = datetime(2025, 6, 16, 5, 0, tzinfo=UTC)


def token(key: bytes, **overrides: object) -> str:
    return issue_token(
        key, client_id="c1", device_session_id="s1", device_id="pc-a", now=NOW, **overrides
    )  # type: ignore[arg-type]


def test_signing_key_is_made_once_and_kept(tmp_path: Path) -> None:
    key = load_signing_key(tmp_path)
    assert len(key) == 32
    assert load_signing_key(tmp_path) == key
    if sys.platform != "win32":
        assert stat.S_IMODE(os.stat(tmp_path / SECRET_FILE).st_mode) == 0o600


@pytest.mark.parametrize("content", ["", "zz-not-hex", "abcd"])
def test_an_unusable_key_file_is_replaced(tmp_path: Path, content: str) -> None:
    (tmp_path / SECRET_FILE).write_text(content)
    key = load_signing_key(tmp_path)
    assert len(key) == 32
    assert (tmp_path / SECRET_FILE).read_text().strip() == key.hex()


def test_two_installs_have_different_keys(tmp_path: Path) -> None:
    assert load_signing_key(tmp_path / "one") != load_signing_key(tmp_path / "two")


def test_claims_round_trip_and_expiry_uses_the_given_time(tmp_path: Path) -> None:
    key = load_signing_key(tmp_path)
    claims = read_token(key, token(key), now=NOW + timedelta(days=29))
    assert (claims.client_id, claims.device_session_id, claims.device_id) == ("c1", "s1", "pc-a")
    assert claims.issued_at == NOW
    assert claims.expires_at == NOW + timedelta(days=30)
    with pytest.raises(TokenError, match="expired"):
        read_token(key, token(key), now=NOW + timedelta(days=30))
    short = token(key, lifetime=timedelta(minutes=1))
    with pytest.raises(TokenError, match="expired"):
        read_token(key, short, now=NOW + timedelta(minutes=1))
    assert read_token(key, short).device_id == "pc-a"  # no time given: signature only


# The HS512 token below is signed with our 32-byte key on purpose; PyJWT warns about its length.
@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_wrong_key_and_missing_claims_are_refused(tmp_path: Path) -> None:
    key = load_signing_key(tmp_path)
    with pytest.raises(TokenError, match="not signed on this computer"):
        read_token(b"x" * 32, token(key))
    partial = jwt.encode({"clientId": "c1", "iat": 1, "exp": 2}, key, algorithm="HS256")
    with pytest.raises(TokenError, match="damaged"):
        read_token(key, partial)
    wrong_type = jwt.encode(
        {"clientId": 5, "deviceSessionId": "s", "deviceId": "d", "iat": 1, "exp": 2},
        key,
        algorithm="HS256",
    )
    with pytest.raises(TokenError, match="damaged"):
        read_token(key, wrong_type)
    other_alg = jwt.encode(
        {"clientId": "c", "deviceSessionId": "s", "deviceId": "d", "iat": 1, "exp": 2},
        key,
        algorithm="HS512",
    )
    with pytest.raises(TokenError):
        read_token(key, other_alg)


def test_token_file_round_trip(tmp_path: Path) -> None:
    saved = TokenFile(tmp_path / "fresh")
    assert saved.load() is None
    saved.save("abc.def.ghi")
    assert saved.load() == "abc.def.ghi"
    if sys.platform != "win32":
        assert stat.S_IMODE(os.stat(saved.path).st_mode) == 0o600
    assert saved.clear() is True
    assert saved.clear() is False
    assert saved.load() is None


@pytest.mark.parametrize("content", ["[]", '{"token": 5}', '{"token": ""}', "\u0000"])
def test_token_file_ignores_malformed_content(tmp_path: Path, content: str) -> None:
    saved = TokenFile(tmp_path)
    saved.path.write_text(content)
    assert saved.load() is None


def test_write_private_replaces_atomically_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "file.txt"
    target.write_text("old")
    write_private(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["file.txt"]
