"""Soak test: a shop billing for minutes while it is killed, its disk fills and backups are
put back; then every invariant is checked.

    .venv/bin/python bench/soak.py --minutes 10 [--seed 1] [--data-dir DIR]

The parent makes a shop, then again and again starts a child process that runs random
flows through the services (bills, payments, item edits, stock adjustments, backups) and
kills it with SIGKILL at a random moment. Inside the child, "disk full" is injected at
random (SQLite's ``max_page_count`` on the store's connection, lifted again after one
operation). Now and then the parent restores a backup the child announced. The child prints
``ack`` lines only after a change is committed, so the parent knows what the shop was told
was saved. After kills and restores, and at the end, the parent opens the store and checks:

* every acknowledged bill is present and unchanged (number, hash, total), except those a
  restore legitimately took away (made after that backup), which must be gone;
* every invoice hash chain verifies, and ``PRAGMA integrity_check`` is ok;
* each item's stock equals the sum of its stock movements;
* each invoice's ``paidAmount`` equals the sum of its payments (and never dropped below an
  acknowledged value), ``isFinalized`` agrees;
* no partial units: each invoice's sale movements match its lines, and every invoice,
  payment and movement has its sync outbox record;
* each item's price is the last acknowledged edit (or an edit in flight when killed);
* the tables the store derives from the documents (index rows, unique keys, report
  ledgers and their sums, search, the item list, the invoice chains) hold what a rebuild
  from the documents makes, and the full-text indexes match their rows
  (``tests/integration/derived_check.py``).

Prints figures at the end; exits non-zero if any invariant failed.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tests' helpers

from tests.integration.derived_check import derived_drift
from viveka_pos.domain.entities.item import Item, item_from_stored
from viveka_pos.domain.errors import ValidationError
from viveka_pos.services import backups
from viveka_pos.services.backups import AutoBackup
from viveka_pos.services.chains import chain_problems
from viveka_pos.services.context import ServiceContext
from viveka_pos.services.convert import paise_of, quantity_of
from viveka_pos.services.facade import ShopServices
from viveka_pos.services.shop import ShopService
from viveka_pos.store import Store, StoreWriteError, open_store

ITEMS = 30
CUSTOMERS = 10
UNLIMITED_PAGES = 1_073_741_823


# ------------------------------------------------------------------ the shop
def make_shop(data_dir: Path) -> None:
    store = open_store(data_dir)
    try:
        ctx = ServiceContext(store, "pc-soak")
        shop = ShopService(ctx).register(
            phone="9890011111",
            owner_name="Soak Owner",
            business_name="Soak Auto Spares",
            state="Karnataka",
            settings={"allowNegativeStock": True, "defaultGstRate": 18},
        )
        svc = ShopServices(ctx, shop.id)
        rng = random.Random(0)
        for n in range(ITEMS):
            unit = "kg" if n % 7 == 0 else "nos"
            svc.catalog.create_item(
                name=f"Part {n:03d}",
                code=f"I{n:03d}",
                unit=unit,
                price=f"{rng.randint(10, 5000)}.{rng.randint(0, 99):02d}",
                stock=1000,
                gst_rate=rng.choice([0, 5, 12, 18, 28]),
            )
        for n in range(CUSTOMERS):
            svc.customers.create(f"98{n:08d}", name=f"Customer {n}")
        svc.device.update(backupEveryBills=200)
    finally:
        store.close()


def shop_services(store: Store, device: str = "pc-soak") -> ShopServices:
    ctx = ServiceContext(store, device)
    return ShopServices(ctx, ShopService(ctx).local_shop().id)


# ------------------------------------------------------------------ the child
def _say(*parts: Any) -> None:
    print(" ".join(str(p) for p in parts), flush=True)


def _bill(
    svc: ShopServices,
    rng: random.Random,
    items: list[Item],
    customers: list[dict[str, Any]],
) -> None:
    customer = rng.choice(customers)["_id"] if rng.random() < 0.6 else None
    cart = svc.carts.create(customer=customer)
    try:
        for item in rng.sample(items, rng.randint(1, 5)):
            qty = (
                f"{rng.randint(1, 3)}.{rng.randint(0, 999):03d}"
                if item.unit == "kg"
                else rng.randint(1, 4)
            )
            svc.carts.add_item(cart.cart_id, item.id, qty)
        total = svc.carts.view(cart.cart_id).cart.total_amount
        # credit and part payments only for a customer: a walk-in pays the whole bill
        paid = (rng.choice([0, total, total // 2]) if customer is not None else total) / 100
        _say("try", "bill")
        invoice = svc.invoices.generate(cart.cart_id, paid_amount=paid)
    except BaseException:
        with contextlib.suppress(Exception):  # disk still full: the cart stays as scratch
            svc.carts.discard(cart.cart_id)
        raise
    _say(
        "ack",
        "bill",
        invoice.id,
        invoice.number,
        svc.invoices.document(invoice.id)["hash"],
        invoice.total_amount,
        invoice.paid_amount,
    )


def _pay(svc: ShopServices, rng: random.Random) -> None:
    unpaid = [d for d in svc.invoices.recent(40) if d.total_amount > d.paid_amount]
    if not unpaid:
        return
    invoice = rng.choice(unpaid)
    balance = invoice.total_amount - invoice.paid_amount
    amount = max(1, rng.randint(1, balance))
    _say("try", "pay", invoice.id)
    after = svc.payments.record(invoice.id, amount / 100, method=rng.choice(["cash", "upi"]))
    _say("ack", "pay", invoice.id, after.paid_amount)


def _edit(svc: ShopServices, rng: random.Random, items: list[Item]) -> None:
    item = rng.choice(items)
    price = rng.randint(100, 500000)
    _say("try", "edit", item.id, price)
    svc.catalog.update_item(item.id, price=price / 100)
    _say("ack", "edit", item.id, price)


def _stock(svc: ShopServices, rng: random.Random, items: list[Item]) -> None:
    item = rng.choice(items)
    _say("try", "stock", item.id)
    svc.catalog.adjust_stock(item.id, delta=rng.randint(1, 50), reason="purchase")
    _say("ack", "stock", item.id)


def worker(data_dir: Path, seed: int) -> None:
    """Run random flows until killed; print what was committed."""
    rng = random.Random(seed)
    store = open_store(data_dir)
    svc = shop_services(store)
    auto = AutoBackup(store)
    items = [item_from_stored(d) for d in store.iter_docs("items") if d.get("isActive", True)]
    customers = list(store.db.clientCustomers.find({}))
    conn = store.engine.connection
    _say("ready")
    while True:
        injected = rng.random() < 0.05
        if injected:
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {pages}")
        op = rng.choices(["bill", "pay", "edit", "stock", "backup"], [60, 20, 10, 9, 1])[0]
        try:
            if op == "bill":
                _bill(svc, rng, items, customers)
                auto.note_bill_saved()
            elif op == "pay":
                _pay(svc, rng)
            elif op == "edit":
                _edit(svc, rng, items)
            elif op == "stock":
                _stock(svc, rng, items)
            elif not injected:
                outcome = auto.run()
                if outcome.ok and outcome.entry is not None:
                    _say("backup", outcome.entry.folder)
            if injected:
                _say("inject", op, "fit")
        except StoreWriteError as exc:
            _say("fail", op, "injected" if injected else "unexpected", str(exc)[:60])
        except ValidationError as exc:
            _say("refused", op, exc.field)
        finally:
            if injected:
                conn.execute(f"PRAGMA max_page_count = {UNLIMITED_PAGES}")


# ------------------------------------------------------------------ the parent's ledger
@dataclass
class Ledger:
    """What the children were told was saved, in order."""

    events: list[tuple[str, ...]] = field(default_factory=list)
    backups: list[tuple[Path, int]] = field(default_factory=list)
    in_flight: tuple[str, ...] | None = None
    #: price edits a child was killed in the middle of: (events before it, item, price).
    #: Saved or not, both are right: the kill may fall after the commit, before the "ack".
    unconfirmed_edits: list[tuple[int, str, int]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, line: str) -> None:
        parts = tuple(line.split())
        if not parts:
            return
        with self.lock:
            kind = parts[0]
            if kind == "try":
                self.in_flight = parts[1:]
            elif kind == "ack" and len(parts) >= 3:
                self.events.append(parts[1:])
                self.in_flight = None
                self.counts[f"ack {parts[1]}"] += 1
            elif kind == "fail" and len(parts) >= 3:
                self.in_flight = None
                self.counts[f"failed writes ({parts[2]})"] += 1
            elif kind == "inject":
                self.counts["injected failures that still fit"] += 1
            elif kind == "backup" and len(parts) == 2:
                self.backups.append((Path(parts[1]), len(self.events)))
                self.counts["announced backups"] += 1
            elif kind == "refused":
                self.in_flight = None
                self.counts["refused by a rule"] += 1

    def killed(self) -> None:
        """The child was killed: keep an edit it was making as possibly saved."""
        with self.lock:
            if self.in_flight and self.in_flight[0] == "edit" and len(self.in_flight) >= 3:
                self.unconfirmed_edits.append(
                    (len(self.events), self.in_flight[1], int(self.in_flight[2]))
                )
            self.in_flight = None

    def cut(self, position: int) -> list[tuple[str, ...]]:
        """Forget everything after ``position`` (a restore took it away); returns it."""
        with self.lock:
            lost = self.events[position:]
            del self.events[position:]
            self.backups = [(f, p) for f, p in self.backups if p <= position]
            self.unconfirmed_edits = [e for e in self.unconfirmed_edits if e[0] <= position]
            self.in_flight = None
            return lost


def run_child(data_dir: Path, seed: int, ledger: Ledger, lifetime: float) -> bool:
    """Start a child, let it work ``lifetime`` seconds, SIGKILL it. True if it got going."""
    # Its own process group, so the kill takes its helpers too (a backup's chain check):
    # like a power cut, everything stops at once.
    proc = subprocess.Popen(
        [sys.executable, __file__, "--worker", str(data_dir), "--seed", str(seed)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    ready = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("ready"):
                ready.set()
            elif line.endswith("\n"):  # a line cut by the kill is not a message
                ledger.take(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    started = ready.wait(60)
    if started:
        time.sleep(lifetime)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    reader.join(10)
    ledger.killed()
    if not started:
        print(proc.stderr.read() if proc.stderr else "", file=sys.stderr)
    if proc.stderr is not None:
        proc.stderr.close()
    return started


# ------------------------------------------------------------------ invariants
@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)
    facts: int = 0
    rounds: int = 0

    def check(self, ok: bool, problem: str) -> None:
        self.facts += 1
        if not ok and len(self.problems) < 200:
            self.problems.append(problem)


def check_invariants(
    data_dir: Path, ledger: Ledger, lost: list[tuple[str, ...]], findings: Findings
) -> dict[str, int]:
    findings.rounds += 1
    store = open_store(data_dir)
    try:
        conn = sqlite3.connect(f"file:{store.db_path}?mode=ro", uri=True)
        try:
            integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            conn.close()
        findings.check(integrity == "ok", f"integrity_check: {integrity}")
        drift, derived_rows = derived_drift(store.db_path)
        for problem in drift:
            findings.check(False, f"derived tables: {problem}")
        findings.facts += derived_rows
        invoices = {str(d["_id"]): d for d in store.iter_docs("invoices")}
        for problem in chain_problems(invoices.values()):
            findings.check(False, f"chain: {problem}")
        findings.facts += len(invoices)

        with ledger.lock:
            events = list(ledger.events)
            in_flight = ledger.in_flight
            unconfirmed = list(ledger.unconfirmed_edits)
        paid_at_least: dict[str, int] = {}
        prices: dict[str, int] = {}
        edited_at: dict[str, int] = {}  # item -> position of its last acknowledged edit
        for position, event in enumerate(events):
            if event[0] == "bill":
                _, doc_id, number, digest, total, paid = event
                doc = invoices.get(doc_id)
                findings.check(doc is not None, f"acknowledged bill {number} is missing")
                if doc is not None:
                    findings.check(
                        (doc["invoiceNumber"], doc["hash"], paise_of(doc["totalAmount"]))
                        == (number, digest, int(total)),
                        f"bill {number} changed",
                    )
                    paid_at_least[doc_id] = max(paid_at_least.get(doc_id, 0), int(paid))
            elif event[0] == "pay":
                paid_at_least[event[1]] = max(paid_at_least.get(event[1], 0), int(event[2]))
            elif event[0] == "edit":
                prices[event[1]] = int(event[2])
                edited_at[event[1]] = position
        maybe_prices: dict[str, set[int]] = defaultdict(set)
        for position, item_id, price in unconfirmed:
            if position > edited_at.get(item_id, -1):  # not superseded by a later "ack"
                maybe_prices[item_id].add(price)
        for event in lost:
            if event[0] == "bill":
                findings.check(
                    event[1] not in invoices,
                    f"bill {event[2]} made after the restored backup is still there",
                )

        payments: dict[str, int] = defaultdict(int)
        for payment in store.iter_docs("payments"):
            payments[str(payment["invoiceId"])] += paise_of(payment["amount"])
            findings.check(
                str(payment["invoiceId"]) in invoices,
                f"payment {payment['_id']} for a missing invoice",
            )
        movements: dict[str, Decimal] = defaultdict(Decimal)
        sold: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for movement in store.iter_docs("stockmovements"):
            qty = quantity_of(movement["quantity"])
            movements[str(movement["itemId"])] += qty
            if movement.get("reason") == "sale":
                sold[(str(movement["refId"]), str(movement["itemId"]))] -= qty
        for doc_id, doc in invoices.items():
            paid = paise_of(doc["paidAmount"])
            findings.check(
                paid == payments.get(doc_id, 0),
                f"{doc['invoiceNumber']}: paidAmount {paid} != payments {payments.get(doc_id, 0)}",
            )
            findings.check(
                paid >= paid_at_least.get(doc_id, 0),
                f"{doc['invoiceNumber']}: paid fell below an acknowledged amount",
            )
            findings.check(
                bool(doc["isFinalized"]) == (paid >= paise_of(doc["totalAmount"])),
                f"{doc['invoiceNumber']}: isFinalized disagrees with payments",
            )
            lines: dict[str, Decimal] = defaultdict(Decimal)
            for product in doc["products"]:
                lines[str(product["productId"])] += quantity_of(product["quantity"])
            for item_id, qty in lines.items():
                findings.check(
                    sold.get((doc_id, item_id)) == qty,
                    f"{doc['invoiceNumber']}: stock movement for {item_id} missing "
                    "or different (a partial unit)",
                )
        for item in store.iter_docs("items"):
            key = str(item["_id"])
            findings.check(
                quantity_of(item["stock"]) == movements[key],
                f"item {item['code']}: stock {item['stock']} != movements {movements[key]}",
            )
            allowed = {prices[key]} if key in prices else None
            if in_flight and in_flight[0] == "edit" and in_flight[1] == key:
                allowed = (allowed or {paise_of(item["price"])}) | {int(in_flight[2])}
            if maybe_prices.get(key) and allowed is not None:
                allowed |= maybe_prices[key]
            if allowed is not None:
                findings.check(
                    paise_of(item["price"]) in allowed,
                    f"item {item['code']}: price {item['price']} not acknowledged",
                )
        recorded = {(r["collection"], str(r["docId"])) for r in store.outbox_batch(10**9)}
        for collection in ("invoices", "payments", "stockmovements"):
            for doc in store.iter_docs(collection):
                findings.check(
                    (collection, str(doc["_id"])) in recorded,
                    f"{collection} {doc['_id']} has no outbox record",
                )
        return {
            "invoices": len(invoices),
            "payments": store.count("payments"),
            "stockmovements": store.count("stockmovements"),
        }
    finally:
        store.close()


# ------------------------------------------------------------------ the run
def restore_newest(data_dir: Path, ledger: Ledger) -> list[tuple[str, ...]] | None:
    """Restore the newest announced backup still on disk; returns the events it undid."""
    with ledger.lock:
        choices = [(f, p) for f, p in ledger.backups if (f / "manifest.json").is_file()]
    if not choices:
        return None
    folder, position = choices[-1]
    store = open_store(data_dir)
    try:
        backups.restore(store, folder)
    finally:
        store.close()
    return ledger.cut(position)


def soak(
    data_dir: Path,
    minutes: float,
    seed: int,
    *,
    max_life: float = 4.0,
    restore_every: int = 6,
    check_every: int = 3,
) -> int:
    rng = random.Random(seed)
    make_shop(data_dir)
    ledger = Ledger()
    findings = Findings()
    figures: dict[str, int] = defaultdict(int)
    lost_total: list[tuple[str, ...]] = []
    started = time.monotonic()
    deadline = started + minutes * 60
    cycle = 0
    sizes: dict[str, int] = {}
    while time.monotonic() < deadline:
        cycle += 1
        lifetime = rng.uniform(0.2, max_life)
        if run_child(data_dir, rng.randrange(1 << 30), ledger, lifetime):
            figures["SIGKILLs"] += 1
        else:
            findings.check(False, f"child {cycle} did not start")
        if cycle % restore_every == 0:
            lost = restore_newest(data_dir, ledger)
            if lost is not None:
                figures["restores"] += 1
                lost_total += lost
                sizes = check_invariants(data_dir, ledger, lost, findings)
        elif cycle % check_every == 0:
            sizes = check_invariants(data_dir, ledger, [], findings)
    sizes = check_invariants(data_dir, ledger, lost_total, findings)
    elapsed = time.monotonic() - started

    acked = sum(1 for e in ledger.events if e[0] == "bill")
    print(f"soak: {elapsed / 60:.1f} min, seed {seed}, data in {data_dir}")
    print(
        f"  child processes: {cycle}, SIGKILLs: {figures['SIGKILLs']}, "
        f"restores: {figures['restores']}"
    )
    print(
        f"  bills acknowledged: {ledger.counts['ack bill']} "
        f"(still expected after restores: {acked}; taken away by restores: "
        f"{sum(1 for e in lost_total if e[0] == 'bill')})"
    )
    print(
        f"  invoices in the store at the end: {sizes.get('invoices', 0)}, payments: "
        f"{sizes.get('payments', 0)}, stock movements: {sizes.get('stockmovements', 0)}"
    )
    for name in sorted(ledger.counts):
        if not name.startswith("ack bill"):
            print(f"  {name}: {ledger.counts[name]}")
    print(
        f"  invariant checks: {findings.rounds} rounds, {findings.facts} facts checked, "
        f"{len(findings.problems)} problem(s)"
    )
    for problem in findings.problems[:30]:
        print(f"  PROBLEM: {problem}")
    unexpected = ledger.counts.get("failed writes (unexpected)", 0)
    return 1 if findings.problems or unexpected else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="where to make the shop (default: a new temporary folder)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--max-life",
        type=float,
        default=4.0,
        help="longest a child lives before its SIGKILL, seconds",
    )
    parser.add_argument(
        "--restore-every",
        type=int,
        default=6,
        help="restore the newest announced backup every N child runs",
    )
    parser.add_argument(
        "--check-every",
        type=int,
        default=3,
        help="check every invariant every N child runs (and at the end)",
    )
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        worker(args.worker, args.seed)
        return 0
    options = {
        "max_life": args.max_life,
        "restore_every": args.restore_every,
        "check_every": args.check_every,
    }
    if args.data_dir is not None:
        if args.data_dir.exists() and any(args.data_dir.iterdir()):
            parser.error(f"{args.data_dir} is not empty")
        return soak(args.data_dir, args.minutes, args.seed, **options)
    base = Path(tempfile.mkdtemp(prefix="viveka-soak-"))
    try:
        return soak(base / "data", args.minutes, args.seed, **options)
    finally:
        if args.keep:
            print(f"  kept {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
