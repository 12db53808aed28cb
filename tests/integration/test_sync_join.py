"""A second PC joins a shop: ``login --phone P --remote URL`` against a real MongoDB-wire
server on 127.0.0.1, with real stores in temporary folders. The first PC works in demo mode
(no remote address saved); joining needs the SMS OTP, sent through the fake 2factor.in server
on 127.0.0.1 and kept in the remote's ``otpsessions``; the OTP is typed at the prompt."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pymongo.monitoring import CommandListener, CommandStartedEvent

from tests.fixtures.fake_twofactor import FakeTwoFactorServer
from tests.integration.mongo_server import MongoServer, free_port, running_server
from tests.integration.sync_shop import shop_snapshot
from viveka_pos.cli import main
from viveka_pos.config import load_device_id
from viveka_pos.domain.errors import ValidationError
from viveka_pos.gateways.remote import connect
from viveka_pos.services.auth import AuthService
from viveka_pos.services.context import ServiceContext
from viveka_pos.services.device import DeviceSettings
from viveka_pos.services.join import bring_shop, choose_series, first_sync, forget_shop
from viveka_pos.services.otp import MOCK_OTP, OtpService
from viveka_pos.services.shop import ShopService
from viveka_pos.store import Store, open_store

PHONE = "9876500060"
SMS_KEY = "join-test-key-0123456789"
CUSTOMER = "9000000071"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MongoServer]:
    with running_server(tmp_path_factory.mktemp("remote")) as running:
        yield running


@pytest.fixture(scope="module")
def sms() -> Iterator[FakeTwoFactorServer]:
    with FakeTwoFactorServer(valid_keys={SMS_KEY}) as fake:
        yield fake


@pytest.fixture(autouse=True)
def _demo_otp(monkeypatch: pytest.MonkeyPatch) -> None:
    """Demo OTP mode for the first PC, and no remote address from the machine's environment."""
    monkeypatch.setenv("VIVEKA_OTP_MODE", "mock")
    monkeypatch.delenv("VIVEKA_MONGO_URL", raising=False)


class TypedOtp:
    """Stands for the keyboard at the OTP prompt: types the codes given, then the one the
    shop's phone received (read from the fake SMS server), then nothing (end of input)."""

    def __init__(self, sms: FakeTwoFactorServer, *codes: str, then_received: bool = True):
        self.sms = sms
        self.codes = list(codes)
        self.then_received = then_received

    def readline(self) -> str:
        if self.codes:
            return self.codes.pop(0) + "\n"
        if self.then_received:
            self.then_received = False
            return self.sms.last_otp(PHONE) + "\n"
        return ""

    def isatty(self) -> bool:
        return False


@pytest.fixture
def joiner(monkeypatch: pytest.MonkeyPatch, sms: FakeTwoFactorServer) -> Any:
    """Makes this process a PC that joins: SMS mode with the shop's key, OTPs typed."""

    def become(*typed: str, then_received: bool = True) -> None:
        monkeypatch.setenv("VIVEKA_OTP_MODE", "sms")
        monkeypatch.setenv("VIVEKA_2FACTOR_API_KEY", SMS_KEY)
        monkeypatch.setenv("VIVEKA_2FACTOR_BASE_URL", sms.base_url)
        monkeypatch.setattr("sys.stdin", TypedOtp(sms, *typed, then_received=then_received))

    return become


@pytest.fixture
def database() -> str:
    return f"join_{uuid.uuid4().hex[:10]}"


