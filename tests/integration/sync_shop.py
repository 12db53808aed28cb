"""Shop documents for sync tests, written through the store in units of work shaped like
docs/design/documents.md (the billing services are used where they exist: stock movements,
payments)."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from bson import ObjectId

from viveka_pos.domain.hashchain import GENESIS_HASH, invoice_hash, verify_chain
from viveka_pos.domain.numbering import format_invoice_number
from viveka_pos.gateways.remote import RemoteDatabase, connect
from viveka_pos.services.context import ServiceContext, ShopScope, store_time
from viveka_pos.services.convert import paise_of, quantity_of, rupees
from viveka_pos.services.payments import apply_payments
from viveka_pos.services.shop import ShopService
from viveka_pos.services.stock import opening_movement_id, record_movement
from viveka_pos.services.sync_rules import SHOP_RULES
from viveka_pos.store import Store, open_store
from viveka_pos.sync.engine import SyncEngine, SyncReport

FY = "2526"


def now() -> datetime:
    return store_time(datetime.now(UTC))


@dataclass
class Ledger:
    """What the devices did, independently of sync: the truth the result must match."""

    initial_stock: dict[ObjectId, int] = field(default_factory=dict)
    sold: Counter[ObjectId] = field(default_factory=Counter)
    totals: dict[ObjectId, int] = field(default_factory=dict)
    paid: Counter[ObjectId] = field(default_factory=Counter)
    phones: set[str] = field(default_factory=set)


@dataclass
class Device:
    """One PC of a shop: its own data directory, store, device id and invoice series."""

    data_dir: Path
    device_id: str
    series: str
    store: Store = field(init=False)
    client_id: ObjectId | None = None
    next_seq: int = 1
    last_hash: str = GENESIS_HASH
    ledger: Ledger = field(default_factory=Ledger)

    def __post_init__(self) -> None:
        self.store = open_store(self.data_dir)

    @property
    def ctx(self) -> ServiceContext:
        return ServiceContext(self.store, self.device_id)

    @property
    def scope(self) -> ShopScope:
        assert self.client_id is not None
        return ShopScope(self.ctx, self.client_id)

    def register(self, phone: str, name: str = "Test Shop") -> ObjectId:
        shop = ShopService(self.ctx).register(
            phone=phone, owner_name="Owner Name", business_name=name
        )
        self.client_id = shop.id
        return self.client_id

    def log_in(self) -> Any:
        """Log this PC in to its shop (demo OTP, checked here), as the CLI and app need."""
        from viveka_pos.services.auth import AuthService
        from viveka_pos.services.otp import MOCK_OTP, OtpService

        auth = AuthService(
            self.ctx, OtpService(self.ctx, environ={"VIVEKA_OTP_MODE": "mock"}, bcrypt_rounds=4)
        )
        shop = self.store.get("clients", self.client_id)
        assert shop is not None
        auth.start_login(shop["phoneNumber"])
        return auth.login(shop["phoneNumber"], MOCK_OTP)

    def engine(self, remote: RemoteDatabase, **options: Any) -> SyncEngine:
        assert self.client_id is not None
        return SyncEngine(
            self.store, remote, self.client_id, self.device_id, rules=SHOP_RULES, **options
        )

    def sync(self, url: str, database: str, **options: Any) -> Any:
        remote = connect(url, database, timeout_ms=2000)
        try:
            return self.engine(remote, **options).sync_once()
        finally:
            remote.close()

    def close(self) -> None:
        self.store.close()

    # ------------------------------------------------------------ documents
    def add_item(self, name: str, price: int, stock: int, code: str = "") -> ObjectId:
        item_id = ObjectId()
        at = now()
        with self.store.unit_of_work() as db:
            db.items.insert_one(
                {
                    "_id": item_id,
                    "clientId": self.client_id,
                    "groupId": None,
                    "name": name,
                    "price": price,
                    "dealerIds": [],
                    "stock": stock,
                    "lowStockQuantity": 5,
                    "unit": "nos",
                    "description": "",
                    "isActive": True,
                    "code": code,
                    "hsnCode": "",
                    "gstRate": 0,
                    "createdAt": at,
                    "updatedAt": at,
                }
            )
            db.stockmovements.insert_one(
                {
                    "_id": opening_movement_id(item_id),
                    "clientId": self.client_id,
                    "itemId": item_id,
                    "quantity": stock,
                    "reason": "opening",
                    "refCollection": "",
                    "refId": None,
                    "note": "",
                    "createdAt": at,
                    "deviceId": self.device_id,
                }
            )
        self.ledger.initial_stock[item_id] = stock
        return item_id

    def add_customer(self, phone: str, name: str = "", **extra: Any) -> ObjectId:
        customer_id = ObjectId()
        at = now()
        with self.store.unit_of_work() as db:
            db.clientCustomers.insert_one(
                {
                    "_id": customer_id,
                    "clientId": self.client_id,
                    "phoneNumber": phone,
                    "name": name,
                    "address": "",
                    "emailId": "",
                    "gstNo": "",
                    "stateCode": "",
                    "firstSeenAt": at,
                    "lastPurchaseAt": None,
                    "updatedAt": at,
                    **extra,
                }
            )
        self.ledger.phones.add(phone)
        return customer_id

    def customer_by_phone(self, phone: str) -> dict[str, Any] | None:
        return self.store.db.clientCustomers.find_one({"phoneNumber": phone})

    def sell(
        self,
        item_id: ObjectId,
        qty: int,
        *,
        paid: int | None = None,
        customer_id: ObjectId | None = None,
    ) -> dict[str, Any]:
        """One bill: invoice, stock movement and item stock, payment, purchase history."""
        item = self.store.get("items", item_id)
        assert item is not None
        total = item["price"] * qty * 100  # paise
        paid_paise = total if paid is None else paid
        customer = self.store.get("clientCustomers", customer_id) if customer_id else None
        seq = self.next_seq
        number = format_invoice_number(self.series, FY, seq)
        at = now()
        invoice = {
            "_id": ObjectId(),
            "clientId": self.client_id,
            "clientCustomerId": customer_id,
            "clientCustomerName": (customer or {}).get("name", ""),
            "clientCustomerPhone": (customer or {}).get("phoneNumber", ""),
            "invoiceNumber": number,
            "invoiceDate": "2025-06-01",
            "dueDate": "2025-07-01",
            "subtotal": rupees(total),
            "totalTax": 0,
            "totalDiscount": 0,
            "totalAmount": rupees(total),
            "paidAmount": 0,
            "isFinalized": False,
            "notes": "",
            "products": [
                {
                    "productId": item_id,
                    "itemName": item["name"],
                    "itemGroup": "",
                    "quantity": qty,
                    "costPerUnit": item["price"],
                    "unit": "nos",
                    "hsnCode": "",
                    "gstRate": 0,
                    "grossAmount": rupees(total),
                    "discount": 0,
                    "taxableValue": rupees(total),
                    "cgst": 0,
                    "sgst": 0,
                    "igst": 0,
                    "lineTotal": rupees(total),
                }
            ],
            "generatedAt": at,
            "deviceId": self.device_id,
            "series": self.series,
            "financialYear": FY,
            "sequence": seq,
            "supplyType": "intra",
        }
        invoice["prevHash"] = self.last_hash
        invoice["hash"] = invoice_hash(invoice, self.last_hash)
        with self.store.unit_of_work() as db:
            db.invoices.insert_one(invoice)
            fresh = db.items.find_one({"_id": item_id})
            record_movement(
                self.scope,
                fresh,
                Decimal(-qty),
                "sale",
                ref_collection="invoices",
                ref_id=invoice["_id"],
                allow_negative=True,
            )
            if paid_paise:
                self._payment(db, invoice, paid_paise, at)
            apply_payments(db, invoice, at)
        self.next_seq += 1
        self.last_hash = invoice["hash"]
        self.ledger.sold[item_id] += qty
        self.ledger.totals[invoice["_id"]] = total
        self.ledger.paid[invoice["_id"]] += paid_paise
        return invoice

    def pay(self, invoice_id: ObjectId, paise: int) -> None:
        at = now()
        with self.store.unit_of_work() as db:
            invoice = db.invoices.find_one({"_id": invoice_id})
            self._payment(db, invoice, paise, at)
            apply_payments(db, invoice, at)
        self.ledger.paid[invoice_id] += paise

    def _payment(self, db: Any, invoice: dict[str, Any], paise: int, at: datetime) -> None:
        db.payments.insert_one(
            {
                "_id": ObjectId(),
                "clientId": self.client_id,
                "invoiceId": invoice["_id"],
                "amount": rupees(paise),
                "method": "cash",
                "note": "",
                "paidAt": at,
                "deviceId": self.device_id,
            }
        )


def shop_snapshot(store: Store, client_id: ObjectId) -> dict[str, dict[Any, dict[str, Any]]]:
    """Every synced document of a shop, by collection and id (for convergence checks)."""
    from viveka_pos.store.schema import SYNCED

    snapshot: dict[str, dict[Any, dict[str, Any]]] = {}
    for name in sorted(SYNCED):
        docs = {}
        for doc in store.iter_docs(name):
            owner = doc["_id"] if name == "clients" else doc.get("clientId")
            if owner == client_id:
                docs[doc["_id"]] = dict(doc)
        snapshot[name] = docs
    return snapshot


def remote_snapshot(
    remote: RemoteDatabase, client_id: ObjectId, strip: bool = True
) -> dict[str, dict[Any, dict[str, Any]]]:
    from viveka_pos.store.schema import SYNCED
    from viveka_pos.sync.stamps import SYNC_FIELDS

    snapshot: dict[str, dict[Any, dict[str, Any]]] = {}
    for name in sorted(SYNCED):
        query: dict[str, Any] = (
            {"_id": client_id} if name == "clients" else {"clientId": {"$in": [client_id]}}
        )
        docs = {}
        for doc in remote.collection(name).find(query):
            docs[doc["_id"]] = (
                {k: v for k, v in doc.items() if k not in SYNC_FIELDS} if strip else doc
            )
        snapshot[name] = docs
    return snapshot


# ------------------------------------------------------------------ offline work
PHONES = [f"90000000{i:02d}" for i in range(8)]


def offline_work(dev: Device, rng: random.Random, steps: int) -> None:
    """A random mix of what a counter does while offline."""
    items = [d["_id"] for d in dev.store.iter_docs("items")]
    for _ in range(steps):
        roll = rng.random()
        if roll < 0.5 and items:
            customer = None
            if rng.random() < 0.6:
                phone = rng.choice(PHONES)
                found = dev.customer_by_phone(phone)
                customer = (
                    found["_id"]
                    if found
                    else dev.add_customer(phone, rng.choice(["", "Asha", "Ravi"]))
                )
            item = dev.store.get("items", rng.choice(items))
            assert item is not None
            qty = rng.randint(1, 3)
            total = item["price"] * qty * 100
            paid = rng.choice([total, 0, total // 2])
            dev.sell(item["_id"], qty, paid=paid, customer_id=customer)
        elif roll < 0.75:
            open_bills = [
                d
                for d in dev.store.iter_docs("invoices")
                if paise_of(d["paidAmount"]) < paise_of(d["totalAmount"])
            ]
            if open_bills:
                bill = rng.choice(open_bills)
                balance = paise_of(bill["totalAmount"]) - paise_of(bill["paidAmount"])
                dev.pay(bill["_id"], rng.choice([balance, max(1, balance // 3)]))
        elif roll < 0.88:
            phone = rng.choice(PHONES)
            found = dev.customer_by_phone(phone)
            if found is None:
                dev.add_customer(phone, rng.choice(["Meena", "", "Kiran"]), address="Street 1")
            else:
                with dev.store.unit_of_work() as db:
                    db.clientCustomers.update_one(
                        {"_id": found["_id"]},
                        {
                            "$set": {
                                "name": rng.choice(["Meena K", "Kiran", "Asha R"]),
                                "updatedAt": now(),
                            }
                        },
                    )
        elif items:
            with dev.store.unit_of_work() as db:
                db.items.update_one(
                    {"_id": rng.choice(items)},
                    {"$set": {"price": rng.choice([100, 120, 150]), "updatedAt": now()}},
                )


def settle(devices: list[Device], syncs: dict[str, Any], rounds: int = 6) -> None:
    """Sync every device in turn until a whole round moves nothing."""
    for _ in range(rounds):
        moved = 0
        for dev in devices:
            report: SyncReport = syncs[dev.device_id]()
            moved += report.pushed + report.pull.applied + report.pull.deleted + report.pull.merged
        if moved == 0:
            return
    raise AssertionError("sync did not settle")


def check_converged(devices: list[Device], remote: RemoteDatabase, ledger: Ledger) -> None:
    """Every device and the remote hold the same shop, and it matches what was done."""
    client_id = devices[0].client_id
    assert client_id is not None
    expected = remote_snapshot(remote, client_id)
    for dev in devices:
        local = shop_snapshot(dev.store, client_id)
        for name in expected:
            assert local[name] == expected[name], f"{dev.device_id} differs in {name}"
        assert dev.store.outbox_size() == 0
        assert dev.store.count("deadletters") == 0
    invoices = expected["invoices"]
    assert set(invoices) == set(ledger.totals)
    numbers = [d["invoiceNumber"] for d in invoices.values()]
    assert len(numbers) == len(set(numbers))
    for invoice_id, doc in invoices.items():
        assert paise_of(doc["paidAmount"]) == ledger.paid[invoice_id]
        assert doc["isFinalized"] == (ledger.paid[invoice_id] >= ledger.totals[invoice_id])
        paid = sum(
            paise_of(p["amount"])
            for p in expected["payments"].values()
            if p["invoiceId"] == invoice_id
        )
        assert paid == ledger.paid[invoice_id]
    for item_id, initial in ledger.initial_stock.items():
        doc = expected["items"][item_id]
        assert quantity_of(doc["stock"]) == initial - ledger.sold[item_id]
    customers = expected["clientCustomers"]
    phones = [c["phoneNumber"] for c in customers.values()]
    assert sorted(phones) == sorted(set(phones)) == sorted(ledger.phones)
    for doc in invoices.values():
        if doc["clientCustomerId"] is not None:
            assert customers[doc["clientCustomerId"]]["phoneNumber"] == doc["clientCustomerPhone"]
    for history in expected["purchasehistories"].values():
        assert history["clientCustomerId"] in customers
    series = sorted({d["series"] for d in invoices.values()})
    for name in series:
        chain = sorted(
            (d for d in invoices.values() if d["series"] == name), key=lambda d: d["sequence"]
        )
        assert verify_chain(chain) == []
