"""Sync throughput: push and pull of N documents against a raw ``insert_many`` of the same
documents, on the same local MongoDB-wire-protocol server, in the same run.

    .venv/bin/python bench/sync_bench.py            # 10,000 invoices
    .venv/bin/python bench/sync_bench.py -n 2000
    .venv/bin/python bench/sync_bench.py --kills 150   # the fault-injection run, long

Ratio = raw insert_many time / sync time (1.0 = as fast as a bare bulk insert; goal >= 0.5).
Push includes reading the outbox, stamping, sending and removing the confirmed records here
(new bills: inserts). "Push of edits": N items, each with its price changed here, pushed as
this PC's changed field onto the remote version it last saw (a version check, the
conditional write, remembering the new version), against a raw insert_many of the same
items and against raw replaces of them by ``_id`` (what an edit costs the server at least).
Pull is a second PC's first (full) pull of the invoices, applying to its store and recomputing
paid amounts; "pull of items" is the same PC's next pull, of the N items (each enters the
item search index), against the items' insert_many. Each row also gives the CPU time the
server and this process used in it: where the server's is most of the wall time, the server
sets the pace (the test server runs one command at a time, in Python).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bson import ObjectId  # noqa: E402
from pymongo import ReplaceOne  # noqa: E402

from tests.integration.mongo_server import MongoServer, running_server  # noqa: E402
from tests.integration.sync_shop import FY, Device, now  # noqa: E402
from viveka_pos.domain.numbering import format_invoice_number  # noqa: E402
from viveka_pos.gateways.remote import connect  # noqa: E402


def invoice_doc(client_id: ObjectId, seq: int, item_id: ObjectId) -> dict[str, Any]:
    line = {
        "productId": item_id,
        "itemName": "Tea 250g",
        "itemGroup": "Grocery",
        "quantity": 2,
        "costPerUnit": 120,
        "unit": "nos",
        "hsnCode": "0902",
        "gstRate": 5,
        "grossAmount": 240,
        "discount": 0,
        "taxableValue": 240,
        "cgst": 6,
        "sgst": 6,
        "igst": 0,
        "lineTotal": 252,
    }
    at = now()
    return {
        "_id": ObjectId(),
        "clientId": client_id,
        "clientCustomerId": None,
        "clientCustomerName": "",
        "clientCustomerPhone": "",
        "invoiceNumber": format_invoice_number("A1", FY, seq),
        "invoiceDate": "2025-06-01",
        "dueDate": "2025-07-01",
        "subtotal": 720,
        "totalTax": 36,
        "totalDiscount": 0,
        "totalAmount": 756,
        "paidAmount": 0,
        "isFinalized": False,
        "notes": "",
        "products": [line, dict(line), dict(line)],
        "generatedAt": at,
        "updatedAt": at,
        "deviceId": "pc-a",
        "series": "A1",
        "financialYear": FY,
        "sequence": seq,
        "supplyType": "intra",
        "prevHash": "0" * 64,
        "hash": "f" * 64,
    }


def item_doc(client_id: ObjectId, index: int) -> dict[str, Any]:
    at = now()
    return {
        "_id": ObjectId(),
        "clientId": client_id,
        "groupId": None,
        "name": f"Item {index:05d}",
        "price": 120,
        "dealerIds": [],
        "stock": 0,
        "lowStockQuantity": 5,
        "unit": "nos",
        "description": "",
        "isActive": True,
        "code": "",
        "hsnCode": "0902",
        "gstRate": 5,
        "createdAt": at,
        "updatedAt": at,
    }


def insert_all(coll: Any, docs: list[dict[str, Any]]) -> None:
    """Raw ``insert_many`` of copies of ``docs``, a thousand a request."""
    for start in range(0, len(docs), 1000):
        coll.insert_many([dict(d) for d in docs[start : start + 1000]], ordered=False)


def replace_all(coll: Any, docs: list[dict[str, Any]], price: int) -> None:
    """The same documents saved again with another price: plain replaces by ``_id``, a
    thousand a request (what an edit costs the server at least)."""
    for start in range(0, len(docs), 1000):
        page = docs[start : start + 1000]
        coll.bulk_write(
            [ReplaceOne({"_id": d["_id"]}, {**d, "price": price}) for d in page], ordered=False
        )


@dataclass
class Step:
    """One measured step: its wall time, and the CPU time the server and this process used
    in it (where the server sets the pace, its CPU time is most of the wall time)."""

    seconds: float
    server_cpu: float
    own_cpu: float

    def costs(self) -> str:
        return f"server CPU {self.server_cpu:.2f} s, this PC {self.own_cpu:.2f} s"


def timed(server: MongoServer, step: Callable[[], Any]) -> tuple[Step, Any]:
    """Run ``step``; what it took, and what it returned."""
    server_start, own_start = server.cpu_seconds(), time.process_time()
    started = time.perf_counter()
    result = step()
    seconds = time.perf_counter() - started
    return Step(
        seconds, server.cpu_seconds() - server_start, time.process_time() - own_start
    ), result


def run(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, running_server(Path(tmp) / "remote") as server:
        a = Device(Path(tmp) / "a", "pc-a", "A1")
        a.register("9876500099")
        item = a.add_item("Tea 250g", 120, 10)
        remote = connect(server.url, "bench")
        engine = a.engine(remote)
        engine.sync_once()  # indexes, the shop, the item: not part of the measurement
        docs = [invoice_doc(a.client_id, i + 1, item) for i in range(count)]
        for start in range(0, count, 500):  # as bills are saved: one outbox record each
            with a.store.unit_of_work() as db:
                db.invoices.insert_many(docs[start : start + 500])

        raw_db = connect(server.url, "bench_raw")
        raw_db.ensure_indexes()  # the same indexes as the synced collection: a fair race
        raw = raw_db.collection("invoices")
        raw_step, _ = timed(server, lambda: insert_all(raw, docs))
        push_step, pushed = timed(server, engine.pusher.push)
        assert pushed.pushed == count and a.store.outbox_size() == 0, pushed

        b = Device(Path(tmp) / "b", "pc-b", "B1")
        b.client_id = a.client_id
        pull_step, pulled = timed(server, lambda: b.engine(remote).puller.pull(full=True))
        assert pulled.applied >= count, pulled

        # Master data edited here: field-level conditional writes of what changed.
        items = [item_doc(a.client_id, i) for i in range(count)]
        for start in range(0, count, 500):
            with a.store.unit_of_work() as db:
                db.items.insert_many([dict(d) for d in items[start : start + 500]])
        engine.pusher.push()  # the items reach the remote (not measured)
        raw_items = raw_db.collection("items")
        raw_items_step, _ = timed(server, lambda: insert_all(raw_items, items))
        raw_replace_step, _ = timed(server, lambda: replace_all(raw_items, items, price=135))
        for start in range(0, count, 500):
            with a.store.unit_of_work() as db:
                for doc in items[start : start + 500]:
                    db.items.update_one(
                        {"_id": doc["_id"]}, {"$set": {"price": 135, "updatedAt": now()}}
                    )  # as the catalogue saves it
        repush_step, repushed = timed(server, engine.pusher.push)
        assert repushed.pushed == count and a.store.outbox_size() == 0, repushed
        sample_item = remote.collection("items").find_one({"_id": items[0]["_id"]})
        assert sample_item["price"] == 135

        item_pull_step, pulled = timed(server, b.engine(remote).puller.pull)  # the same PC
        assert pulled.applied >= count, pulled

        print(f"documents: {count} invoices (3 lines each)")
        raw_seconds, raw_items_seconds = raw_step.seconds, raw_items_step.seconds
        rows: list[tuple[str, Step, str]] = [
            ("raw insert_many", raw_step, ""),
            ("sync push", push_step, f"ratio {raw_seconds / push_step.seconds:.2f}"),
            ("raw insert_many", raw_items_step, f"of {count} items"),
            (
                "push of edits",
                repush_step,
                f"ratio {raw_items_seconds / repush_step.seconds:.2f} (vs the items' "
                f"insert_many), {raw_replace_step.seconds / repush_step.seconds:.2f} (vs raw "
                f"replaces by _id, {raw_replace_step.seconds:.2f} s, server CPU "
                f"{raw_replace_step.server_cpu:.2f} s)",
            ),
            ("sync pull", pull_step, f"ratio {raw_seconds / pull_step.seconds:.2f}"),
            (
                "pull of items",
                item_pull_step,
                f"ratio {raw_items_seconds / item_pull_step.seconds:.2f} (vs the items' "
                "insert_many)",
            ),
        ]
        for label, step, ratio in rows:
            print(
                f"{label + ':':16s} {step.seconds:7.2f} s  ({count / step.seconds:8.0f} docs/s)"
                f"  {ratio}  [{step.costs()}]"
            )
        remote.close()
        a.close()
        b.close()


def run_kills(kills: int) -> None:
    from tests.integration import test_sync_faults

    test_sync_faults.KILLS = kills
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        test_sync_faults.test_server_killed_during_push_and_pull_loses_and_duplicates_nothing(
            Path(tmp)
        )
    print(
        f"{kills} server kills during push and pull: no loss, no duplicate, converged "
        f"({time.perf_counter() - started:.0f} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", "--count", type=int, default=10_000)
    parser.add_argument(
        "--kills",
        type=int,
        default=0,
        help="run the fault-injection scenario with this many server kills",
    )
    args = parser.parse_args()
    if args.kills:
        run_kills(args.kills)
    else:
        run(args.count)


if __name__ == "__main__":
    main()
