"""How long the documents take to render: median and 95th percentile in milliseconds.

    .venv/bin/python bench/print_bench.py [--runs N]

Targets: a one-page A4 invoice ≤ 40 ms, a 100-line invoice ≤ 300 ms (one warm-up render
first, so font loading is not counted). The others are printed for reference.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.unit.printing.documents import (
    make_dealer,
    make_dealer_order,
    make_invoice,
    make_payments,
    make_shop,
    many_lines,
)
from viveka_pos.printing.dealer_order import render_dealer_order
from viveka_pos.printing.invoice_a4 import render_invoice_a4
from viveka_pos.printing.receipt_thermal import render_receipt
from viveka_pos.printing.report_pdf import Column, ReportTable, render_report


def sales_report(rows: int) -> ReportTable:
    columns = [
        Column("Date"),
        Column("Invoice"),
        Column("Customer", width=2.5),
        Column("Taxable", "right"),
        Column("CGST", "right"),
        Column("SGST", "right"),
        Column("Total", "right"),
    ]
    body = [
        [
            f"{n % 28 + 1:02d} Jul 2025",
            f"A1/2526/{n:05d}",
            "Anil Kumar & Sons, wholesale and retail hardware, Chickpet"
            if n % 9 == 0
            else "Walk-in",
            "8,114.00",
            "791.44",
            "791.44",
            "9,696.88",
        ]
        for n in range(rows)
    ]
    return ReportTable("Sales register", "July 2025", columns, body)


def measure(render: Callable[[int], bytes], runs: int) -> tuple[float, float]:
    """Median and p95 of ``runs`` calls of ``render(i)``, after one warm-up call."""
    render(-1)  # warm-up: fonts, styles
    times = []
    for i in range(runs):
        start = time.perf_counter()
        render(i)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    runs = parser.parse_args().runs
    shop = make_shop()

    # Every run prints a bill with a balance not seen before, so its UPI QR code is encoded
    # afresh (encodings are cached per payment link; a real counter prints new bills).
    def bills(series: int, lines: int = 8) -> list[dict]:
        specs = many_lines(lines) if lines > 8 else None
        return [
            make_invoice(*([specs] if specs else []), paid=series * 10_000 + i)
            for i in range(runs + 1)
        ]

    invoices, with_payments, receipts80, receipts58 = (bills(n) for n in (1, 2, 3, 4))
    payments = [make_payments(doc, 600_00, 20_000 + n) for n, doc in enumerate(with_payments)]
    long_invoices = bills(5, lines=100)
    order, items = make_dealer_order(items=9)
    dealer = make_dealer()
    report = sales_report(1000)
    cases: list[tuple[str, Callable[[int], bytes], int, float | None]] = [
        (
            "A4 invoice, 8 lines (1 page)",
            lambda i: render_invoice_a4(invoices[i + 1], shop),
            runs,
            40.0,
        ),
        (
            "  same, 2 payments listed",
            lambda i: render_invoice_a4(with_payments[i + 1], shop, payments[i + 1]),
            runs,
            40.0,
        ),
        (
            "  same bill again (QR cached)",
            lambda i: render_invoice_a4(invoices[0], shop),
            runs,
            None,
        ),
        (
            "A4 invoice, 100 lines (4 pages)",
            lambda i: render_invoice_a4(long_invoices[i + 1], shop),
            max(runs // 4, 5),
            300.0,
        ),
        (
            "Receipt 80 mm, 8 lines",
            lambda i: render_receipt(receipts80[i + 1], shop, width_mm=80),
            runs,
            None,
        ),
        (
            "Receipt 58 mm, 8 lines",
            lambda i: render_receipt(receipts58[i + 1], shop, width_mm=58),
            runs,
            None,
        ),
        (
            "Dealer order, 9 items",
            lambda i: render_dealer_order(order, items, dealer, shop),
            runs,
            None,
        ),
        ("Report, 1000 rows x 7 columns", lambda i: render_report(report, shop), 3, None),
    ]
    print(f"{'document':34} {'median ms':>10} {'p95 ms':>8} {'target':>8}")
    for name, render, count, target in cases:
        median, p95 = measure(render, count)
        goal = f"≤ {target:.0f}" if target else ""
        verdict = "" if target is None else ("  ok" if median <= target else "  SLOW")
        print(f"{name:34} {median:10.1f} {p95:8.1f} {goal:>8}{verdict}", flush=True)


if __name__ == "__main__":
    main()
