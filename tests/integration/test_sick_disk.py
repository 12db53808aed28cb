"""A sick disk: read-only folders and files, a full disk, damaged, emptied or missing data.

Each case must end in a clear ``StoreError`` in words, never a half-saved bill, and a store
that works again once the cause is gone (or once the newest good backup is put back).

Permissions do not bind root, and CI runs as root: there the read-only cases run in a child
process that drops to the unprivileged ``nobody`` user (65534) before touching the data.
The full disk is made two ways: SQLite's ``max_page_count`` on the store's own connection
(works everywhere), and a real 4 MB tmpfs filled to the last byte (where mounting works).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.mounts import fill_disk, small_disk
from tests.fixtures.safety_shop import (
    CUSTOMER_PHONE,
    damage_invoice_page,
    file_rows,
    fixed_clock,
    make_data,
    make_shop,
    sell,
    snapshot,
)
from tests.fixtures.stored import stored
from viveka_pos.services.backups import AutoBackup, recovery
from viveka_pos.services.context import ServiceContext
from viveka_pos.services.facade import ShopServices
from viveka_pos.store import (
    Store,
    StoreCorruptError,
    StoreError,
    StoreLockedError,
    StoreWriteError,
    open_store,
)
from viveka_pos.store.opening import StoreAccessError, StoreDiskFullError, StoreMissingError
from viveka_pos.store.schema import COLLECTIONS

POSIX = os.name == "posix"
ROOT = POSIX and os.geteuid() == 0
NOBODY = 65534
DB = "viveka.sqlite3"


def _attempt(data_dir: Path, action: str) -> dict[str, Any]:
    """Open the store (and maybe make a bill); report what happened as plain data."""
    try:
        store = open_store(data_dir)
        try:
            if action == "bill":
                ctx = ServiceContext(store, "pc-child", fixed_clock())
                sell(ShopServices(ctx, store.db.clients.find_one({})["_id"]), {"CARB": 1})
            return {"ok": True, "invoices": store.count("invoices")}
        finally:
            store.close()
    except Exception as exc:
        return {
            "ok": False,
            "type": type(exc).__name__,
            "message": str(exc),
            "mro": [c.__name__ for c in type(exc).__mro__],
        }


def in_child(data_dir: Path, action: str = "open") -> dict[str, Any]:
    """Run :func:`_attempt` in a forked child that is not root (root ignores permissions).

    A fork, not a new interpreter: the unprivileged user may not be allowed to read the
    Python installation, but the forked child has everything loaded already.
    """
    if not ROOT:
        return _attempt(data_dir, action)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            os.close(read_end)
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            answer = json.dumps(_attempt(data_dir, action)).encode()
            os.write(write_end, answer)
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        raw = pipe.read()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0 and raw, "the child failed"
    return json.loads(raw)


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder the unprivileged child can reach (pytest's own tmp is root-only)."""
    base = Path(tempfile.mkdtemp(prefix="viveka-sick-"))
    base.chmod(0o755)
    try:
        yield base
    finally:
        for path in [base, *base.rglob("*")]:
            if not path.is_symlink():
                path.chmod(0o755 if path.is_dir() else 0o644)
        shutil.rmtree(base, ignore_errors=True)


def set_tree(root: Path, *, owner: int | None = None, writable: bool) -> None:
    for path in [root, *root.rglob("*")]:
        if owner is not None:
            os.chown(path, owner, owner)
        if path.is_dir():
            path.chmod(0o755 if writable else 0o555)
        else:
            path.chmod(0o644 if writable else 0o444)