def cli(capsys: pytest.CaptureFixture[str], folder: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(folder), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def ok(capsys: pytest.CaptureFixture[str], folder: Path, *args: str) -> str:
    code, out, err = cli(capsys, folder, *args)
    assert code == 0, err
    return out


@pytest.fixture
def first_pc(
    tmp_path: Path, server: MongoServer, database: str, capsys: pytest.CaptureFixture[str]
) -> Path:
    """PC1: registers the shop (demo OTP), adds items and a customer, bills twice, syncs."""
    pc1 = tmp_path / "pc1"
    ok(
        capsys,
        pc1,
        "register",
        "--phone",
        PHONE,
        "--owner",
        "Ravi Kumar",
        "--business",
        "Ravi Hardware",
        "--otp",
        MOCK_OTP,
    )
    ok(
        capsys,
        pc1,
        "item",
        "add",
        "--name",
        "Claw hammer",
        "--price",
        "250",
        "--code",
        "HAM1",
        "--stock",
        "20",
    )
    ok(
        capsys,
        pc1,
        "item",
        "add",
        "--name",
        "Wire nails 1 kg",
        "--price",
        "95.50",
        "--code",
        "NAIL1",
        "--stock",
        "40",
        "--unit",
        "kg",
        "--gst",
        "18",
    )
    ok(capsys, pc1, "customer", "add", "--phone", CUSTOMER, "--name", "Asha")
    ok(
        capsys,
        pc1,
        "bill",
        "--customer",
        CUSTOMER,
        "--item",
        "HAM1=2",
        "--item",
        "NAIL1=1.5",
        "--pay",
        "200",
    )
    ok(capsys, pc1, "bill", "--item", "NAIL1=3")  # a walk-in: paid in full
    ok(capsys, pc1, "login", "--phone", PHONE, "--otp", MOCK_OTP)
    ok(capsys, pc1, "sync", "--remote", server.url, "--database", database)
    return pc1


def join_args(server: MongoServer, database: str) -> list[str]:
    return ["login", "--phone", PHONE, "--remote", server.url, "--database", database]


def opened(folder: Path) -> Store:
    return open_store(folder)


def invoice_numbers(store: Store) -> set[str]:
    return {doc["invoiceNumber"] for doc in store.iter_docs("invoices")}


def stock_by_code(store: Store) -> dict[str, Any]:
    return {doc["code"]: doc["stock"] for doc in store.iter_docs("items")}


def shop_id(store: Store) -> Any:
    return next(store.iter_docs("clients"))["_id"]


def folder_state(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# ---------------------------------------------------------------------- the whole join
def test_second_pc_joins_bills_and_both_converge(
    tmp_path: Path,
    server: MongoServer,
    database: str,
    first_pc: Path,
    capsys: pytest.CaptureFixture[str],
    joiner: Any,
) -> None:
    ok(capsys, first_pc, "login", "--phone", PHONE, "--otp", MOCK_OTP)
    ok(capsys, first_pc, "sync", "--remote", server.url, "--database", database)
    pc2 = tmp_path / "pc2"
    joiner()
    out = ok(capsys, pc2, *join_args(server, database))
    assert "Logged in: Ravi Hardware (9876500060)" in out
    assert f"Joined from {server.url} (database {database}): pulled " in out
    assert (
        "On this computer now: items 2, customers 1, invoices 2, payments 2, dealers 0, "
        "dealer orders 0."
    ) in out
    assert "Invoice series of this computer: B (series A may be another computer's" in out

    with opened(first_pc) as one, opened(pc2) as two:
        assert shop_id(one) == shop_id(two)
        assert invoice_numbers(two) == invoice_numbers(one)
        assert sorted(n[:2] + n[-6:] for n in invoice_numbers(one)) == ["A//00001", "A//00002"]
        assert stock_by_code(two) == stock_by_code(one) == {"HAM1": 18, "NAIL1": 35.5}
        assert [c["phoneNumber"] for c in two.iter_docs("clientCustomers")] == [CUSTOMER]
        paid = sorted((d["paidAmount"], d["totalAmount"]) for d in two.iter_docs("invoices"))
        assert paid[0][0] == 200 and paid[1][0] == paid[1][1] > 338
        settings = DeviceSettings(two).all()
        assert (settings["remoteUrl"], settings["remoteDatabase"]) == (server.url, database)
        assert settings["invoicePrefix"] == "B"
        assert two.outbox_size() == 0 and two.count("deadletters") == 0
    assert "Ravi Hardware (9876500060), device pc-" in ok(capsys, pc2, "whoami")

    # Both counters bill; their numbers never collide, and sync brings them together.
    ok(
        capsys,
        pc2,
        "item",
        "add",
        "--name",
        "Spirit level",
        "--price",
        "480",
        "--code",
        "LVL1",
        "--stock",
        "5",
    )
    second = ok(
        capsys,
        pc2,
        "bill",
        "--customer",
        CUSTOMER,
        "--item",
        "HAM1=1",
        "--item",
        "LVL1=1",
        "--pay",
        "0",
    ).strip()
    first = ok(capsys, first_pc, "bill", "--item", "HAM1=4").strip()
    assert second.startswith("B/") and second.endswith("/00001")
    assert first.startswith("A/") and first.endswith("/00003")
    by_option = ("--remote", server.url, "--database", database)
    ok(capsys, pc2, "sync")  # the joined PC from its saved settings
    # The first PC delivers the bill it made before hearing that its login ended ...
    code, _, err = cli(capsys, first_pc, "sync", *by_option)
    assert code == 0 and "syncs no more until you log in again" in err
    ok(capsys, pc2, "sync")
    # ... and then syncs no more until it logs in again.
    code, _, err = cli(capsys, first_pc, "sync", *by_option)
    assert code == 1 and "not syncing: this login has ended" in err
    with opened(first_pc) as one, opened(pc2) as two:
        client_id = shop_id(one)
        assert shop_snapshot(two, client_id) == shop_snapshot(one, client_id)
        numbers = invoice_numbers(one)
        assert len(numbers) == 4 and {first, second} <= numbers
        assert stock_by_code(one) == {"HAM1": 13, "NAIL1": 35.5, "LVL1": 4}
        # What the first PC's last pull rewrote (derived values) waits for its next login.
        assert two.outbox_size() == 0
        # One login per shop (the spec's single-device policy): joining ended the first
        # PC's session, and both PCs know it.
        for store in (one, two):
            active = {d["deviceId"]: d["isActive"] for d in store.iter_docs("devicesessions")}
            assert active == {load_device_id(first_pc): False, load_device_id(pc2): True}
    assert "all 4 invoices intact" in ok(capsys, pc2, "verify")
    code, _, err = cli(capsys, first_pc, "whoami")
    assert code != 0 and "not logged in" in err


# ---------------------------------------------------------------------- refusals
def test_unknown_phone_on_the_remote_is_a_clear_error(
    tmp_path: Path,
    server: MongoServer,
    database: str,
    first_pc: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pc2 = tmp_path / "pc2"
    code, out, err = cli(
        capsys,
        pc2,
        "login",
        "--phone",
        "98765 00099",
        "--otp",
        MOCK_OTP,
        "--remote",
        server.url,
        "--database",
        database,
    )
    assert code == 1 and out == ""
    warnings, last = err.strip().splitlines()[:-1], err.strip().splitlines()[-1]
    assert [w.split(":")[0] for w in warnings] == ["warning", "warning"]  # shared db, no user
    assert last == (
        f"error: phoneNumber: no shop with this number on the remote "
        f"database {server.url} (database {database}) — check the number "
        "and the database, or sync the shop's first computer once"
    )
    with opened(pc2) as store:
        assert store.count("clients") == 0 and store.count("otpsessions") == 0


def test_a_deactivated_shop_cannot_be_joined(
    tmp_path: Path,
    server: MongoServer,
    database: str,
    first_pc: Path,
    capsys: pytest.CaptureFixture[str],
    joiner: Any,
) -> None:
    with opened(first_pc) as store:
        client_id = shop_id(store)
    client = server.client()
    try:
        client[database].clients.update_one({"_id": client_id}, {"$set": {"isActive": False}})
    finally:
        client.close()
    joiner()
    code, _, err = cli(capsys, tmp_path / "pc2", *join_args(server, database))
    assert code == 1
    assert err.strip().splitlines()[-1] == "error: phoneNumber: this shop is deactivated"


def test_unreachable_remote_changes_nothing_on_this_pc(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"mongodb://owner:s3cret@127.0.0.1:{free_port()}/"
    fresh = tmp_path / "fresh"
    code, out, err = cli(
        capsys,
        fresh,
        "login",
        "--phone",
        PHONE,
        "--otp",
        MOCK_OTP,
        "--remote",
        url,
        "--timeout",
        "0.3",
    )
    assert code == 1 and out == ""
    assert (
        err.startswith("error: cannot reach the remote database at mongodb://owner:****@127.0.0.1:")
        and "s3cret" not in err
    )
    assert len(err.strip().splitlines()) == 1
    assert not fresh.exists()

    existing = tmp_path / "existing"
    open_store(existing).close()
    before = folder_state(existing)
    assert (
        cli(
            capsys,
            existing,
            "login",
            "--phone",
            PHONE,
            "--otp",
            MOCK_OTP,
            "--remote",
            url,
            "--timeout",
            "0.3",
        )[0]
        == 1
    )
    assert folder_state(existing) == before


def test_a_pc_keeping_another_shop_refuses_to_join(
    tmp_path: Path,
    server: MongoServer,
    database: str,
    first_pc: Path,
    capsys: pytest.CaptureFixture[str],
    joiner: Any,
) -> None:
    other = tmp_path / "other"
    ok(
        capsys,
        other,
        "register",
        "--phone",
        "9811100000",
        "--owner",
        "Meena Shah",
        "--business",
        "Shah Stationers",
        "--otp",
        MOCK_OTP,
    )
    joiner()
    code, _, err = cli(capsys, other, *join_args(server, database))
    assert code == 1
    assert err.strip().splitlines()[-1] == (
        "error: phoneNumber: this computer already keeps the shop Shah "
        "Stationers (9811100000); one computer keeps one shop — join from "
        "another computer or another data folder"
    )
    with opened(other) as store:
        assert [d["phoneNumber"] for d in store.iter_docs("clients")] == ["9811100000"]
        assert store.count("items") == 0 and store.count("invoices") == 0


def test_a_shop_made_here_with_the_same_number_is_not_mixed_with_the_remote_one(
    tmp_path: Path,
    server: MongoServer,
    database: str,
    first_pc: Path,
    capsys: pytest.CaptureFixture[str],
    joiner: Any,
) -> None:
    twin = tmp_path / "twin"
    ok(
        capsys,
        twin,
        "register",
        "--phone",
        PHONE,
        "--owner",
        "Someone Else",
        "--business",
        "Other Hardware",
        "--otp",
        MOCK_OTP,
    )
    joiner()
    code, _, err = cli(capsys, twin, *join_args(server, database))
    assert code == 1
    assert "this computer has its own shop with this number" in err


# ---------------------------------------------------------------------- OTP order
def test_a_wrong_otp_brings_nothing_and_the_retry_joins(
    tmp_path: Path,
    server: MongoServer,
    database: str,
    first_pc: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    joiner: Any,
) -> None:
    pc2 = tmp_path / "pc2"
    joiner("999999", then_received=False)
    code, out, err = cli(capsys, pc2, *join_args(server, database))
    assert code == 1
    assert "Wrong OTP — 4 attempts left" in err
    assert err.strip().splitlines()[-1] == "error: no OTP entered"
    assert "Logged in" not in out
    with opened(pc2) as store:
        # The shop's document came for the OTP check and went again: no login, no shop.
        for name in (
            "clients",
            "devicesessions",
            "items",
            "clientCustomers",
            "invoices",
            "payments",
            "stockmovements",
            "outbox",
            "otpsessions",
        ):
            assert store.count(name) == 0, name
        assert DeviceSettings(store).get("remoteUrl") == ""
    client = server.client()
    try:  # the OTP session is the remote's, with the try counted there
        [session] = client[database].otpsessions.find({"phoneNumber": PHONE})
        assert session["attempts"] == 1 and session["otpHash"].startswith("$2")
        assert session["purpose"] == "login" and session["clientId"] is not None
    finally:
        client.close()

    # The retry takes the address from VIVEKA_MONGO_URL and uses the OTP already sent.
    monkeypatch.setenv("VIVEKA_MONGO_URL", server.url)
    joiner()
    out = ok(capsys, pc2, "login", "--phone", PHONE, "--database", database)
    assert "On this computer now: items 2, customers 1, invoices 2" in out
    with opened(pc2) as store:
        assert DeviceSettings(store).get("remoteUrl") == server.url
    client = server.client()
    try:
        assert client[database].otpsessions.count_documents({"phoneNumber": PHONE}) == 0
    finally:
        client.close()


def test_joining_in_demo_mode_is_refused_and_leaves_nothing(
    tmp_path: Path,
    server: MongoServer,
    database: str,
    first_pc: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pc2 = tmp_path / "pc2"
    code, out, err = cli(
        capsys,
        pc2,
        "login",
        "--phone",
        PHONE,
        "--otp",
        MOCK_OTP,
        "--remote",
        server.url,
        "--database",
        database,
    )
    assert code == 1 and "Logged in" not in out
    assert "demo mode (fixed OTP 1234) cannot be used for a shop that has a remote" in err
    with opened(pc2) as store:
        assert store.count("clients") == 0 and store.count("devicesessions") == 0


def test_an_otp_made_on_the_joining_pc_does_not_count(
    tmp_path: Path,
    server: MongoServer,
    database: str,
    first_pc: Path,
    capsys: pytest.CaptureFixture[str],
    joiner: Any,
) -> None:
    """The joining PC cannot vouch for itself: a session it keeps locally (here, forged
    straight into its store for a code of its choosing) is not the one checked."""
    import bcrypt

    pc2 = tmp_path / "pc2"
    with opened(pc2) as store:
        store.db.otpsessions.insert_one(
            {
                "phoneNumber": PHONE,
                "purpose": "login",
                "attempts": 0,
                "otpLength": 6,
                "otpHash": bcrypt.hashpw(b"111111", bcrypt.gensalt(4)).decode(),
                "createdAt": datetime.now(UTC).replace(tzinfo=None),
                "expiresAt": datetime.now(UTC).replace(tzinfo=None) + timedelta(minutes=10),
            }
        )
    joiner("111111", then_received=False)
    code, _, err = cli(capsys, pc2, *join_args(server, database))
    assert code == 1 and "Wrong OTP" in err
    with opened(pc2) as store:
        assert store.count("clients") == 0 and store.count("devicesessions") == 0


def test_the_address_saved_in_settings_is_used_when_the_shop_is_not_here(
    tmp_path: Path,
    server: MongoServer,
    database: str,
    first_pc: Path,
    capsys: pytest.CaptureFixture[str],
    joiner: Any,
) -> None:
    pc2 = tmp_path / "pc2"
    with opened(pc2) as store:
        DeviceSettings(store).update(
            remoteUrl=server.url, remoteDatabase=database, invoicePrefix="K2"
        )
    joiner()
    out = ok(capsys, pc2, "login", "--phone", PHONE)
    assert "invoices 2" in out
    assert "Invoice series of this computer: K2." in out  # its own, unused elsewhere


def test_without_any_remote_an_unknown_shop_is_refused_as_before(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pc = tmp_path / "pc"
    code, _, err = cli(capsys, pc, "login", "--phone", PHONE, "--otp", MOCK_OTP)
    assert code == 1
    assert err.strip() == "error: phoneNumber: no shop with this number — register first"
    with opened(pc) as store:
        assert DeviceSettings(store).get("remoteUrl") == ""


def test_the_first_pc_logs_in_with_a_remote_it_has_not_synced_to_yet(
    tmp_path: Path,
    server: MongoServer,
    database: str,
    capsys: pytest.CaptureFixture[str],
    joiner: Any,
) -> None:
    pc1 = tmp_path / "pc1"
    ok(
        capsys,
        pc1,
        "register",
        "--phone",
        PHONE,
        "--owner",
        "Ravi Kumar",
        "--business",
        "Ravi Hardware",
        "--otp",
        MOCK_OTP,
    )
    joiner()
    out = ok(capsys, pc1, *join_args(server, database))
    assert "Invoice series of this computer: A." in out  # its own shop: its series stays
    client = server.client()
    try:
        assert client[database].clients.count_documents({"phoneNumber": PHONE}) == 1
    finally:
        client.close()


# ---------------------------------------------------------------------- network drop
class _CutAt(CommandListener):
    """Kills the server when the pull first reads ``collection``: a cable pulled mid-pull."""

    def __init__(self, server: MongoServer, collection: str):
        self.server = server
        self.collection = collection

    def started(self, event: CommandStartedEvent) -> None:
        if event.command_name == "find" and event.command.get("find") == self.collection:
            self.server.kill()

    def succeeded(self, event: Any) -> None:
        pass

    def failed(self, event: Any) -> None:
        pass


def test_a_drop_during_the_first_pull_keeps_the_login_and_sync_finishes_it(
    tmp_path: Path, database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with running_server(tmp_path / "own-remote") as own:
        pc1 = tmp_path / "pc1"
        ok(
            capsys,
            pc1,
            "register",
            "--phone",
            PHONE,
            "--owner",
            "Ravi Kumar",
            "--business",
            "Ravi Hardware",
            "--otp",
            MOCK_OTP,
        )
        ok(
            capsys,
            pc1,
            "item",
            "add",
            "--name",
            "Claw hammer",
            "--price",
            "250",
            "--code",
            "HAM1",
            "--stock",
            "20",
        )
        ok(capsys, pc1, "bill", "--item", "HAM1=2")
        ok(capsys, pc1, "login", "--phone", PHONE, "--otp", MOCK_OTP)
        ok(capsys, pc1, "sync", "--remote", own.url, "--database", database)

        pc2 = tmp_path / "pc2"
        store = open_store(pc2)
        try:
            ctx = ServiceContext(store=store, device_id=load_device_id(pc2))
            otp = OtpService(ctx, bcrypt_rounds=4)
            auth = AuthService(ctx, otp)
            remote = connect(
                own.url, database, timeout_ms=400, event_listeners=[_CutAt(own, "invoices")]
            )
            try:
                prepared = bring_shop(ctx, remote, PHONE)
                assert prepared.brought_in
                auth.start_login(PHONE)
                session = auth.login(PHONE, MOCK_OTP)
                result = first_sync(ctx, remote, prepared, session, url=own.url)
            finally:
                remote.close()
            assert not result.complete and result.report is None
            assert result.error.startswith("cannot reach the remote database at ")
            assert result.counts["items"] == 1 and result.counts["invoices"] == 0
            assert auth.current_session() is not None  # the login stands
            assert DeviceSettings(store).get("remoteUrl") == own.url
            assert result.series == "B"
        finally:
            store.close()

        own.start()  # the network is back
        out = ok(capsys, pc2, "sync")
        assert "(full)" in out  # the first pull never finished: this one reads everything
        with opened(pc1) as one, opened(pc2) as two:
            assert invoice_numbers(two) == invoice_numbers(one) != set()
            assert stock_by_code(two) == {"HAM1": 18}


# ---------------------------------------------------------------------- the module itself
def test_forget_removes_only_a_shop_brought_in_without_a_login(
    tmp_path: Path, server: MongoServer, database: str, first_pc: Path
) -> None:
    with opened(tmp_path / "pc2") as store:
        ctx = ServiceContext(store=store, device_id="pc-two")
        remote = connect(server.url, database, timeout_ms=2000)
        try:
            prepared = bring_shop(ctx, remote, PHONE)
            assert ShopService(ctx).local_shop() is not None and store.outbox_size() == 0
            again = bring_shop(ctx, remote, PHONE)  # already here: nothing brought
            assert not again.brought_in and not forget_shop(store, again)
            assert forget_shop(store, prepared)
            assert store.count("clients") == 0
            with pytest.raises(ValidationError) as refused:
                bring_shop(ctx, remote, "12")
            assert refused.value.field == "phoneNumber"
        finally:
            remote.close()


def test_series_choice() -> None:
    assert choose_series("A", set()) == "B"
    assert choose_series("A", {"B", "C"}) == "D"
    assert choose_series("K2", {"A"}) == "K2"
    assert choose_series("K2", {"K2"}) == "B"
    letters = {chr(c) for c in range(ord("A"), ord("Z") + 1)}
    assert choose_series("A", letters) == "A1"


# ---------------------------------------------------------------------- the shop's side
def test_the_hourly_cap_on_join_otps_is_counted_on_the_remote(
    tmp_path: Path, server: MongoServer, database: str, first_pc: Path, joiner: Any
) -> None:
    """New data folders (or PCs) asking in turn share one count: it is the shop's."""
    from viveka_pos.domain.clock import FixedClock
    from viveka_pos.services.join import join_login
    from viveka_pos.services.otp import MAX_SENDS_PER_HOUR, OtpRateError

    joiner()
    clock = FixedClock(datetime.now(UTC))
    for attempt in range(MAX_SENDS_PER_HOUR + 1):
        with opened(tmp_path / f"pc{attempt}") as store:
            ctx = ServiceContext(store=store, device_id=f"pc-{attempt}", clock=clock)
            remote = connect(server.url, database, timeout_ms=2000)
            try:
                prepared = bring_shop(ctx, remote, PHONE)
                _, auth = join_login(ctx, remote, prepared, bcrypt_rounds=4)
                if attempt < MAX_SENDS_PER_HOUR:
                    auth.start_login(PHONE)
                else:
                    with pytest.raises(OtpRateError):
                        auth.start_login(PHONE)
                forget_shop(store, prepared)
            finally:
                remote.close()
        clock.advance(timedelta(seconds=31))


def test_the_shop_database_and_user_the_app_asks_for() -> None:
    from viveka_pos.services.join import isolation_warnings, shop_database, shop_remote_database

    own = (
        "mongodb://shop_9876500060:pw@db.example.in:27017/viveka_9876500060?authSource="
        "viveka_9876500060"
    )
    assert shop_database("98765 00060") == "viveka_9876500060"
    assert shop_remote_database("", own, PHONE) == "viveka_9876500060"
    assert shop_remote_database("", "mongodb://db.example.in/", PHONE) == "viveka_9876500060"
    assert shop_remote_database("other", own, PHONE) == "other"  # typed or saved wins
    assert isolation_warnings(own, "viveka_9876500060", PHONE) == []
    shared = isolation_warnings("mongodb://db.example.in/", "vivekaDB", PHONE)
    assert len(shared) == 2
    assert "not the shop's own (viveka_9876500060)" in shared[0]
    assert "names no user" in shared[1]
