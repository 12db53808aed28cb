"""The CLI as a new shop meets it: the demo logs in, the doctor is content with a new shop,
options go where a user puts them, reports say their period, credit needs a customer and
phone numbers must be real Indian mobiles. Run as a user would: a separate process."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from viveka_pos.cli import build_parser


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "viveka_pos", *args], capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("demo")
    made = cli("demo", "--data-dir", str(data))  # --data-dir after the command
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip() == "9876500001"
    assert "logged in as Hegde Auto Spares (demo OTP 1234)" in made.stderr
    return data


def test_the_demo_logs_in_like_the_app_does(demo: Path) -> None:
    who = cli("--data-dir", str(demo), "whoami")
    assert who.returncode == 0, who.stderr
    assert who.stdout.startswith("Hegde Auto Spares & Hardware (9876500001)")


def test_whoami_on_a_pc_without_a_login_says_it_once(tmp_path: Path) -> None:
    done = cli("whoami", "--data-dir", str(tmp_path))
    assert done.returncode == 1
    assert done.stderr == (
        "error: not logged in on this computer (viveka-pos login --phone PHONE)\n"
    )


def test_doctor_is_content_with_a_brand_new_demo_shop(demo: Path) -> None:
    done = cli("doctor", "--data-dir", str(demo))
    assert done.returncode == 0, done.stdout + done.stderr
    backup = next(line for line in done.stdout.splitlines() if "Last backup" in line)
    assert backup.startswith("ok") and "none yet (the shop was set up" in backup


def test_data_dir_after_the_command_wins_and_before_still_works(demo: Path, tmp_path: Path) -> None:
    after = cli("report", "stock", "--json", "--data-dir", str(demo))
    assert after.returncode == 0, after.stderr
    assert json.loads(after.stdout)["rows"]
    # given twice, the one after the command is used
    both = cli(
        "--data-dir",
        str(tmp_path),
        "item",
        "add",
        "--name",
        "Fuse 10A",
        "--price",
        "12",
        "--code",
        "FUSE10",
        "--data-dir",
        str(demo),
    )
    assert both.returncode == 0, both.stderr
    assert not (tmp_path / "viveka.sqlite3").exists()


def test_help_names_every_command_the_readme_lists() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    assert {"backups", "verify-backup", "doctor", "demo"} <= set(commands)
    listed = cli("--help").stdout
    assert all(name in listed for name in commands)
    missing = [
        name
        for name in commands
        if f"`{name}" not in readme
        and f"`viveka-pos {name}" not in readme
        and f", `{name}" not in readme
    ]
    assert missing == []


def test_a_report_without_dates_covers_this_month_and_says_so(demo: Path) -> None:
    done = cli("report", "daybook", "--data-dir", str(demo), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    today = datetime.now(ZoneInfo("Asia/Kolkata")).date()  # the demo shop's calendar
    first = today.replace(day=1)
    assert report["subtitle"] in (f"{first:%d %b %Y} – {today:%d %b %Y}", f"{today:%d %b %Y}")
    days = [row["day"] for row in report["rows"]]
    assert days and min(days) >= first.isoformat()


def test_history_says_it_needs_a_customer(demo: Path) -> None:
    done = cli("report", "history", "--data-dir", str(demo))
    assert done.returncode == 1
    assert done.stderr == "error: report history needs --customer PHONE (whose purchases)\n"


def test_a_bill_without_pay_is_paid_in_full_and_says_so(demo: Path) -> None:
    done = cli("bill", "--item", "8902005=1", "--json", "--data-dir", str(demo))
    assert done.returncode == 0, done.stderr
    invoice = json.loads(done.stdout)
    assert invoice["paidAmount"] == invoice["totalAmount"] and invoice["balance"] == 0
    assert (invoice["isFinalized"], invoice["status"]) == (True, "paid")


def test_walk_in_credit_is_refused_and_nothing_is_saved(demo: Path) -> None:
    before = cli("report", "pending", "--json", "--data-dir", str(demo)).stdout
    done = cli("bill", "--item", "8902005=1", "--pay", "0", "--data-dir", str(demo))
    assert done.returncode == 1
    assert done.stderr.startswith("error: pay: ₹")
    assert "would stay due from a walk-in customer: add the customer" in done.stderr
    assert done.stderr.endswith("(--customer PHONE)\n")
    assert cli("report", "pending", "--json", "--data-dir", str(demo)).stdout == before
    credit = cli(
        "bill",
        "--customer",
        "9845012345",
        "--item",
        "8902005=1",
        "--pay",
        "100",
        "--json",
        "--data-dir",
        str(demo),
    )
    assert credit.returncode == 0, credit.stderr
    invoice = json.loads(credit.stdout)
    assert (invoice["customerName"], invoice["status"]) == ("Ravi Kumar", "part-paid")


@pytest.mark.parametrize("phone", ["0000000000", "1234567890", "+91 55555 55555"])
def test_made_up_phone_numbers_are_refused(demo: Path, phone: str) -> None:
    done = cli("customer", "add", "--phone", phone, "--name", "Someone", "--data-dir", str(demo))
    assert done.returncode == 1
    assert done.stderr == (
        "error: phoneNumber: must be an Indian mobile number (10 digits "
        "starting with 6, 7, 8 or 9)\n"
    )


def test_a_real_mobile_is_taken_in_any_usual_spelling(demo: Path) -> None:
    done = cli(
        "customer", "add", "--phone", "+91 70221 34567", "--name", "Nisha", "--data-dir", str(demo)
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "added customer 7022134567 Nisha"