def saved(rows: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {name: docs for name, docs in rows.items() if docs}


# ------------------------------------------------------------------ read-only
@pytest.mark.skipif(not POSIX, reason="POSIX permissions")
def test_a_read_only_data_folder_is_said_in_words_and_works_once_writable(shared_dir: Path) -> None:
    data_dir = shared_dir / "data"
    before = make_data(data_dir)
    set_tree(data_dir, owner=NOBODY if ROOT else None, writable=False)

    answer = in_child(data_dir, "bill")
    assert not answer["ok"]
    assert "StoreError" in answer["mro"] and answer["type"] == "StoreAccessError"
    assert str(data_dir) in answer["message"] and "cannot be written" in answer["message"]
    assert file_rows(data_dir / DB) == saved(before)  # nothing changed

    set_tree(data_dir, owner=NOBODY if ROOT else None, writable=True)
    answer = in_child(data_dir, "bill")
    assert answer == {"ok": True, "invoices": 2}
    assert os.stat(data_dir / DB).st_uid == (NOBODY if ROOT else os.getuid())


@pytest.mark.skipif(not POSIX, reason="POSIX permissions")
def test_a_read_only_data_file_in_a_writable_folder(shared_dir: Path) -> None:
    data_dir = shared_dir / "data"
    before = make_data(data_dir)
    set_tree(data_dir, owner=NOBODY if ROOT else None, writable=True)
    (data_dir / DB).chmod(0o444)
    answer = in_child(data_dir, "bill")
    assert answer["type"] == "StoreAccessError"
    assert f"The data file {data_dir / DB} cannot be written" in answer["message"]
    assert file_rows(data_dir / DB) == saved(before)
    set_tree(data_dir, owner=NOBODY if ROOT else None, writable=True)
    assert in_child(data_dir, "bill") == {"ok": True, "invoices": 2}


# ------------------------------------------------------------------ disk full
def fill_to(store: Store, pages: int | None) -> None:
    """Limit the database to ``pages`` pages (None: the size it has now), or lift the limit."""
    conn = store.engine.connection
    limit = conn.execute("PRAGMA page_count").fetchone()[0] if pages is None else pages
    conn.execute(f"PRAGMA max_page_count = {limit}")


def test_a_full_disk_never_half_saves_a_bill(store: Store) -> None:
    svc = make_shop(store, clock=fixed_clock())
    sell(svc, paid=100, customer=CUSTOMER_PHONE)
    cart = svc.carts.create(customer=svc.customers.by_phone("9891112222").id)
    svc.carts.add_item(cart.cart_id, "CARB", 2)
    svc.carts.add_item(cart.cart_id, "OIL", "1.5")
    before = snapshot(store)
    outbox = store.outbox_size()

    fill_to(store, None)
    with pytest.raises(StoreWriteError) as caught:
        svc.invoices.generate(cart.cart_id, paid_amount=500)
    assert str(caught.value).startswith("The disk is full: the change was not saved")
    assert snapshot(store) == before  # memory: nothing of the bill, nothing else touched
    assert store.outbox_size() == outbox
    assert len(svc.invoices.recent(5)) == 1  # only the first bill

    fill_to(store, 1 << 30)  # space again: the same cart saves, numbered next
    saved_bill = stored(svc, svc.invoices.generate(cart.cart_id, paid_amount=500))
    assert saved_bill["invoiceNumber"].endswith("/00002")
    assert svc.invoices.verify() == []
    carb = svc.catalog.find_by_code("CARB")
    assert carb is not None and carb.stock == 500 - 1 - 2


def test_a_full_disk_leaves_the_file_as_it_was(data_dir: Path) -> None:
    store = open_store(data_dir)
    svc = make_shop(store)
    sell(svc)
    before = snapshot(store)
    cart = svc.carts.create()
    svc.carts.add_item(cart.cart_id, "PLUG", 3)
    cart_docs = snapshot(store)
    fill_to(store, None)
    with pytest.raises(StoreWriteError):
        svc.invoices.generate(cart.cart_id)
    store.close()
    rows = file_rows(data_dir / DB)
    assert rows == saved(cart_docs)
    assert len(rows["invoices"]) == len(before["invoices"]) == 1


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 4 MB tmpfs (root only; skipped where mounting is not allowed)."""
    with small_disk(tmp_path / "small-disk", "4m") as disk:
        yield disk


def _saved(snap: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {name: docs for name, docs in snap.items() if name not in ("carts", "cartitems")}


def test_a_really_full_disk(tiny_disk: Path) -> None:
    data_dir = tiny_disk / "data"
    store = open_store(data_dir)
    try:
        svc = make_shop(store)
        sell(svc)
        filler = fill_disk(tiny_disk)
        before = snapshot(store)
        with pytest.raises(StoreWriteError, match=r"^The disk is full: the change was not saved"):
            for _ in range(50):  # the first bills may still fit in free pages of the file
                sell(svc, {"CARB": 1, "PLUG": 1, "OIL": 1})
                before = snapshot(store)
        # The bill being made may stay open (the disk can fill while its lines are added,
        # and discarding it is a write too); everything saved before is exactly as it was.
        assert _saved(snapshot(store)) == _saved(before)
        assert svc.invoices.verify() == []
    finally:
        store.close()
    with pytest.raises(StoreDiskFullError, match="is full"):
        open_store(data_dir)
    filler.unlink()
    store = open_store(data_dir)
    try:
        assert snapshot(store)["invoices"] == before["invoices"]
        svc = ShopServices(
            ServiceContext(store, "pc-safety", fixed_clock()), store.db.clients.find_one({})["_id"]
        )
        sell(svc)
        assert svc.invoices.verify() == []
    finally:
        store.close()


# ------------------------------------------------------------------ damaged or missing data
def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2 // 4096 * 4096])


def _scramble_header(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[:100] = bytes(range(100))
    path.write_bytes(bytes(data))


def _scramble_pages(path: Path) -> None:
    damage_invoice_page(path, [f"A/2526/{n:05d}" for n in range(12, 20)])  # mid-table


DAMAGE: dict[str, tuple[Callable[[Path], None], type[StoreError], str]] = {
    "truncated": (_truncate, StoreCorruptError, "damaged"),
    "header": (_scramble_header, StoreCorruptError, "does not start like a database"),
    "emptied": (lambda p: p.write_bytes(b""), StoreCorruptError, "is empty"),
    "missing": (lambda p: p.unlink(), StoreMissingError, "is missing"),
    "pages": (_scramble_pages, StoreCorruptError, "could not be read"),
}


@pytest.fixture
def damaged(request: pytest.FixtureRequest, data_dir: Path) -> dict[str, Any]:
    """A store with a good automatic backup, one later bill, then damaged."""
    store = open_store(data_dir)
    try:
        svc = make_shop(store)
        for _ in range(30):  # enough data for the damage to land in documents
            sell(svc, paid=10, customer=CUSTOMER_PHONE)
        good = AutoBackup(store).run()
        assert good.ok
        sell(svc)
    finally:
        store.close()
    damage, error, words = DAMAGE[request.param]
    damage(data_dir / DB)
    return {"backup": good.entry, "error": error, "words": words, "kind": request.param}


def open_and_use(data_dir: Path) -> Store:
    """Open the store and touch all its data, as the app does within seconds of starting."""
    store = open_store(data_dir)
    try:
        for spec in COLLECTIONS:  # read every document, as a day of billing and reports may
            for _doc in store.iter_docs(spec.name):
                pass
    except BaseException:
        store.close()
        raise
    return store


@pytest.mark.parametrize("damaged", list(DAMAGE), indirect=True)
def test_damaged_data_is_said_in_words_and_the_newest_good_backup_restores(
    damaged: dict[str, Any], data_dir: Path
) -> None:
    with pytest.raises(damaged["error"], match=damaged["words"]) as caught:
        open_and_use(data_dir).close()
    failure = recovery.explain(caught.value)
    assert failure.can_restore

    offered = recovery.candidates(data_dir)
    newest = recovery.newest_restorable(data_dir, offered)
    assert newest is not None and newest.folder == damaged["backup"].folder
    result = recovery.restore_closed(data_dir, newest.folder)
    if damaged["kind"] != "missing":
        assert (result.moved_to / DB).is_file()  # the damaged file is kept, not deleted
    store = open_and_use(data_dir)
    try:
        assert store.count("invoices") == 30
        svc = ShopServices(
            ServiceContext(store, "pc-safety", fixed_clock()), store.db.clients.find_one({})["_id"]
        )
        assert svc.invoices.verify() == []
        assert sell(svc)["invoiceNumber"].endswith("/00031")
    finally:
        store.close()


def test_a_new_folder_is_not_mistaken_for_missing_data(data_dir: Path) -> None:
    store = open_store(data_dir)  # nothing was here: a new, empty store
    assert store.count("clients") == 0
    store.close()
    (data_dir / DB).unlink()
    with pytest.raises(StoreMissingError):
        open_store(data_dir)  # now the folder has held data: its loss is not silent


def test_the_newest_backup_is_damaged_then_the_next_one_is_offered(
    data_dir: Path, tmp_path: Path
) -> None:
    store = open_store(data_dir)
    try:
        svc = make_shop(store)
        clock = fixed_clock()
        auto = AutoBackup(store, clock=clock)
        older = auto.run().entry
        sell(svc)
        clock.advance(days=1)
        newer = auto.run().entry
    finally:
        store.close()
    (data_dir / DB).write_bytes(b"")
    db_copy = newer.folder / DB
    db_copy.write_bytes(db_copy.read_bytes()[:-4096])  # the pen drive lost its tail
    with pytest.raises(StoreCorruptError, match="checksum"):
        recovery.restore_closed(data_dir, newer.folder)
    assert (data_dir / DB).read_bytes() == b""  # a failed restore moves nothing
    recovery.restore_closed(data_dir, older.folder)
    open_and_use(data_dir).close()


# ------------------------------------------------------------------ the recovery screen
@pytest.mark.parametrize("damaged", ["truncated"], indirect=True)
def test_the_recovery_screen_lists_and_restores_the_newest_good_backup(
    damaged: dict[str, Any], data_dir: Path, qtbot: Any
) -> None:
    from viveka_pos.ui.recovery import _AGAIN_CODE, RecoveryDialog

    with pytest.raises(StoreCorruptError) as caught:
        open_store(data_dir)
    asked: list[str] = []
    dialog = RecoveryDialog(
        caught.value, data_dir, confirm=lambda title, text: asked.append(text) or True
    )
    qtbot.addWidget(dialog)
    backup = damaged["backup"]
    assert dialog.newest is not None and dialog.newest.folder == backup.folder
    assert str(backup.folder) in dialog.newest_label.text()
    assert dialog.table.rowCount() == len(dialog.entries) >= 1
    row = dialog.entries.index(dialog.newest)
    assert dialog.table.item(row, 3).text().startswith("newest good")
    assert dialog.table.item(row, 2).text() == "30"
    assert "damaged" in dialog.problem.text()
    assert dialog.restore_button.isEnabled()

    dialog.restore_button.click()
    assert asked and "30 bills" in asked[0]
    assert dialog.result() == _AGAIN_CODE and dialog.restored == backup.folder
    open_and_use(data_dir).close()


def test_the_recovery_screen_offers_no_restore_when_it_would_not_help(
    data_dir: Path, qtbot: Any
) -> None:
    from viveka_pos.ui.recovery import RecoveryDialog

    make_data(data_dir)
    error = StoreLockedError(f"Viveka POS is already running on the data folder {data_dir}.")
    dialog = RecoveryDialog(error, data_dir, confirm=lambda *a: pytest.fail("asked"))
    qtbot.addWidget(dialog)
    assert not dialog.restore_button.isEnabled() and not dialog.choose_button.isEnabled()
    assert dialog.retry_button.isEnabled() and dialog.quit_button.isEnabled()
    disk = StoreDiskFullError("The disk holding the data folder X is full.")
    assert not recovery.explain(disk).can_restore
    assert not recovery.explain(StoreAccessError("read-only")).can_restore
