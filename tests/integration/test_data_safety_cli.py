"""Data safety through the CLI, case by case as fault injection found the gaps: restore over
damaged data, spreadsheet formulas in exports, oversized CSV fields, path errors, validation
before any write, symbolic links, a full or write-protected disk, backup folders.

The CLI runs in this process (``viveka_pos.cli.main``) on a real store in a temp folder;
the disk cases use a real small tmpfs (root on Linux only; skipped with the reason else).
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.mounts import fill_disk, folder_bytes, remount, small_disk
from tests.fixtures.safety_shop import (
    damage_invoice_page,
    file_rows,
    other_shops_backup,
    shop_folder,
)
from viveka_pos.cli import main
from viveka_pos.store import open_store
from viveka_pos.store.backup_file import NOTE_FILE

DB = "viveka.sqlite3"
LOCK = "viveka.lock"  # records which process holds the folder: not the shop's data


class Ran:
    def __init__(self, code: int, out: str, err: str):
        self.code, self.out, self.err = code, out, err

    @property
    def one_line_error(self) -> str:
        """The single stderr line of a refused command (asserts it is one, no traceback)."""
        assert self.code != 0, self.out
        lines = self.err.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in self.err, self.err
        return lines[0]


def cli(data_dir: Path, *args: str) -> Ran:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(["--data-dir", str(data_dir), *args])
        except SystemExit as exc:  # argparse refusing the arguments
            code = int(exc.code or 0)
    return Ran(code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="module")
def shop_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A shop with 30 bills and a good automatic backup of them (copied for each test)."""
    data = tmp_path_factory.mktemp("template") / "data"
    shop_folder(data)
    return data


@pytest.fixture
def shop(shop_template: Path, tmp_path: Path) -> Path:
    data = tmp_path / "shop"
    shutil.copytree(shop_template, data)
    # The automatic backup's path is recorded in the status file: point it at this copy.
    status = data / "backup-status.json"
    status.write_text(status.read_text().replace(str(shop_template), str(data)))
    return data


def newest_backup(data_dir: Path) -> Path:
    return sorted((data_dir / "backups" / "auto").glob("auto-*"))[-1]


def invoice_count(data_dir: Path) -> int:
    return len(file_rows(data_dir / DB).get("invoices", {}))


