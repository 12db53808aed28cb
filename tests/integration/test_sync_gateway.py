"""The remote gateway: URL checks and masking, a clear unreachable error, remote indexes."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

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


@pytest.mark.parametrize(("url", "masked"), [
    ("mongodb://u:pw@host:27017/db", "mongodb://u:****@host:27017/db"),
    ("mongodb+srv://admin:p%40ss@cluster0.example.net/?retryWrites=true",
     "mongodb+srv://admin:****@cluster0.example.net/?retryWrites=true"),
    ("mongodb://host1,host2/?replicaSet=rs&password=x", "mongodb://host1,host2/?replicaSet=rs&"
                                                         "password=****"),
    ("mongodb://onlyuser@host/", "mongodb://onlyuser@host/"),
    ("mongodb://127.0.0.1:27017/", "mongodb://127.0.0.1:27017/"),
])
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
        caplog: pytest.LogCaptureFixture) -> None:
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


def test_indexes_of_the_spec_are_created_once(server: MongoServer) -> None:
    remote = connect(server.url, "indexes")
    try:
        warnings = remote.ensure_indexes()
        # This server ignores partial indexes, so the barcode key is dropped with a warning.
        assert warnings == [w for w in warnings if "partial" in w]
        for collection, specs in remote_indexes().items():
            # (this server records every key as ascending: compare the fields)
            present = {tuple(k for k, _ in info["key"]): info
                       for info in remote.collection(collection).index_information().values()}
            for spec in specs:
                if "partialFilterExpression" in spec.options:
                    continue
                fields = tuple(k for k, _ in spec.keys)
                assert fields in present, (collection, spec.keys)
                if spec.options.get("unique"):
                    assert present[fields].get("unique"), (collection, spec.keys)
                if "expireAfterSeconds" in spec.options:
                    assert present[fields].get("expireAfterSeconds") == 0
        keys = {s.keys: s.options for s in remote_indexes()["invoices"]}
        assert keys[(("clientId", 1), ("invoiceNumber", 1))]["unique"] is True
        assert (("clientId", 1), ("_syncedAt", 1)) in keys
        assert (("_syncedAt", 1),) in {s.keys for s in remote_indexes()["clients"]}
        assert TOMBSTONES in remote_indexes()
        assert "outbox" not in remote_indexes()
        assert remote_indexes()["otpsessions"][1].options["expireAfterSeconds"] == 0
        assert remote.ensure_indexes() == warnings  # nothing new the second time
    finally:
        remote.close()
