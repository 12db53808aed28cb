"""`return`, `cancel`, `creditnote pdf` and `report gstr1` from the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader


def cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "viveka_pos", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("returns")
    assert cli(data, "demo", "--empty").returncode == 0
    for args in (
        (
            "item",
            "add",
            "--name",
            "Brake Pad Set",
            "--price",
            "1000",
            "--code",
            "BP",
            "--stock",
            "10",
            "--gst",
            "18",
            "--hsn",
            "87083000",
        ),
        (
            "item",
            "add",
            "--name",
            "Gold Ring",
            "--price",
            "50000",
            "--code",
            "GR",
            "--stock",
            "5",
            "--gst",
            "3",
            "--hsn",
            "71131910",
        ),
        (
            "customer",
            "add",
            "--phone",
            "9800000003",
            "--name",
            "Sunil Patil",
            "--address",
            "7 MG Road, Pune",
            "--state",
            "Maharashtra",
        ),
    ):
        done = cli(data, *args)
        assert done.returncode == 0, done.stderr
    return data


def _bill(shop: Path, *args: str) -> dict:
    done = cli(shop, "bill", *args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_return_cancel_and_gstr1(shop: Path, tmp_path: Path) -> None:
    sale = _bill(shop, "--item", "BP=3", "--pay", "3540")
    number = sale["invoiceNumber"]
    done = cli(
        shop, "return", number, "--item", "BP=1", "--method", "upi", "--reason", "extra", "--json"
    )
    assert done.returncode == 0, done.stderr
    note = json.loads(done.stdout)
    assert (note["totalAmount"], note["refundAmount"], note["refundMethod"]) == (1180, 1180, "upi")
    assert note["creditNoteNumber"].startswith("CN-")

    before = cli(shop, "report", "stock", "--json").stdout
    for args, message in [
        (("return", number, "--item", "BP=3"), "quantity: Brake Pad Set: only 2 left"),
        (("return", "A/0000/00009", "--item", "BP=1"), "invoiceNumber: no invoice"),
        (("return", number, "--item", "GR=1"), "itemCode: 'GR' is not on invoice"),
        (("return", number, "--item", "BP"), "write it as CODE=QUANTITY"),
    ]:
        refused = cli(shop, *args)
        assert refused.returncode == 1 and message in refused.stderr, refused.stderr
    assert cli(shop, "report", "stock", "--json").stdout == before

    big = _bill(
        shop, "--customer", "9800000003", "--item", "GR=1", "--pay", "0"
    )  # ₹51,500 at 3 %, on credit
    assert big["totalAmount"] == 51500
    cancelled = cli(shop, "cancel", big["invoiceNumber"], "--reason", "wrong item")
    assert cancelled.returncode == 0 and "cancelled" in cancelled.stdout, cancelled.stderr
    refused = cli(shop, "return", big["invoiceNumber"], "--item", "GR=1")
    assert refused.returncode == 1 and "is cancelled" in refused.stderr

    pdf = tmp_path / "cn.pdf"
    made = cli(shop, "creditnote", "pdf", note["creditNoteNumber"], str(pdf), "--format", "80mm")
    assert made.returncode == 0, made.stderr
    assert "CREDIT NOTE" in PdfReader(pdf).pages[0].extract_text()

    month = sale["invoiceDate"][:7]
    out = tmp_path / "gstr1.json"
    done = cli(shop, "report", "gstr1", "--month", month, "--json", str(out))
    assert done.returncode == 0, done.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["b2cs"] == [
        {
            "sply_ty": "INTRA",
            "pos": "29",
            "typ": "OE",
            "rt": 18,
            "txval": 2000.0,
            "camt": 180.0,
            "samt": 180.0,
            "csamt": 0,
        }
    ]
    docs = data["doc_issue"]["doc_det"][0]["docs"][0]
    assert (docs["totnum"], docs["cancel"], docs["net_issue"]) == (2, 1, 1)
    sheets = tmp_path / "sheets"
    assert cli(shop, "report", "gstr1", "--month", month, "--csv", str(sheets)).returncode == 0
    assert len(list(sheets.glob("gstr1_*.csv"))) == 9
    bad = cli(shop, "report", "gstr1", "--month", "2026-13")
    assert bad.returncode == 1 and "month: must be a month written YYYY-MM" in bad.stderr
