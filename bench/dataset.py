"""Build a reproducible shop data set for benchmarks.

    .venv/bin/python bench/dataset.py --out /tmp/viveka-s5 [--scale S5]

Scales: S5 = 100k items, 20k customers, 200k invoices, 300k payments (the target size of a
busy distributor after a few years); S1 = a tenth of that, for quick runs. Documents have
the shapes the services write (docs/design/documents.md); totals are computed with the same
domain arithmetic. The same seed gives the same data.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from bson import ObjectId

from viveka_pos.domain.hashchain import GENESIS_HASH, invoice_hash
from viveka_pos.domain.numbering import financial_year, format_invoice_number
from viveka_pos.domain.tax import LineInput, compute_invoice
from viveka_pos.domain.validation import gstin_check_char
from viveka_pos.domain.words import amount_in_words
from viveka_pos.services.context import ServiceContext
from viveka_pos.services.shop import ShopService
from viveka_pos.store import open_store

SCALES = {
    "S5": {"items": 100_000, "customers": 20_000, "invoices": 200_000, "payments": 300_000},
    "S1": {"items": 10_000, "customers": 2_000, "invoices": 20_000, "payments": 30_000},
}
BRANDS = [
    "Bajaj",
    "Hero",
    "Honda",
    "TVS",
    "Yamaha",
    "Suzuki",
    "Royal Enfield",
    "KTM",
    "Mahindra",
    "Tata",
    "Maruti",
    "Hyundai",
    "Ashok Leyland",
    "Eicher",
    "Piaggio",
]
PARTS = [
    "brake pad set",
    "clutch plate",
    "spark plug",
    "air filter",
    "oil filter",
    "chain kit",
    "headlight bulb",
    "indicator lamp",
    "piston kit",
    "gasket set",
    "carburetor",
    "fuel pump",
    "horn",
    "battery",
    "tyre",
    "tube",
    "mirror",
    "cable",
    "bearing",
    "shock absorber",
    "disc rotor",
    "wiring harness",
    "relay",
    "fuse",
    "bolt kit",
]
MODELS = [
    "Pulsar 150",
    "Splendor",
    "Activa",
    "Apache",
    "FZ",
    "Access",
    "Classic 350",
    "Duke 200",
    "Bolero",
    "Ace",
    "Swift",
    "i20",
    "Dost",
    "Pro",
    "Ape",
]
RATES = [0, 5, 12, 18, 18, 28, 28]
UNITS = ["nos"] * 8 + ["pcs", "kg", "litre", "meter"]
METHODS = ["cash", "cash", "upi", "upi", "card", "bank"]


def _oid(rng: random.Random) -> ObjectId:
    return ObjectId(rng.randbytes(12))


def build(out: Path, scale: str, seed: int = 5) -> None:
    sizes = SCALES[scale]
    rng = random.Random(seed)
    store = open_store(out, sweep=False)
    started = time.perf_counter()
    ctx = ServiceContext(store, "pc-bench")
    shop = ShopService(ctx).register(
        phone="9876543210",
        owner_name="Bench Owner",
        business_name="Bench Distributors",
        state="Karnataka",
        gstin="29AAFPH4521M1Z" + gstin_check_char("29AAFPH4521M1Z"),
    )
    client_id = shop.id
    base = datetime(2024, 4, 1, 4, 30, tzinfo=UTC)

    items = []
    for i in range(sizes["items"]):
        unit = rng.choice(UNITS)
        items.append(
            {
                "_id": _oid(rng),
                "clientId": client_id,
                "groupId": None,
                "name": f"{rng.choice(PARTS).capitalize()} {rng.choice(BRANDS)} "
                f"{rng.choice(MODELS)} {i:05d}",
                "price": rng.randint(10, 5000),
                "dealerIds": [],
                "stock": rng.randint(0, 500),
                "lowStockQuantity": 5,
                "unit": unit,
                "description": "",
                "isActive": True,
                "code": f"89{i:08d}",
                "hsnCode": "87089900",
                "gstRate": rng.choice(RATES),
                "createdAt": base,
                "updatedAt": base,
            }
        )
    _insert(store, "items", items)
    customers = []
    for i in range(sizes["customers"]):
        customers.append(
            {
                "_id": _oid(rng),
                "clientId": client_id,
                "phoneNumber": f"9{i:09d}",
                "name": f"Customer {i:05d}",
                "address": "",
                "emailId": "",
                "gstNo": "",
                "stateCode": rng.choice(["29", "29", "29", "33", "32"]),
                "firstSeenAt": base,
                "lastPurchaseAt": None,
                "updatedAt": base,
            }
        )
    _insert(store, "clientCustomers", customers)

    invoices, payments, histories = [], [], []
    prev_hash = GENESIS_HASH
    sequence_in_year: dict[str, int] = {}
    per_payment = sizes["payments"] / sizes["invoices"]
    payment_budget = 0.0
    span = timedelta(days=730)
    for n in range(1, sizes["invoices"] + 1):
        when = base + span * (n / sizes["invoices"])
        day = (when + timedelta(hours=5, minutes=30)).date()
        customer = rng.choice(customers) if rng.random() < 0.8 else None
        lines = []
        for item in rng.sample(items, rng.randint(1, 6)):
            lines.append(
                LineInput(
                    item["_id"],
                    item["name"],
                    "",
                    item["unit"],
                    "87089900",
                    item["gstRate"],
                    Decimal(rng.randint(1, 5)),
                    item["price"] * 100,
                )
            )
        supply = "inter" if customer and customer["stateCode"] != "29" else "intra"
        totals = compute_invoice(lines, supply_type=supply)
        fy = financial_year(day)
        seq = sequence_in_year[fy] = sequence_in_year.get(fy, 0) + 1  # restarts each April
        invoice = {
            "_id": _oid(rng),
            "clientId": client_id,
            "clientCustomerId": customer["_id"] if customer else None,
            "clientCustomerName": customer["name"] if customer else "",
            "clientCustomerPhone": customer["phoneNumber"] if customer else "",
            "invoiceNumber": format_invoice_number("A", fy, seq),
            "invoiceDate": day.isoformat(),
            "dueDate": (day + timedelta(days=30)).isoformat(),
            "subtotal": totals.subtotal / 100,
            "totalTax": totals.total_tax / 100,
            "totalDiscount": 0,
            "totalAmount": totals.total_amount / 100,
            "paidAmount": 0,
            "isFinalized": False,
            "notes": "",
            "products": [
                {
                    "productId": line.item_id,
                    "itemName": line.name,
                    "itemGroup": "",
                    "itemCode": "",
                    "quantity": int(line.quantity),
                    "costPerUnit": line.unit_price / 100,
                    "unit": line.unit,
                    "hsnCode": line.hsn_code,
                    "gstRate": line.gst_rate,
                    "grossAmount": line.gross / 100,
                    "discount": 0,
                    "taxableValue": line.taxable / 100,
                    "cgst": line.cgst / 100,
                    "sgst": line.sgst / 100,
                    "igst": line.igst / 100,
                    "lineTotal": line.line_total / 100,
                }
                for line in totals.lines
            ],
            "generatedAt": when.replace(tzinfo=None),
            "deviceId": "pc-bench",
            "series": "A",
            "financialYear": fy,
            "sequence": seq,
            "supplyType": supply,
            "shopStateCode": "29",
            "placeOfSupply": customer["stateCode"] if customer else "29",
            "customerGstin": "",
            "customerAddress": "",
            "customerState": "",
            "billDiscount": 0,
            "pricesIncludeTax": False,
            "totalTaxable": totals.total_taxable / 100,
            "totalCgst": totals.total_cgst / 100,
            "totalSgst": totals.total_sgst / 100,
            "totalIgst": totals.total_igst / 100,
            "taxSummary": [
                {
                    "hsnCode": r.hsn_code,
                    "gstRate": r.gst_rate,
                    "taxableValue": r.taxable / 100,
                    "cgst": r.cgst / 100,
                    "sgst": r.sgst / 100,
                    "igst": r.igst / 100,
                }
                for r in totals.tax_summary
            ],
            "amountInWords": amount_in_words(totals.total_amount),
        }
        invoice["prevHash"] = prev_hash
        invoice["hash"] = prev_hash = invoice_hash(invoice, prev_hash)
        payment_budget += per_payment
        count = int(payment_budget)
        payment_budget -= count
        total = totals.total_amount
        # most bills are paid in full in `count` parts; the newest 3% stay partly unpaid
        unpaid_share = 2 if n > sizes["invoices"] * 0.97 and customer else 1
        paid = 0
        for part in range(count):
            amount = (
                total // unpaid_share // count
                if part < count - 1
                else (total // unpaid_share - paid)
            )
            if amount <= 0:
                continue
            paid += amount
            payments.append(
                {
                    "_id": _oid(rng),
                    "clientId": client_id,
                    "invoiceId": invoice["_id"],
                    "amount": amount / 100,
                    "method": rng.choice(METHODS),
                    "note": "",
                    "paidAt": (when + timedelta(days=part)).replace(tzinfo=None),
                    "deviceId": "pc-bench",
                }
            )
        invoice["paidAmount"] = paid / 100
        invoice["isFinalized"] = paid >= total
        if invoice["isFinalized"] and customer:
            histories.append(
                {
                    "_id": _oid(rng),
                    "clientId": client_id,
                    "clientCustomerId": customer["_id"],
                    "clientCustomerPhone": customer["phoneNumber"],
                    "invoiceId": invoice["_id"],
                    "totalAmount": invoice["totalAmount"],
                    "purchasedAt": invoice["generatedAt"],
                }
            )
        invoices.append(invoice)
        if len(invoices) >= 5000:
            _insert(store, "invoices", invoices)
            invoices = []
    _insert(store, "invoices", invoices)
    _insert(store, "payments", payments)
    _insert(store, "purchasehistories", histories)
    with store.unit_of_work(record_outbox=False) as db:
        db.counters.insert_one(
            {
                "_id": f"invoice:A:{financial_year(day)}",
                "next": sequence_in_year[financial_year(day)] + 1,
            }
        )
        db.counters.insert_one({"_id": "chain:A", "lastHash": prev_hash})
        db.outbox.delete_many({})  # as after a completed sync
    counts = store.counts()
    store.close()
    print(
        f"built {scale} in {out} in {time.perf_counter() - started:.0f} s: "
        f"{ {k: v for k, v in counts.items() if v} }"
    )


def _insert(store, collection: str, docs: list[dict]) -> None:
    for first in range(0, len(docs), 5000):
        with store.unit_of_work(record_outbox=False) as db:
            db[collection].insert_many(docs[first : first + 5000])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--scale", choices=sorted(SCALES), default="S5")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    if args.out.exists() and any(args.out.iterdir()):
        parser.error(f"{args.out} is not empty")
    build(args.out, args.scale, args.seed)


if __name__ == "__main__":
    main()
