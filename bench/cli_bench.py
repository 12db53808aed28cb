"""CLI commands on a shop data set: wall time and peak memory, each beside its budget.

    .venv/bin/python bench/cli_bench.py DATA_DIR [--runs 2] [--check] [--budget-rss-mb 200]

Works on a copy of DATA_DIR (``bench/dataset.py`` makes one), so the data set stays as it
was. Each command is a fresh process measured by ``/usr/bin/time`` (wall, peak RSS). The
budgets are ratios measured in the same run, so a busy machine moves both sides alike:

- every command's peak RSS at most ``--budget-rss-mb`` (200 MB);
- every command's wall time at most 2x ``viveka-pos --help`` measured in the same run
  (``verify`` reads every invoice: 3x).

``--check`` exits 1 when a budget is broken (``make bench-check`` runs it on S1). The median
of ``--runs`` runs is what is compared.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import bson

ROOT = Path(__file__).resolve().parents[1]
TIME = "/usr/bin/time"


def _pick(db_file: Path) -> tuple[str, str, str]:
    """(an item code with stock, a customer phone, an unpaid invoice number) of the data set,
    read straight from the file (so picking them costs the commands nothing)."""
    conn = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
    try:
        code = phone = number = ""
        for (body,) in conn.execute("SELECT body FROM docs WHERE coll = 'vivekaDB.items'"):
            doc = bson.decode(body)
            if doc.get("code") and (doc.get("stock") or 0) > 5 and doc.get("isActive", True):
                code = doc["code"]
                break
        for (body,) in conn.execute(
            "SELECT body FROM docs WHERE coll = 'vivekaDB.clientCustomers' LIMIT 1"
        ):
            phone = bson.decode(body)["phoneNumber"]
        for (body,) in conn.execute("SELECT body FROM docs WHERE coll = 'vivekaDB.invoices'"):
            doc = bson.decode(body)
            if (
                not doc.get("isFinalized")
                and doc.get("totalAmount", 0) - doc.get("paidAmount", 0) >= 1
            ):
                number = doc["invoiceNumber"]
                break
    finally:
        conn.close()
    return code, phone, number


def _run(argv: list[str], data_dir: Path) -> tuple[float, float, int]:
    """(wall seconds, peak RSS MB, exit code) of one command."""
    command = [
        TIME,
        "-f",
        "%e %M",
        sys.executable,
        "-m",
        "viveka_pos",
        "--data-dir",
        str(data_dir),
        *argv,
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    last = done.stderr.strip().splitlines()[-1].split()
    if done.returncode != 0:
        print(
            f"  ! {' '.join(argv)} exited {done.returncode}: "
            f"{done.stderr.strip().splitlines()[:-1][-3:]}",
            file=sys.stderr,
        )
    return float(last[0]), int(last[1]) / 1024, done.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--budget-rss-mb", type=float, default=200)
    parser.add_argument("--verify-ratio", type=float, default=3.0)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="viveka-cli-bench-"))
    try:
        data = work / "data"
        shutil.copytree(args.data_dir, data)
        code, phone, number = _pick(data / "viveka.sqlite3")
        commands: list[tuple[str, list[str], float]] = [
            ("--help", ["--help"], 0),
            ("report pending", ["report", "pending", "--json"], 2.0),
            ("report gst", ["report", "gst", "--json"], 2.0),
            ("report daybook", ["report", "daybook", "--json"], 2.0),
            ("bill", ["bill", "--customer", phone, "--item", f"{code}=1", "--pay", "0"], 2.0),
            ("pay", ["pay", number, "1"], 2.0),
            ("verify", ["verify"], args.verify_ratio),
        ]
        results: dict[str, list[tuple[float, float, int]]] = {name: [] for name, _, _ in commands}
        for _ in range(args.runs):
            for name, argv, _ratio in commands:
                results[name].append(_run(argv, data))
        help_wall = statistics.median(r[0] for r in results["--help"])
        broken = []
        print(
            f"{'command':18} {'wall s':>7} {'x help':>7} {'budget':>7} {'RSS MB':>7} {'budget':>7}"
        )
        for name, _argv, ratio in commands:
            wall = statistics.median(r[0] for r in results[name])
            rss = max(r[1] for r in results[name])
            failed = any(r[2] != 0 for r in results[name])
            times = wall / help_wall if help_wall else 0
            ok_wall = not ratio or times <= ratio
            ok_rss = rss <= args.budget_rss_mb
            mark = (
                ""
                if ok_wall and ok_rss and not failed
                else "  <-- over budget"
                if (not failed)
                else "  <-- FAILED"
            )
            print(
                f"{name:18} {wall:7.2f} {times:7.2f} {ratio or '':>7} {rss:7.0f} "
                f"{args.budget_rss_mb:7.0f}{mark}"
            )
            if mark:
                broken.append(name)
        if broken:
            print(f"over budget or failed: {', '.join(broken)}")
        return 1 if args.check and broken else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
