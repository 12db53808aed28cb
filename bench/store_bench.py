"""Store benchmark: our durable engine next to stock MongitaClientDisk, same run.

    .venv/bin/python bench/store_bench.py [--n 100000]

Each engine runs in its own child process (so RSS figures are its own) on a fresh temp
directory: load N item documents, then time insert_one, update_one ($inc on an indexed
field), a 10-write unit of work, and reopening. Prints a table with ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from measure import rss_mb  # noqa: E402


def _item(i: int, client_id: bson.ObjectId) -> dict:
    return {
        "_id": bson.ObjectId(),
        "clientId": client_id,
        "name": f"Item {i:06d} brake pad set",
        "code": f"C{i:06d}",
        "price": 100 + i % 5000,
        "stock": 50,
        "lowStockQuantity": 5,
        "unit": "nos",
        "hsnCode": "8708",
        "gstRate": 18,
        "isActive": True,
        "description": "",
        "dealerIds": [],
    }


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def run_engine(kind: str, n: int, data_dir: str) -> dict:
    client_id = bson.ObjectId()
    rounds = {"ours": 200, "stock": 5}[kind]

    if kind == "ours":
        from viveka_pos.store import open_store

        store = open_store(data_dir, sweep=False)
        db = store.db

        def uow():
            return store.unit_of_work()

        def reopen():
            nonlocal store, db
            store.close()
            start = time.perf_counter()
            store = open_store(data_dir, sweep=False)
            db = store.db
            db.items.find_one({"code": "C000001"})  # collections load on first use: include it
            return time.perf_counter() - start
    else:
        from contextlib import nullcontext

        from mongita import MongitaClientDisk

        client = MongitaClientDisk(data_dir)
        db = client.vivekaDB
        db.items.create_index("code")
        db.items.create_index("stock")

        def uow():
            return nullcontext(db)

        def reopen():
            nonlocal client, db
            client.close()
            start = time.perf_counter()
            client = MongitaClientDisk(data_dir)
            db = client.vivekaDB
            db.items.find_one({"code": "C000001"})  # force the collection to load
            return time.perf_counter() - start

    if kind == "ours":
        db.items.create_index("stock")
    start = time.perf_counter()
    batch = 5000
    for first in range(0, n, batch):
        docs = [_item(i, client_id) for i in range(first, min(n, first + batch))]
        with uow():
            db.items.insert_many(docs)
    load_s = time.perf_counter() - start
    extra = {}
    if kind == "ours":
        # Reopen with the whole load still waiting in the outbox (never synced) ...
        extra["reopen_unsynced_s"] = reopen()
        # ... and as a shop normally is, after sync has drained it.
        with store.unit_of_work(record_outbox=False):
            db.outbox.delete_many({})

    inserts, updates, units = [], [], []
    for r in range(rounds):
        doc = _item(n + r, client_id)
        t = time.perf_counter()
        db.items.insert_one(doc)
        inserts.append(time.perf_counter() - t)
    for _ in range(rounds):
        code = f"C{random.randrange(n):06d}"
        t = time.perf_counter()
        db.items.update_one({"code": code}, {"$inc": {"stock": -1}})
        updates.append(time.perf_counter() - t)
    for _ in range(max(3, rounds // 4)):
        codes = [f"C{random.randrange(n):06d}" for _ in range(9)]
        t = time.perf_counter()
        with uow():
            db.invoices.insert_one({"invoiceNumber": str(bson.ObjectId()), "totalAmount": 10})
            for code in codes:
                db.items.update_one({"code": code}, {"$inc": {"stock": -1}})
        units.append(time.perf_counter() - t)
    reopen_s = min(reopen() for _ in range(3 if kind == "ours" else 1))
    assert db.items.count_documents({}) == n + rounds
    return {
        "load_s": load_s,
        "insert_one_ms": _median_ms(inserts),
        "update_one_ms": _median_ms(updates),
        "uow10_ms": _median_ms(units),
        "reopen_s": reopen_s,
        "rss_mb": rss_mb(),
        **extra,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--engine", choices=["ours", "stock"])
    parser.add_argument("--skip-stock", action="store_true")
    args = parser.parse_args()
    if args.engine:
        with tempfile.TemporaryDirectory() as tmp:
            print(json.dumps(run_engine(args.engine, args.n, tmp)))
        return
    results = {}
    for kind in ["ours"] + ([] if args.skip_stock else ["stock"]):
        out = subprocess.run(
            [sys.executable, __file__, "--engine", kind, "--n", str(args.n)],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ},
        )
        results[kind] = json.loads(out.stdout.strip().splitlines()[-1])
    rows = [
        ("load N docs (s)", "load_s"),
        ("insert_one median (ms)", "insert_one_ms"),
        ("update_one $inc indexed, median (ms)", "update_one_ms"),
        ("10-write unit of work, median (ms)", "uow10_ms"),
        ("reopen, outbox drained (s)", "reopen_s"),
        ("reopen, 100k writes unsynced (s)", "reopen_unsynced_s"),
        ("RSS after (MB)", "rss_mb"),
    ]
    print(f"store benchmark, N = {args.n:,} items")
    print(f"{'measure':40} {'ours':>10} {'stock':>10} {'stock/ours':>11}")
    for label, key in rows:
        ours = results["ours"].get(key)
        if ours is None:
            continue
        stock = results.get("stock", {}).get(key)
        ratio = f"{stock / ours:10.1f}x" if stock else ""
        stock_text = f"{stock:10.2f}" if stock is not None else f"{'-':>10}"
        print(f"{label:40} {ours:10.2f} {stock_text} {ratio:>11}")


if __name__ == "__main__":
    main()
