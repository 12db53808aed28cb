"""``viveka-pos sync``: prints what moved, fails clearly when the remote is unreachable."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.mongo_server import MongoServer, free_port, running_server
from tests.integration.sync_shop import Device
from viveka_pos.cli import main
from viveka_pos.config import DEVICE_FILE
from viveka_pos.services.device import DeviceSettings


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MongoServer]:
    with running_server(tmp_path_factory.mktemp("remote")) as running:
        yield running


@pytest.fixture
def data_dir_with_shop(tmp_path: Path) -> Path:
    dev = Device(tmp_path / "shop", "pc-cli", "C1")
    (tmp_path / "shop" / DEVICE_FILE).write_text('{"deviceId": "pc-cli"}')
    dev.register("9876500050")
    item = dev.add_item("Broom", 70, 9)
    dev.sell(item, 2)
    dev.log_in()
    dev.close()
    return tmp_path / "shop"


def test_sync_prints_counts_and_a_second_run_moves_nothing(
    server: MongoServer,
    data_dir_with_shop: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("VIVEKA_MONGO_URL", raising=False)
    args = [
        "--data-dir",
        str(data_dir_with_shop),
        "sync",
        "--remote",
        server.url,
        "--database",
        "cli",
    ]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "pushed: 7 " in out  # shop, item, opening + sale movements, invoice, payment,
    # and the login (device session)
    assert "pending: 0" in out and "dead letters: 0" in out
    assert main([*args, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["pushed"] == 0 and report["pull"]["applied"] == 0
    assert report["pending"] == 0


def test_remote_from_environment_then_settings(
    server: MongoServer,
    data_dir_with_shop: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VIVEKA_MONGO_URL", server.url)
    assert main(["--data-dir", str(data_dir_with_shop), "sync", "--database", "env"]) == 0
    assert "pushed: 7 " in capsys.readouterr().out
    monkeypatch.delenv("VIVEKA_MONGO_URL")
    from viveka_pos.store import open_store

    with open_store(data_dir_with_shop) as store:
        DeviceSettings(store).update(remoteUrl=server.url, remoteDatabase="env")
    assert main(["--data-dir", str(data_dir_with_shop), "sync"]) == 0
    assert "pushed: 0" in capsys.readouterr().out


def test_unreachable_remote_exits_non_zero_without_showing_the_password(
    data_dir_with_shop: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VIVEKA_MONGO_URL", raising=False)
    url = f"mongodb://owner:s3cret-pass@127.0.0.1:{free_port()}/?authSource=admin"
    code = main(
        ["--data-dir", str(data_dir_with_shop), "sync", "--remote", url, "--timeout", "0.3"]
    )
    captured = capsys.readouterr()
    assert code == 1
    assert "cannot reach the remote database" in captured.err
    assert "owner:****@127.0.0.1" in captured.err
    assert "s3cret" not in captured.err + captured.out


def test_missing_remote_or_shop_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VIVEKA_MONGO_URL", raising=False)
    empty = tmp_path / "empty"
    assert main(["--data-dir", str(empty), "sync"]) == 1
    assert "no remote database address" in capsys.readouterr().err
    assert main(["--data-dir", str(empty), "sync", "--remote", "http://example"]) == 1
    assert "no shop on this computer" in capsys.readouterr().err
