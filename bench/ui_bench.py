"""Desktop UI benchmark: start-up to a ready billing screen, and keystroke-to-results.

    .venv/bin/python bench/ui_bench.py DATA_DIR [--runs 3] [--queries 200] [--bills 300]

DATA_DIR must hold a shop (``bench/dataset.py`` makes one; the demo shop works too). Each
run is a fresh process (``QT_QPA_PLATFORM=offscreen`` unless a platform is set), so the
start-up figure is the whole cost a user waits for: interpreter, imports, opening the
store, building the window and painting the billing screen with its search box focused;
search ready adds the first search (the first letters of an item's name, its matches painted).

Then the CPU the app uses in the two seconds after start (background work), and in the
last run: keystroke latency (item names typed into the billing search box one key at a
time, each key timed from the key press to the results table repainted), ``--bills``
bills of 10 lines through the services, every report, and the RSS after opening and
after all that. The last run bills into DATA_DIR: use a copy.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from measure import rss_mb  # noqa: E402


def child(data_dir: str, queries: int, spawned_at: float, bills: int = 0) -> None:
    """One start of the app (runs in its own process); prints a JSON line of figures."""
    marks: dict[str, float] = {"spawned": spawned_at, "python": time.time()}
    sys.path.insert(0, str(ROOT))
    from PySide6.QtCore import QThreadPool
    from PySide6.QtWidgets import QApplication

    from viveka_pos.config import load_device_id
    from viveka_pos.services.context import ServiceContext
    from viveka_pos.services.facade import ShopServices
    from viveka_pos.services.shop import ShopService
    from viveka_pos.store import open_store
    from viveka_pos.ui.main_window import MainWindow
    from viveka_pos.ui.theme import apply_theme

    marks["imported"] = time.time()
    app = QApplication(sys.argv)
    apply_theme(app)
    store = open_store(data_dir, sweep=False)
    marks["store_open"] = time.time()
    ctx = ServiceContext(store=store, device_id=load_device_id(Path(data_dir)))
    shop = ShopService(ctx).local_shop()
    if shop is None:
        raise SystemExit(f"{data_dir} holds no shop; make one with bench/dataset.py")
    services = ShopServices(ctx, shop.id)
    window = MainWindow(services)
    window.resize(1366, 768)
    window.show()
    billing = window.screen("billing")
    app.processEvents()
    billing.repaint()
    assert QApplication.focusWidget() is billing.search
    marks["billing_ready"] = time.time()
    _first_search(app, billing, store)
    marks["search_ready"] = time.time()
    rss = {"opened": rss_mb()}
    # background work after start: CPU used while the app sits idle for two seconds
    cpu_before, idle_until = time.process_time(), time.monotonic() + 2
    while time.monotonic() < idle_until:
        app.processEvents()
        time.sleep(0.01)
    background_cpu = time.process_time() - cpu_before
    marks["background_done"] = time.time()
    names = _sample_names(store)
    idle = _type_queries(billing, names, queries)
    if bills:
        _bill(services, store, bills)
        _every_report(services)
        app.processEvents()
    rss["after_bills_and_reports"] = rss_mb()
    items = len(services.search)
    window.close()
    QThreadPool.globalInstance().waitForDone(60_000)
    store.close()
    print(
        json.dumps(
            {
                "marks": marks,
                "items": items,
                "busy_ms": [],
                "idle_ms": idle,
                "rss": rss,
                "background_cpu": background_cpu,
            }
        )
    )


def _first_search(app: object, billing: object, store: object) -> None:
    """Search ready: the first letters of an item's name typed into the search box, and its
    matches painted in the results table."""
    item = store.db.items.find_one({"isActive": True})  # type: ignore[attr-defined]
    if item is None:
        raise SystemExit("the shop has no active item to search for")
    billing.search.setText(item["name"][:3].lower())  # type: ignore[attr-defined]
    give_up = time.monotonic() + 30
    while billing.results_model.rowCount() == 0:  # type: ignore[attr-defined]
        if time.monotonic() > give_up:
            raise SystemExit(f"searching for {item['name'][:3]!r} showed nothing")
        app.processEvents()  # type: ignore[attr-defined]
    billing.results.repaint()  # type: ignore[attr-defined]
    billing.search.clear()  # type: ignore[attr-defined]


def _sample_names(store: object, size: int = 2000) -> list[str]:
    """Item names to type, a sample of the catalogue (never the whole of it in memory)."""
    rng = random.Random(3)
    names: list[str] = []
    for seen, doc in enumerate(store.iter_docs("items")):  # type: ignore[attr-defined]
        if len(names) < size:
            names.append(doc["name"])
        elif (slot := rng.randrange(seen + 1)) < size:
            names[slot] = doc["name"]
    return names


def _bill(services: object, store: object, count: int) -> None:
    """``count`` bills of 10 lines with a UPI payment, through the services (as F10 does)."""
    rng = random.Random(5)
    stocked = [
        d
        for d in store.db.items.find({}, limit=3000)  # type: ignore[attr-defined]
        if d.get("isActive", True)
        and float(d.get("stock", 0)) >= 30
        and d.get("unit") == "nos"
        and d.get("code")
    ]
    phones = [
        c["phoneNumber"]
        for c in store.db.clientCustomers.find(  # type: ignore
            {}, limit=200
        )
    ]
    for _ in range(count):
        cart = services.carts.create(customer=rng.choice(phones))  # type: ignore[attr-defined]
        for item in rng.sample(stocked, 10):
            services.carts.add_item(cart.cart_id, item["code"], 1)  # type: ignore
        total = services.carts.view(cart.cart_id).totals.total_amount  # type: ignore
        services.invoices.generate(
            cart.cart_id,
            paid_amount=total / 100,  # type: ignore
            method="upi",
        )


def _every_report(services: object) -> None:
    reports = services.reports  # type: ignore[attr-defined]
    year = ("2025-04-01", "2026-03-31")
    reports.pending_invoices()
    reports.payment_report(*year)
    reports.day_book(*year)
    reports.gst_summary(*year)
    reports.stock_report()
    reports.dealer_dues()
    reports.dashboard()


def _type_queries(billing: object, names: list[str], count: int) -> list[float]:
    from PySide6.QtTest import QTest

    rng = random.Random(7)
    latencies: list[float] = []
    for _ in range(count):
        name = rng.choice(names).lower()
        typed = name[: rng.randint(3, min(12, len(name)))]
        billing.search.clear()  # type: ignore[attr-defined]
        for char in typed:
            started = time.perf_counter()
            QTest.keyClick(billing.search, char)  # type: ignore[attr-defined]
            billing.results.repaint()  # type: ignore[attr-defined]
            latencies.append((time.perf_counter() - started) * 1000)
            # a person needs more than 35 ms per key; waiting keeps the scan detector out
            time.sleep(0.036)
    return latencies


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument(
        "--bills",
        type=int,
        default=300,
        help="bills made in the last run (then every report); 0: none",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--spawned-at", type=float, default=0.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.data_dir, args.queries, args.spawned_at, args.bills)
        sys.stdout.flush()
        os._exit(0)  # the figures are out; skip tearing down Qt's objects at exit

    env = {**os.environ}
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    results = []
    for run in range(args.runs):
        spawned = time.time()
        last = run == args.runs - 1
        queries = args.queries if last else 0
        done = subprocess.run(
            [
                sys.executable,
                __file__,
                args.data_dir,
                "--child",
                "--queries",
                str(queries),
                "--bills",
                str(args.bills if last else 0),
                "--spawned-at",
                repr(spawned),
            ],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return done.returncode
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))

    def span(result: dict, start: str, end: str) -> float:
        return result["marks"][end] - result["marks"][start]

    items = results[-1]["items"]
    print(
        f"data: {args.data_dir} ({items} active items), {args.runs} run(s), "
        f"platform {env['QT_QPA_PLATFORM']}"
    )
    for label, start, end in (
        ("interpreter start", "spawned", "python"),
        ("imports", "python", "imported"),
        ("open store", "imported", "store_open"),
        ("window + billing painted", "store_open", "billing_ready"),
        ("START -> BILLING READY", "spawned", "billing_ready"),
        ("START -> SEARCH READY", "spawned", "search_ready"),
    ):
        values = [span(r, start, end) for r in results]
        print(
            f"  {label:30s} median {statistics.median(values):7.3f} s   "
            f"(runs: {', '.join(f'{v:.3f}' for v in values)})"
        )
    ready = statistics.median(span(r, "spawned", "billing_ready") for r in results)
    print(f"  open -> billing ready {ready:.2f} s (budget 1.5 s)")
    cpu = max(r["background_cpu"] for r in results)
    print(f"  background CPU in the 2 s after start: {cpu:.2f} s (budget 1 s)")
    last = results[-1]["rss"]
    print(
        f"  RSS after opening {last['opened']:.0f} MB; after {args.bills} bills and every "
        f"report {last['after_bills_and_reports']:.0f} MB (budget 400 MB at S5, and at most "
        "1.3x the same figure at S1)"
    )
    for key, label in (("idle_ms", "idle"),):
        latencies = results[-1][key]
        if latencies:
            print(
                f"  keystroke -> results repainted, {label} ({len(latencies)} keys): "
                f"p50 {percentile(latencies, 0.5):.2f} ms, "
                f"p95 {percentile(latencies, 0.95):.2f} ms, "
                f"p99 {percentile(latencies, 0.99):.2f} ms, max {max(latencies):.2f} ms"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
