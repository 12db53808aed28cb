"""Billing benchmark on a built data set (see bench/dataset.py).

    .venv/bin/python bench/billing_bench.py /tmp/viveka-s5 [--checkouts 200]

Prints: store open time, search latency p50/p99 over mixed queries, checkout (10 lines +
payment, durable, through the services) p50/p99, each report's first call and median, and
RSS, each beside its budget. It bills into the given data set (adds invoices): use a copy.
Beside the checkout it times the same fixed piece of CPU work after each bill: its p50 says
how fast the machine is in this run, its p99/p50 how much of a tail the machine alone makes.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from measure import fixed_work, full_collections, rss_mb, thread_system_seconds

from viveka_pos.services.context import ServiceContext
from viveka_pos.services.facade import ShopServices
from viveka_pos.services.shop import ShopService
from viveka_pos.store import open_store


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--checkouts", type=int, default=200)
    parser.add_argument("--queries", type=int, default=2000)
    args = parser.parse_args()
    rng = random.Random(11)

    if hasattr(os, "sync"):
        # A data set copied just before is still in the page cache, not on the disk: the
        # first checkpoint's fsync would write the whole copy out inside one bill (measured
        # at S5: 0.69-0.76 s instead of 0.09 s), timing the copy instead of the app.
        os.sync()
    open_s, store = _timed(lambda: open_store(args.data_dir, sweep=False))
    rss_open = rss_mb()
    ctx = ServiceContext(store, "pc-bench")
    shop = ShopService(ctx).local_shop()
    assert shop is not None, "no shop in that data dir"
    svc = ShopServices(ctx, shop.id)
    search = svc.search
    print(f"data set: { {k: v for k, v in store.counts().items() if v} }")
    print(f"open store: {open_s * 1000:.0f} ms, RSS {rss_open:.0f} MB")

    # a sample of the catalogue, not all of it: the bench's own lists must not hide the
    # app's memory in the RSS printed at the end
    items: list[dict[str, Any]] = []
    for seen, doc in enumerate(d for d in store.iter_docs("items") if d.get("isActive", True)):
        if len(items) < 3000:
            items.append(doc)
        elif (slot := rng.randrange(seen + 1)) < 3000:
            items[slot] = doc
    queries = []
    for _ in range(args.queries):
        item = rng.choice(items)
        kind = rng.random()
        words = item["name"].split()
        if kind < 0.4:
            queries.append(item["name"][: rng.randint(1, 8)])
        elif kind < 0.6:
            queries.append(item["code"])
        elif kind < 0.8:
            queries.append(rng.choice(words)[: rng.randint(2, 6)])
        else:
            queries.append(" ".join(w[:4] for w in rng.sample(words, 2)))
    timings = []
    for query in queries:
        start = time.perf_counter()
        search.search(query, 20)
        timings.append(time.perf_counter() - start)
    print(
        f"search ({len(queries)} queries, top 20): p50 {_pct(timings, 0.5):.3f} ms, "
        f"p99 {_pct(timings, 0.99):.3f} ms (budget 3 ms), max {max(timings) * 1000:.3f} ms"
    )

    stocked = [d for d in items if float(d.get("stock", 0)) >= 20 and d["unit"] == "nos"]
    customers = [c["phoneNumber"] for c in store.db.clientCustomers.find({}, limit=500)]
    checkout = []
    # CPU of this thread per bill (user + system, without waiting for the disk or for the
    # other programs of a busy PC): what the code costs, beside what the PC made of it
    checkout_cpu = []
    checkout_system = []  # of which in the kernel
    machine = []  # the same fixed work after each bill: the machine's own spread
    with full_collections() as collections:
        for _ in range(args.checkouts):
            lines = rng.sample(stocked, 10)
            cpu_start = time.thread_time()
            system_start = thread_system_seconds()
            start = time.perf_counter()
            cart = svc.carts.create(customer=rng.choice(customers))
            for item in lines:
                svc.carts.add_item(cart.cart_id, item["code"], 1)
            total = svc.carts.view(cart.cart_id).totals.total_amount
            svc.invoices.generate(cart.cart_id, paid_amount=total / 100, method="upi")
            checkout.append(time.perf_counter() - start)
            checkout_cpu.append(time.thread_time() - cpu_start)
            checkout_system.append(thread_system_seconds() - system_start)
            machine.append(fixed_work())
    slowest = sorted(range(len(checkout)), key=checkout.__getitem__)[-4:]
    print(
        f"checkout (10 lines + payment, {args.checkouts} bills back to back): "
        f"p50 {_pct(checkout, 0.5):.1f} ms, p99 {_pct(checkout, 0.99):.1f} ms "
        f"(budget 15 ms), "
        f"max {max(checkout) * 1000:.1f} ms, {sum(t > 0.015 for t in checkout)} over 15 ms"
    )
    print(
        f"  CPU of a checkout (this thread): p50 {_pct(checkout_cpu, 0.5):.1f} ms, "
        f"p99 {_pct(checkout_cpu, 0.99):.1f} ms"
    )
    print(
        f"  the machine in the same run (a fixed piece of work after each bill): "
        f"p50 {_pct(machine, 0.5):.2f} ms, p99 {_pct(machine, 0.99):.2f} ms, "
        f"p99/p50 {_pct(machine, 0.99) / _pct(machine, 0.5):.2f}; the checkout's p99/p50 "
        f"{_pct(checkout, 0.99) / _pct(checkout, 0.5):.2f}"
    )
    half = len(checkout) // 2
    print(
        "  by half (the log grows in the first bills until its first copy into the file, "
        "near bill 160 at S5): "
        + "; ".join(
            f"bills {first}-{last - 1}: p50 {_pct(checkout[first:last], 0.5):.1f} ms, "
            f"p99 {_pct(checkout[first:last], 0.99):.1f} ms, kernel time per bill "
            f"{statistics.mean(checkout_system[first:last]) * 1000:.1f} ms"
            for first, last in ((0, half), (half, len(checkout)))
        )
    )
    print(
        "  slowest bills (number: ms): "
        + ", ".join(f"{n}: {checkout[n] * 1000:.0f}" for n in reversed(slowest))
        + f"; full GC passes meanwhile: {len(collections)}"
        + (f", longest {max(collections) * 1000:.0f} ms" if collections else "")
    )
    generate_only = []
    for _ in range(min(50, args.checkouts)):
        cart = svc.carts.create(customer=rng.choice(customers))
        for item in rng.sample(stocked, 10):
            svc.carts.add_item(cart.cart_id, item["code"], 1)
        total = svc.carts.view(cart.cart_id).totals.total_amount
        start = time.perf_counter()
        svc.invoices.generate(cart.cart_id, paid_amount=total / 100, method="cash")
        generate_only.append(time.perf_counter() - start)
    print(
        f"  of which saving the invoice: p50 {_pct(generate_only, 0.5):.1f} ms, "
        f"p99 {_pct(generate_only, 0.99):.1f} ms"
    )

    _bench_reports(svc.reports, customers[0])
    print(
        f"RSS: {rss_mb():.0f} MB after opening, {args.checkouts + 50} bills and every "
        "report (budget 400 MB at S5)"
    )
    store.close()


def _bench_reports(reports: Any, phone: str) -> None:
    from datetime import date

    calls: dict[str, Callable[[], Any]] = {}
    for name, kwargs in [
        ("pending_invoices", {}),
        ("payment_report", {"date_from": date(2025, 1, 1), "date_to": date(2025, 3, 31)}),
        ("purchase_history", {"phone": phone}),
        ("day_book", {"date_from": date(2025, 1, 1), "date_to": date(2025, 1, 31)}),
        ("stock_report", {}),
        ("dealer_dues", {}),
        ("gst_summary", {"date_from": date(2025, 1, 1), "date_to": date(2025, 3, 31)}),
        ("dashboard", {}),
    ]:
        method = getattr(reports, name)
        calls[name] = lambda m=method, k=kwargs: m(**k)
    for name, call in calls.items():
        samples = []
        for _ in range(5):
            start = time.perf_counter()
            call()
            samples.append(time.perf_counter() - start)
        print(
            f"report {name}: first call {samples[0] * 1000:.0f} ms (budget 200 ms), "
            f"median {statistics.median(samples) * 1000:.0f} ms, "
            f"max {max(samples) * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