# ------------------------------------------------- 1, 2: restore over damaged data
def truncate(db_file: Path) -> None:
    data = db_file.read_bytes()
    db_file.write_bytes(data[: len(data) // 2 // 4096 * 4096])


def garbage_in_the_middle(db_file: Path) -> None:
    damage_invoice_page(db_file, [f"A/2526/{n:05d}" for n in range(10, 20)])


@pytest.mark.parametrize("damage", [truncate, garbage_in_the_middle])
def test_damaged_data_is_found_named_and_restored_from_the_cli(shop: Path, damage: Any) -> None:
    backup = newest_backup(shop)
    assert cli(shop, "bill", "--item", "CARB=1").code == 0  # one bill after the backup
    damage(shop / DB)

    verify = cli(shop, "verify")
    assert "damaged" in verify.one_line_error and "doctor" in verify.one_line_error

    doctor = cli(shop, "doctor")
    assert doctor.code == 1 and "FAIL" in doctor.out
    assert f"newest good backup: {backup}" in doctor.out
    assert f"restore it with: viveka-pos --data-dir {shop} restore {backup}" in doctor.out
    as_json = json.loads(cli(shop, "doctor", "--json").out)
    assert not as_json["ok"] and as_json["restore"]["folder"] == str(backup)
    assert as_json["restore"]["command"] == f"viveka-pos --data-dir {shop} restore {backup}"

    restored = cli(shop, "restore", str(backup))
    assert restored.code == 0, restored.err
    assert "the damaged data was kept as it was in" in restored.out
    kept = Path(restored.out.rsplit(" in ", 1)[1].strip())
    assert kept.parent == shop / "damaged" and (kept / DB).is_file()
    assert not list(shop.rglob("*.partial")), "no half-written copy may stay behind"

    assert cli(shop, "verify").out.startswith("all 30 invoices intact")
    assert cli(shop, "doctor").code == 0
    assert cli(shop, "bill", "--item", "CARB=1").code == 0
    assert invoice_count(shop) == 31
    # The kept data is never offered as a backup.
    listed = cli(shop, "backups").out
    assert str(shop / "damaged") not in listed and str(backup) in listed


def test_damaged_data_that_opens_is_kept_with_a_note(shop: Path) -> None:
    garbage_in_the_middle(shop / DB)
    restored = cli(shop, "restore", str(newest_backup(shop)))
    assert restored.code == 0, restored.err
    kept = Path(restored.out.rsplit(" in ", 1)[1].strip())
    assert kept.name.startswith("before-restore-")
    assert "failed its integrity check" in (kept / NOTE_FILE).read_text()
    assert not (kept / "manifest.json").exists()


def test_restoring_another_shops_backup_over_damaged_data_asks_first(
    shop: Path, tmp_path: Path
) -> None:
    backup = other_shops_backup(tmp_path / "other")
    truncate(shop / DB)
    before = (shop / DB).read_bytes()
    refused = cli(shop, "restore", str(backup))
    assert "another shop" in refused.one_line_error
    assert (shop / DB).read_bytes() == before
    assert cli(shop, "restore", str(backup), "--other-shop").code == 0


def test_a_bad_backup_changes_nothing_even_over_damaged_data(shop: Path) -> None:
    backup = newest_backup(shop)
    copy = backup / DB
    copy.write_bytes(copy.read_bytes()[:-4096])
    truncate(shop / DB)
    before = folder_bytes(shop, skip=(LOCK,))
    assert "checksum" in cli(shop, "restore", str(backup)).one_line_error
    assert folder_bytes(shop, skip=(LOCK,)) == before


# ------------------------------------------------- 3: formulas in CSV exports
FORMULAS = ["=cmd|' /C calc'!A0", "+SUM(A1:A9)", "-2+3", "@SUM(1)", "'=already quoted"]


def test_export_neutralises_formula_cells_and_imports_back_unchanged(
    shop: Path, tmp_path: Path
) -> None:
    for number, name in enumerate(FORMULAS):
        added = cli(
            shop,
            "item",
            "add",
            f"--name={name}",
            "--price",
            "10",
            "--code",
            f"F{number}",
            "--group",
            "=HYPERLINK(1)",
        )
        assert added.code == 0, added.err
    out = tmp_path / "items.csv"
    assert cli(shop, "export-items", str(out)).code == 0
    rows = {row["code"]: row for row in csv.DictReader(out.open(encoding="utf-8"))}
    for number, name in enumerate(FORMULAS):
        cell = rows[f"F{number}"]["name"]
        assert cell == "'" + name, cell  # a spreadsheet shows it as text
        assert rows[f"F{number}"]["group"] == "'=HYPERLINK(1)"
    assert rows["CARB"]["name"] == "Carburetor" and rows["CARB"]["price"] == "2500.00"

    before = {d["code"]: d["name"] for d in file_rows(shop / DB)["items"].values()}
    assert cli(shop, "import-items", str(out)).code == 0  # updates every item by code
    after = {d["code"]: d["name"] for d in file_rows(shop / DB)["items"].values()}
    assert after == before


def test_report_csv_neutralises_formula_cells(shop: Path, tmp_path: Path) -> None:
    assert cli(shop, "customer", "add", "--phone", "9891113333", "--name", "=1+1 Traders").code == 0
    assert (
        cli(shop, "bill", "--customer", "9891113333", "--item", "CARB=1", "--pay", "0").code == 0
    )  # on credit: the bill is pending
    out = tmp_path / "pending.csv"
    assert cli(shop, "report", "pending", "--csv", str(out)).code == 0
    text = out.read_text(encoding="utf-8")
    assert "'=1+1 Traders" in text and ",=1+1" not in text


# ------------------------------------------------- 4: oversized CSV fields
def test_an_oversized_csv_field_is_refused_by_its_line(shop: Path, tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    big.write_text('code,name,price\nN1,Nut,5\nN2,"' + "x" * 200_000 + '",5\n')
    before = folder_bytes(shop, skip=(LOCK,))
    refused = cli(shop, "import-items", str(big))
    assert refused.code == 1 and "Traceback" not in refused.err
    assert "line 3: file: has a value longer than" in refused.err
    assert "nothing was imported" in refused.err
    assert folder_bytes(shop, skip=(LOCK,)) == before


# ------------------------------------------------- 5: path errors, one line each
def test_path_errors_are_one_line_naming_the_path(shop: Path, tmp_path: Path) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    long_name = tmp_path / ("n" * 300)
    number = "A/2526/00001"
    cases = [
        (("backup", str(a_file)), str(a_file), "is a file, not a folder"),
        (("backup", str(a_file / "sub")), str(a_file / "sub"), "is a file, not a folder"),
        (("backup", str(long_name)), str(long_name), "name is too long"),
        (("export-items", str(tmp_path)), str(tmp_path), "is a folder"),
        (("export-items", str(a_file / "x.csv")), str(a_file), "is not a folder"),
        (("export-items", str(tmp_path / "no" / "x.csv")), str(tmp_path / "no"), "no such folder"),
        (("export-items", f"{long_name}.csv"), f"{long_name}.csv", "name is too long"),
        (
            ("invoice", "pdf", number, "."),
            ".",
            "is a folder: give a file name, e.g. A-2526-00001.pdf",
        ),
        (("invoice", "pdf", number, str(tmp_path)), str(tmp_path), "is a folder"),
        (("invoice", "pdf", number, f"{long_name}.pdf"), f"{long_name}.pdf", "name is too long"),
        (("report", "stock", "--csv", str(tmp_path)), str(tmp_path), "is a folder"),
        (("import-items", str(tmp_path)), str(tmp_path), "is a folder"),
        (("restore", str(a_file)), str(a_file), "not a Viveka POS backup folder"),
    ]
    before = folder_bytes(shop, skip=(LOCK,))
    for args, path, words in cases:
        line = cli(shop, *args).one_line_error
        assert path in line and words in line, (args, line)
    assert folder_bytes(shop, skip=(LOCK,)) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["a-file", "shop"])


# ------------------------------------------------- 6: validation before any write
def test_a_refused_item_does_not_leave_its_new_group_behind(shop: Path) -> None:
    before = folder_bytes(shop, skip=(LOCK,))
    for price in ("nan", "inf", "-1", "abc"):
        refused = cli(
            shop, "item", "add", "--name", "Wiper", "--price", price, "--group", "New Group"
        )
        assert refused.one_line_error.startswith("error: price:")
    refused = cli(
        shop,
        "item",
        "add",
        "--name",
        "Wiper",
        "--price",
        "5",
        "--code",
        "CARB",
        "--group",
        "New Group",
    )
    assert "already used by Carburetor" in refused.one_line_error
    assert folder_bytes(shop, skip=(LOCK,)) == before

    assert (
        cli(shop, "item", "add", "--name", "Wiper", "--price", "5", "--group", "New Group").code
        == 0
    )
    rows = file_rows(shop / DB)
    group = next(g for g in rows["itemgroups"].values() if g["name"] == "New Group")
    wiper = next(i for i in rows["items"].values() if i["name"] == "Wiper")
    assert wiper["groupId"] == group["_id"]
    assert any(str(group["_id"]) in str(r) for r in rows["outbox"].values())  # will sync


def test_a_refused_bill_leaves_no_trace(shop: Path) -> None:
    before = folder_bytes(shop, skip=(LOCK,))
    for args in (
        ("--item", "CARB=1", "--item", "NOPE=1"),
        ("--item", "CARB=100000"),
        ("--item", "CARB=1", "--pay", "nan"),
        ("--customer", "123", "--item", "CARB=1"),
    ):
        assert cli(shop, "bill", *args).code == 1
    assert folder_bytes(shop, skip=(LOCK,)) == before


# ------------------------------------------------- 7: symbolic links
def test_exports_write_through_a_link_and_keep_it(shop: Path, tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "items.csv").write_text("old")
    csv_link = tmp_path / "items.csv"
    csv_link.symlink_to(shared / "items.csv")
    pdf_link = tmp_path / "bill.pdf"
    pdf_link.symlink_to(shared / "bill.pdf")  # dangling: the file is made
    exported = cli(shop, "export-items", str(csv_link))
    assert exported.code == 0 and "through the link" in exported.out
    made = cli(shop, "invoice", "pdf", "A/2526/00001", str(pdf_link))
    assert made.code == 0, made.err
    assert csv_link.is_symlink() and pdf_link.is_symlink()
    assert (shared / "items.csv").read_text().startswith("code,name")
    assert (shared / "bill.pdf").read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in shared.iterdir()) == ["bill.pdf", "items.csv"]


# ------------------------------------------------- 8: a full or write-protected disk
READING = [
    ("verify",),
    ("doctor", "--json"),
    ("report", "daybook"),
    ("report", "stock", "--json"),
    ("backups",),
]


def reads_and_backs_up(data_dir: Path, elsewhere: Path) -> None:
    for args in READING:
        done = cli(data_dir, *args)
        assert done.code in (0, 1) and "Traceback" not in done.err, (args, done.err)
        assert "cannot be written" not in done.err and "is full" not in done.err, args
    assert cli(data_dir, "verify").code == 0
    assert cli(data_dir, "export-items", str(elsewhere / "items.csv")).code == 0
    assert cli(data_dir, "invoice", "pdf", "A/2526/00001", str(elsewhere / "b.pdf")).code == 0
    backed_up = cli(data_dir, "backup", str(elsewhere / "pen-drive"))
    assert backed_up.code == 0, backed_up.err
    restored_rows = file_rows(elsewhere / "pen-drive" / DB)
    assert len(restored_rows["invoices"]) == 30


@pytest.fixture
def disk_shop(shop: Path, tmp_path: Path) -> Iterator[Path]:
    with small_disk(tmp_path / "disk", "16m") as disk:
        data = disk / "data"
        shutil.copytree(shop, data)
        yield data


def test_a_full_disk_still_reads_reports_and_backs_up(disk_shop: Path, tmp_path: Path) -> None:
    filler = fill_disk(disk_shop.parent)
    before = folder_bytes(disk_shop, skip=(LOCK,))
    doctor = cli(disk_shop, "doctor")
    assert "FAIL  Free disk space" in doctor.out and "Open the data" not in doctor.out
    reads_and_backs_up(disk_shop, tmp_path)
    refused = cli(disk_shop, "bill", "--item", "CARB=1")
    assert "full" in refused.one_line_error
    assert folder_bytes(disk_shop, skip=(LOCK,)) == before
    filler.unlink()
    assert cli(disk_shop, "bill", "--item", "CARB=1").code == 0


def test_a_write_protected_disk_still_reads_reports_and_backs_up(
    disk_shop: Path, tmp_path: Path
) -> None:
    remount(disk_shop.parent, read_only=True)
    try:
        reads_and_backs_up(disk_shop, tmp_path)
        refused = cli(disk_shop, "bill", "--item", "CARB=1")
        assert "cannot be written" in refused.one_line_error
    finally:
        remount(disk_shop.parent, read_only=False)
    assert cli(disk_shop, "bill", "--item", "CARB=1").code == 0


def test_a_full_backup_drive_is_one_line_and_leaves_nothing(shop: Path, tmp_path: Path) -> None:
    with small_disk(tmp_path / "pen", "1m") as pen:
        filler = fill_disk(pen)
        line = cli(shop, "backup", str(pen / "backup")).one_line_error
        assert "is full" in line and str(pen / "backup") in line
        assert list(pen.iterdir()) == [filler]


# ------------------------------------------------- 9: backup folder checks
def test_backup_wants_a_new_or_empty_folder(
    shop: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "holiday.jpg").write_bytes(b"photo")
    assert "is not empty" in cli(shop, "backup", str(busy)).one_line_error
    assert sorted(p.name for p in busy.iterdir()) == ["holiday.jpg"]
    monkeypatch.chdir(busy)
    assert "name a new or empty folder" in cli(shop, "backup", "").one_line_error
    assert "name a new or empty folder" in cli(shop, "backup", "  ").one_line_error
    assert "is not empty" in cli(shop, "backup", ".").one_line_error
    assert sorted(p.name for p in busy.iterdir()) == ["holiday.jpg"]
    assert "is not empty" in cli(shop, "backup", str(shop)).one_line_error
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli(shop, "backup", str(empty)).code == 0
    assert "already holds a backup" in cli(shop, "backup", str(empty)).one_line_error


def test_doctor_advises_no_restore_when_the_data_is_only_in_use(shop: Path) -> None:
    store = open_store(shop)  # as the running app holds it
    try:
        doctor = cli(shop, "doctor")
    finally:
        store.close()
    assert doctor.code == 1 and "already running" in doctor.out
    assert "newest good backup" not in doctor.out and "restore it with" not in doctor.out
