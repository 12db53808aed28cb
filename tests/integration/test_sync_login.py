"""The login gates sync: no valid login, no sync (CLI and background worker); a PC whose
login was ended elsewhere delivers what it recorded before, then stops until it logs in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.waiting import wait_for
from tests.integration.mongo_server import MongoServer, running_server
from tests.integration.sync_shop import Device
from viveka_pos.cli import main
from viveka_pos.config import DEVICE_FILE
from viveka_pos.gateways.remote import RemoteDatabase, connect
from viveka_pos.services.auth import AuthService
from viveka_pos.services.otp import OtpService
from viveka_pos.services.sync_rules import SHOP_RULES
from viveka_pos.sync import LoginRequiredError, SyncWorker, login_gate


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MongoServer]:
    with running_server(tmp_path_factory.mktemp("remote")) as running:
        yield running


def _gate(dev: Device) -> object:
    return login_gate(AuthService(dev.ctx, OtpService(dev.ctx)), dev.client_id)


def _on_remote(remote: RemoteDatabase, collection: str, doc_id: object) -> bool:
    return remote.collection(collection).find_one({"_id": doc_id}) is not None


def test_cli_sync_without_a_login_is_refused_and_sends_nothing(
    server: MongoServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dev = Device(tmp_path / "shop", "pc-cli", "C1")
    dev.register("9876500061")
    dev.sell(dev.add_item("Broom", 70, 9), 1)
    dev.close()
    (tmp_path / "shop" / DEVICE_FILE).write_text('{"deviceId": "pc-cli"}')
    code = main(
        [
            "--data-dir",
            str(tmp_path / "shop"),
            "sync",
            "--remote",
            server.url,
            "--database",
            "nologin",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "not syncing: not logged in on this computer" in err
    assert "viveka-pos login --phone 9876500061" in err and "billing works offline" in err
    remote = connect(server.url, "nologin")
    try:
        assert remote.collection("invoices").count_documents({}) == 0
        assert remote.collection("clients").count_documents({}) == 0
    finally:
        remote.close()


def test_a_revoked_pc_pushes_what_it_recorded_then_stops_until_it_logs_in(
    server: MongoServer, tmp_path: Path
) -> None:
    remote = connect(server.url, "revoked")
    a = Device(tmp_path / "a", "pc-a", "A1")
    b = Device(tmp_path / "b", "pc-b", "B1")
    try:
        a.register("9876500062")
        a.log_in()
        item = a.add_item("Mop", 60, 10)
        a.engine(remote, gate=_gate(a)).sync_once()
        b.client_id = a.client_id
        b.engine(remote).sync_once()
        b.log_in()  # the single-device policy: A's login ends
        b.engine(remote, gate=_gate(b)).sync_once()

        before = a.sell(item, 1)  # A has not heard of it yet
        report = a.engine(remote, gate=_gate(a)).sync_once()
        assert report.session_revoked
        assert _on_remote(remote, "invoices", before["_id"])

        after = a.sell(item, 2)  # billing goes on offline
        with pytest.raises(LoginRequiredError, match="log in on this computer"):
            a.engine(remote, gate=_gate(a)).sync_once()
        assert not _on_remote(remote, "invoices", after["_id"])
        assert a.store.outbox_size() > 0  # kept, not dropped

        worker = SyncWorker(
            a.store,
            lambda: connect(server.url, "revoked"),
            a.client_id,
            a.device_id,
            interval=30.0,
            gate=_gate(a),
            rules=SHOP_RULES,
        )
        worker.start()
        try:
            wait_for(lambda: worker.status.state == "login", 20, what="the worker asking for login")
            assert worker.status.session_revoked and worker.status.failures == 0
            assert "log in again" in worker.status.message
        finally:
            worker.stop()
        assert not _on_remote(remote, "invoices", after["_id"])

        a.log_in()  # A takes the shop back: what it billed meanwhile goes up now
        assert a.engine(remote, gate=_gate(a)).sync_once().pending == 0
        assert _on_remote(remote, "invoices", after["_id"])
    finally:
        a.close()
        b.close()
        remote.close()


def test_cli_sync_asks_again_for_an_address_a_restored_backup_lacks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from viveka_pos.services import credentials
    from viveka_pos.services.device import DeviceSettings

    dev = Device(tmp_path / "shop", "pc-cli", "C1")
    dev.register("9876500063")
    DeviceSettings(dev.store).update(remoteUrl="mongodb://shop:pw@db.example.in/x")
    dev.close()
    monkeypatch.setenv(credentials.DIR_ENV, str(tmp_path / "another-pc"))
    monkeypatch.delenv("VIVEKA_MONGO_URL", raising=False)
    assert main(["--data-dir", str(tmp_path / "shop"), "sync"]) == 1
    err = capsys.readouterr().err
    assert "is not saved on this computer" in err and "enter it again" in err
