"""Desktop UI benchmark: start-up to a ready billing screen, and keystroke-to-results.

    .venv/bin/python bench/ui_bench.py DATA_DIR [--runs 3] [--queries 200]

DATA_DIR must hold a shop (``bench/dataset.py`` makes one; the demo shop works too). Each
run is a fresh process (``QT_QPA_PLATFORM=offscreen`` unless a platform is set), so the
start-up figure is the whole cost a user waits for: interpreter, imports, opening the
store, building the window and painting the billing screen with its search box focused.

Keystroke latency is measured in the last run: item names are typed into the billing
search box one key at a time, and each key is timed from the key press to the results
table repainted — first while the app still computes today's sales on a worker right after
start, then idle. The store is only read.
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


def child(data_dir: str, queries: int, spawned_at: float) -> None:
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
    services = ShopServices(ctx, shop["_id"])
    window = MainWindow(services)
    window.resize(1366, 768)
    window.show()
    billing = window.screen("billing")
    app.processEvents()
    billing.repaint()
    assert QApplication.focusWidget() is billing.search
    marks["billing_ready"] = time.time()
    while not billing.index_ready:  # built on a worker; the window stays responsive
        app.processEvents()
        time.sleep(0.002)
    app.processEvents()
    marks["search_ready"] = time.time()
    busy = _type_queries(billing, services, queries // 4) if queries else []
    deadline = time.monotonic() + 300
    while not window.sales_label.text() and time.monotonic() < deadline:
        app.processEvents()  # today's sales: the day ledger, built on a worker
        time.sleep(0.005)
    marks["background_done"] = time.time()
    idle = _type_queries(billing, services, queries)
    window.close()
    QThreadPool.globalInstance().waitForDone(60_000)
    store.close()
    print(json.dumps({"marks": marks, "items": len(services.search), "busy_ms": busy,
                      "idle_ms": idle}))


def _type_queries(billing: object, services: object, count: int) -> list[float]:
    from PySide6.QtTest import QTest

    rng = random.Random(7)
    names = [doc["name"] for doc in services.catalog.items()]  # type: ignore[attr-defined]
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
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--spawned-at", type=float, default=0.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.data_dir, args.queries, args.spawned_at)
        return 0

    env = {**os.environ}
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    results = []
    for run in range(args.runs):
        spawned = time.time()
        queries = args.queries if run == args.runs - 1 else 0
        done = subprocess.run(
            [sys.executable, __file__, args.data_dir, "--child", "--queries", str(queries),
             "--spawned-at", repr(spawned)],
            capture_output=True, text=True, env=env, check=False)
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return done.returncode
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))

    def span(result: dict, start: str, end: str) -> float:
        return result["marks"][end] - result["marks"][start]

    items = results[-1]["items"]
    print(f"data: {args.data_dir} ({items} active items), {args.runs} run(s), "
          f"platform {env['QT_QPA_PLATFORM']}")
    for label, start, end in (("interpreter start", "spawned", "python"),
                              ("imports", "python", "imported"),
                              ("open store", "imported", "store_open"),
                              ("window + billing painted", "store_open", "billing_ready"),
                              ("START -> BILLING READY", "spawned", "billing_ready"),
                              ("START -> SEARCH READY", "spawned", "search_ready"),
                              ("START -> TODAY'S SALES SHOWN", "spawned",
                               "background_done")):
        values = [span(r, start, end) for r in results]
        print(f"  {label:30s} median {statistics.median(values):7.3f} s   "
              f"(runs: {', '.join(f'{v:.3f}' for v in values)})")
    for key, label in (("busy_ms", "while today's sales are computed"),
                       ("idle_ms", "idle")):
        latencies = results[-1][key]
        if latencies:
            print(f"  keystroke -> results repainted, {label} ({len(latencies)} keys): "
                  f"p50 {percentile(latencies, 0.5):.2f} ms, "
                  f"p95 {percentile(latencies, 0.95):.2f} ms, "
                  f"p99 {percentile(latencies, 0.99):.2f} ms, max {max(latencies):.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
