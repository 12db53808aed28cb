"""The headless CLI, run as a user would: a separate process on a data folder."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader


def cli(data_dir: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "viveka_pos", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        input=stdin,
        timeout=120,
    )


@pytest.fixture(scope="module")
def shop_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("cli")
    result = cli(data, "demo", "--empty")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "9876500001"
    return data


def test_item_customer_bill_pay_verify(shop_dir: Path, tmp_path: Path) -> None:
    assert (
        cli(
            shop_dir,
            "item",
            "add",
            "--name",
            "Carburetor",
            "--price",
            "2500",
            "--code",
            "CARB",
            "--stock",
            "50",
            "--gst",
            "0",
        ).returncode
        == 0
    )
    added = cli(shop_dir, "customer", "add", "--phone", "9891112222", "--name", "Bob Smith")
    assert added.returncode == 0, added.stderr
    bill = cli(
        shop_dir, "bill", "--customer", "9891112222", "--item", "CARB=2", "--pay", "2000", "--json"
    )
    assert bill.returncode == 0, bill.stderr
    invoice = json.loads(bill.stdout)
    assert (
        invoice["totalAmount"],
        invoice["paidAmount"],
        invoice["balance"],
        invoice["isFinalized"],
    ) == (5000, 2000, 3000, False)
    assert invoice["lines"][0]["code"] == "CARB"
    number = invoice["invoiceNumber"]
    paid = cli(shop_dir, "pay", number, "3000", "--method", "upi")
    assert paid.returncode == 0 and "paid in full" in paid.stdout
    verify = cli(shop_dir, "verify")
    assert verify.returncode == 0 and "intact" in verify.stdout
    pdf = tmp_path / "invoice.pdf"
    made = cli(shop_dir, "invoice", "pdf", number, str(pdf))
    assert made.returncode == 0, made.stderr
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert number in text and "Five Thousand" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("item", "add", "--name", "X", "--price", "1"), "name: must have at least 2"),
        (("item", "add", "--name", "Nut", "--price", "-3"), "price: cannot be negative"),
        (("customer", "add", "--phone", "12345"), "phoneNumber: must have at least 10 digits"),
        (("bill", "--item", "NOPE=1"), "code: no active item with code 'NOPE'"),
        (("bill", "--item", "CARB"), "write it as CODE=QUANTITY"),
        (("pay", "A/0000/00001", "10"), "no invoice"),
        (("import-items", "/nonexistent.csv"), "no such file"),
    ],
)
def test_bad_input_gives_one_line_and_nonzero_exit(
    shop_dir: Path, args: tuple, message: str
) -> None:
    result = cli(shop_dir, *args)
    assert result.returncode != 0
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_import_export_and_backup_restore(shop_dir: Path, tmp_path: Path) -> None:
    csv_file = tmp_path / "items.csv"
    csv_file.write_text("code,name,price,stock\nW1,Wiper blade,349.50,10\nW2,X,1,1\n")
    rejected = cli(shop_dir, "import-items", str(csv_file))
    assert rejected.returncode == 1 and "line 3: name" in rejected.stderr
    csv_file.write_text("code,name,price,stock\nW1,Wiper blade,349.50,10\n")
    assert cli(shop_dir, "import-items", str(csv_file)).returncode == 0
    out = tmp_path / "out.csv"
    assert cli(shop_dir, "export-items", str(out)).returncode == 0
    assert "Wiper blade" in out.read_text()
    backup = tmp_path / "backup"
    assert cli(shop_dir, "backup", str(backup)).returncode == 0
    assert cli(shop_dir, "item", "add", "--name", "After backup", "--price", "1").returncode == 0
    restored = cli(shop_dir, "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    exported = tmp_path / "after.csv"
    cli(shop_dir, "export-items", str(exported))
    assert "After backup" not in exported.read_text()


def test_no_shop_yet(tmp_path: Path) -> None:
    result = cli(tmp_path / "fresh", "verify")
    assert result.returncode == 1 and "no shop on this computer" in result.stderr


def test_full_demo_and_order_pdf(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    assert cli(data, "demo").returncode == 0
    pdf = tmp_path / "po.pdf"
    made = cli(data, "order", "pdf", "PO-A/" + _fy_of_demo(data) + "/0001", str(pdf))
    assert made.returncode == 0, made.stderr
    text = PdfReader(pdf).pages[0].extract_text()
    assert "Bharath Auto Distributors" in text and "Brake pad set front (Pulsar)" in text
    missing = cli(data, "order", "pdf", "PO-X/1", str(pdf))
    assert missing.returncode == 1 and "no order" in missing.stderr


def _fy_of_demo(data: Path) -> str:
    """The financial year the demo's first order was numbered in (a week ago, shop time)."""
    from datetime import timedelta

    from viveka_pos.domain.clock import SystemClock, shop_today
    from viveka_pos.domain.numbering import financial_year

    return financial_year(shop_today(SystemClock()) - timedelta(days=7))


def test_reports_as_table_json_csv_and_pdf(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    assert cli(data, "demo").returncode == 0
    table = cli(data, "report", "pending")
    assert table.returncode == 0 and "Pending invoices" in table.stdout
    as_json = json.loads(cli(data, "report", "gst", "--json").stdout)
    assert as_json["report"] == "gst" and as_json["columns"][0] == "gst_rate"
    for row in as_json["rows"]:
        assert round(row["cgst"] + row["sgst"] + row["igst"], 2) == row["total_tax"]
    history = json.loads(
        cli(data, "report", "history", "--customer", "9845012345", "--json").stdout
    )
    assert all(isinstance(r["total"], float) for r in history["rows"])
    csv_file = tmp_path / "stock.csv"
    assert cli(data, "report", "stock", "--csv", str(csv_file)).returncode == 0
    assert csv_file.read_text().startswith("item,code")
    pdf = tmp_path / "daybook.pdf"
    assert cli(data, "report", "daybook", "--pdf", str(pdf)).returncode == 0
    assert "Day book" in PdfReader(pdf).pages[0].extract_text()
    missing = cli(data, "report", "history")
    assert missing.returncode == 1 and "--customer" in missing.stderr
