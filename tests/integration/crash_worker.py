"""Child process for the crash test: runs units of work forever, printing each commit.

Each unit n writes an invoice, three payments and two stock movements (pages of inserts
among them), and bumps a counter, all in one unit of work. After ``commit`` returns it
prints ``ack n``: from then on unit n must survive anything, including SIGKILL a
microsecond later.
"""

from __future__ import annotations

import sys

from viveka_pos.store import open_store


def main() -> None:
    store = open_store(sys.argv[1], sweep=False)
    db = store.db
    counter = db.counters.find_one({"_id": "crash"})
    if counter is None:
        db.counters.insert_one({"_id": "crash", "units": 0})
        counter = {"units": 0}
    n = counter["units"]
    print("ready", flush=True)
    while True:
        n += 1
        with store.unit_of_work():
            invoice = db.invoices.insert_one(
                {"unit": n, "invoiceNumber": f"C/{n}", "lines": list(range(20))}
            )
            for part in range(2):
                db.payments.insert_one({"unit": n, "part": part, "invoiceId": invoice.inserted_id})
            # a page of inserts (one statement per table) inside the unit, as a bill's lines
            db.payments.insert_many([{"unit": n, "part": 2, "invoiceId": invoice.inserted_id}])
            db.stockmovements.insert_many(
                [{"unit": n, "quantity": -1}, {"unit": n, "quantity": 0, "note": "page"}]
            )
            db.counters.update_one({"_id": "crash"}, {"$inc": {"units": 1}})
        print(f"ack {n}", flush=True)


if __name__ == "__main__":
    main()
