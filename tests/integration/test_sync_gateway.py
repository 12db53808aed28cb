"""The remote gateway: URL checks and masking, a clear unreachable error, remote indexes."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.mongo_server import MongoServer, free_port, running_server
from viveka_pos.gateways.remote import (
    TOMBSTONES,
    RemoteConfigError,
    RemoteUnavailableError,
    check_url,
    connect,
    mask_url,
    remote_indexes,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MongoServer]:
    with running_server(tmp_path_factory.mktemp("remote")) as running:
        yield running


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("mongodb://u:pw@host:27017/db", "mongodb://u:****@host:27017/db"),
        (
            "mongodb+srv://admin:p%40ss@cluster0.example.net/?retryWrites=true",
            "mongodb+srv://admin:****@cluster0.example.net/?retryWrites=true",
        ),
        (
            "mongodb://host1,host2/?replicaSet=rs&password=x",
            "mongodb://host1,host2/?replicaSet=rs&password=****",
        ),
        ("mongodb://onlyuser@host/", "mongodb://onlyuser@host/"),
        ("mongodb://127.0.0.1:27017/", "mongodb://127.0.0.1:27017/"),
    ],
)
def test_mask_url_hides_passwords(url: str, masked: str) -> None:
    assert mask_url(url) == masked


def test_check_url_refuses_other_schemes() -> None:
    with pytest.raises(RemoteConfigError, match="must start with mongodb://"):
        check_url("postgres://u:secret@host/db")
    with pytest.raises(RemoteConfigError) as err:
        check_url("https://u:secret@host/db")
    assert "secret" not in str(err.value)
    with pytest.raises(RemoteConfigError, match="no remote database address"):
        check_url("  ")
    with pytest.raises(RemoteConfigError):
        connect("mongodb://127.0.0.1:1/", "bad/name")


def test_unreachable_server_fails_fast_with_a_masked_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    url = f"mongodb://shop:hunter2@127.0.0.1:{free_port()}/"
    started = time.monotonic()
    with pytest.raises(RemoteUnavailableError) as err:
        connect(url, timeout_ms=300)
    assert time.monotonic() - started < 5
    message = str(err.value)
    assert message.startswith("cannot reach the remote database at mongodb://shop:****@127.0.0.1")
    assert "hunter2" not in message
    assert err.value.__cause__ is None and err.value.__suppress_context__
    assert "hunter2" not in caplog.text


def _present(remote: Any, collection: str) -> dict[tuple[str, ...], dict[str, Any]]:
    # (this server records every key as ascending: compare the fields)
    return {
        tuple(k for k, _ in info["key"]): info
        for name, info in remote.collection(collection).index_information().items()
        if name != "_id_"
    }


def test_indexes_are_exactly_the_spec_s_plus_sync_s_and_created_once(server: MongoServer) -> None:
    remote = connect(server.url, "indexes")
    try:
        # An older version of the app made the OTP key unique and indexed barcodes.
        remote.collection("otpsessions").create_index(
            [("phoneNumber", 1), ("purpose", 1)], unique=True
        )
        remote.collection("items").create_index([("code", 1)])
        warnings = remote.ensure_indexes()
        assert warnings == []
        for collection, specs in remote_indexes().items():
            present = _present(remote, collection)
            wanted = {tuple(k for k, _ in spec.keys): spec for spec in specs}
            assert set(present) == set(wanted), collection
            for fields, spec in wanted.items():
                assert bool(present[fields].get("unique")) == bool(spec.options.get("unique"))
                if "expireAfterSeconds" in spec.options:
                    assert present[fields].get("expireAfterSeconds") == 0
        otp = _present(remote, "otpsessions")
        assert not otp[("phoneNumber", "purpose")].get("unique")  # the spec: plain compound
        invoices = set(_present(remote, "invoices"))
        assert invoices == {
            ("clientId",),
            ("clientId", "invoiceNumber"),
            ("clientId", "_syncedAt"),
            ("clientId", "updatedAt"),
        }
        assert set(_present(remote, "clients")) == {("phoneNumber",), ("isActive",)}
        assert TOMBSTONES in remote_indexes()
        assert "outbox" not in remote_indexes()
        assert remote.ensure_indexes() == []  # nothing new the second time
        assert {n: set(_present(remote, n)) for n in remote_indexes()} == {
            n: {tuple(k for k, _ in s.keys) for s in specs} for n, specs in remote_indexes().items()
        }
    finally:
        remote.close()
