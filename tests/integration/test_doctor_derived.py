"""``doctor`` compares every item's stock with its movements and every bill's balance with
its payments; ``doctor --rebuild`` puts the ones that disagree right, through the outbox.

A wrong cached value is what an interrupted pull used to leave behind for good (a stock
that no later pull re-derived): here it is made directly in the store, as such data is.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from bson import ObjectId

from tests.fixtures.safety_shop import CUSTOMER_PHONE, make_shop, sell
from tests.integration.test_doctor import cli
from viveka_pos.domain.stored import paise_of, quantity_of
from viveka_pos.services.backups import AutoBackup
from viveka_pos.services.consistency import disagreements
from viveka_pos.store import Store, open_store
from viveka_pos.sync.stamps import outbox_writer


def movements_sum(store: Store, item_id: Any) -> Decimal:
    return sum(
        (quantity_of(m["quantity"]) for m in store.db.stockmovements.find({"itemId": item_id})),
        Decimal(0),
    )


def payments_sum(store: Store, invoice_id: Any) -> int:
    return sum(paise_of(p["amount"]) for p in store.db.payments.find({"invoiceId": invoice_id}))


def make_damaged_shop(data_dir: Path) -> dict[str, Any]:
    """A shop with three bills (one on credit, one part paid, one cancelled), then a wrong
    stock on one item and a wrong balance on the credit bill; returns their ids."""
    with open_store(data_dir) as store:
        svc = make_shop(store)
        credit = sell(svc, {"CARB": 1}, customer=CUSTOMER_PHONE)
        part = sell(svc, {"PLUG": 3}, customer=CUSTOMER_PHONE, paid=100)
        cancelled = sell(svc, {"OIL": 1}, customer=CUSTOMER_PHONE)
        svc.returns.cancel(cancelled["_id"], reason="wrong customer")
        plug = store.db.items.find_one({"code": "PLUG"})
        assert plug is not None
        assert disagreements(store) == []  # every write of the services keeps them level
        with store.unit_of_work():  # all pushed
            outbox_writer(store).forget(list(store.iter_docs("outbox")))
        with store.unit_of_work(record_outbox=False) as db:  # as a pull writes
            db.items.update_one({"_id": plug["_id"]}, {"$set": {"stock": 1000}})
            db.invoices.update_one({"_id": credit["_id"]}, {"$set": {"paidAmount": 500}})
        assert AutoBackup(store).run().ok  # (so that this is the only problem doctor finds)
        return {
            "plug": plug["_id"],
            "credit": credit["_id"],
            "credit_number": credit["invoiceNumber"],
            "part": part["_id"],
            "cancelled": cancelled["_id"],
        }


def test_doctor_names_each_stock_and_balance_that_disagrees(data_dir: Path) -> None:
    ids = make_damaged_shop(data_dir)

    done = cli(data_dir, "doctor", "--json")
    assert done.returncode == 1, done.stdout + done.stderr
    report = json.loads(done.stdout)
    checks = {check["name"]: check for check in report["checks"]}
    derived = checks["derived"]
    assert not derived["ok"] and derived["title"] == "Stock and balances"
    assert derived["value"] == [
        "item Spark plug: stock 1000, its movements add up to 997",
        "invoice " + ids["credit_number"] + ": paid ₹500.00 (open), its payments make ₹0.00 (open)",
    ]
    assert "1 item stock(s) and 1 bill balance(s)" in derived["detail"]
    assert "viveka-pos doctor --rebuild" in derived["detail"]
    # the other checks are not held up by it
    assert checks["chain"]["ok"] and checks["integrity"]["ok"]

    text = cli(data_dir, "doctor")
    assert text.returncode == 1
    assert "FAIL  Stock and balances" in text.stdout and "Spark plug" in text.stdout

    # a check only reads: nothing changed
    with open_store(data_dir) as store:
        assert quantity_of(store.get("items", ids["plug"])["stock"]) == 1000  # type: ignore[index]
        assert store.outbox_size() == 0


def test_rebuild_sets_them_again_and_sync_takes_the_new_values(data_dir: Path) -> None:
    ids = make_damaged_shop(data_dir)

    done = cli(data_dir, "doctor", "--rebuild")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Re-derive" in done.stdout and "2 stock(s) and balance(s) set again" in done.stdout
    assert "ok    Stock and balances" in done.stdout

    with open_store(data_dir) as store:
        plug = store.get("items", ids["plug"])
        credit = store.get("invoices", ids["credit"])
        assert plug is not None and credit is not None
        assert quantity_of(plug["stock"]) == movements_sum(store, ids["plug"]) == 997
        assert paise_of(credit["paidAmount"]) == payments_sum(store, ids["credit"]) == 0
        assert credit["isFinalized"] is False
        # the part-paid and the cancelled bill were right, and are left as they were
        part = store.get("invoices", ids["part"])
        cancelled = store.get("invoices", ids["cancelled"])
        assert part is not None and paise_of(part["paidAmount"]) == 10000
        assert cancelled is not None and cancelled["isFinalized"] is True
        # the new values wait in the outbox like any edit, so the remote gets them too
        waiting = {(r["collection"], r["docId"]) for r in store.iter_docs("outbox")}
        assert ("items", ids["plug"]) in waiting and ("invoices", ids["credit"]) in waiting
        assert store.outbox_size() == 2
        assert disagreements(store) == []

    again = cli(data_dir, "doctor", "--rebuild", "--json")
    assert again.returncode == 0, again.stdout + again.stderr
    assert json.loads(again.stdout)["rederived"] == 0


def test_an_item_without_movement_history_and_a_number_stored_as_text_are_no_problem(
    data_dir: Path,
) -> None:
    with open_store(data_dir) as store:
        svc = make_shop(store)
        bill = sell(svc, {"CARB": 1}, customer=CUSTOMER_PHONE, paid=100)
        carb = store.db.items.find_one({"code": "CARB"})
        assert carb is not None
        with store.unit_of_work() as db:
            # written by another tool: a stock with no movements behind it yet
            db.items.insert_one({**carb, "_id": ObjectId(), "code": "OTHER", "stock": 7})
            # a movement naming an item by an id of another kind (another tool's)
            db.stockmovements.insert_one(
                {"_id": ObjectId(), "itemId": "item-7", "quantity": 1, "reason": "adjustment"}
            )
            # the same amount, kept as text by an older version: not a wrong balance
            db.invoices.update_one({"_id": bill["_id"]}, {"$set": {"paidAmount": "100"}})
        assert disagreements(store) == []


def test_a_value_that_is_no_number_is_named_and_left_as_it_is(data_dir: Path) -> None:
    """Written by another tool: a movement's quantity and a payment's amount as words.
    Nothing can be derived from them: doctor names them, and --rebuild changes nothing
    of those documents (and still finishes)."""
    ids = make_damaged_shop(data_dir)
    with open_store(data_dir) as store:
        with store.unit_of_work(record_outbox=False) as db:
            db.stockmovements.update_one(
                {"itemId": ids["plug"], "reason": "sale"}, {"$set": {"quantity": "three"}}
            )
            db.payments.update_one({"invoiceId": ids["part"]}, {"$set": {"amount": "hundred"}})
        movement = store.db.stockmovements.find_one({"quantity": "three"})
        payment = store.db.payments.find_one({"amount": "hundred"})
        assert movement is not None and payment is not None

    done = cli(data_dir, "doctor", "--json")
    assert done.returncode == 1, done.stdout + done.stderr
    derived = {c["name"]: c for c in json.loads(done.stdout)["checks"]}["derived"]
    assert (
        f"item Spark plug: the quantity of movement {movement['_id']} is not a number"
        in (derived["detail"])
    )
    assert f"the amount of payment {payment['_id']} is not a number" in derived["detail"]
    assert "doctor --rebuild" in derived["detail"]  # the credit bill can still be put right

    rebuilt = cli(data_dir, "doctor", "--rebuild")
    assert rebuilt.returncode == 1, rebuilt.stdout + rebuilt.stderr
    assert "1 stock(s) and balance(s) set again" in rebuilt.stdout
    assert "2 left to correct by hand" in rebuilt.stdout
    assert "Traceback" not in rebuilt.stderr
    with open_store(data_dir) as store:
        plug = store.get("items", ids["plug"])
        part = store.get("invoices", ids["part"])
        credit = store.get("invoices", ids["credit"])
        assert plug is not None and quantity_of(plug["stock"]) == 1000  # left as it was
        assert part is not None and paise_of(part["paidAmount"]) == 10000
        assert credit is not None and paise_of(credit["paidAmount"]) == 0  # put right
