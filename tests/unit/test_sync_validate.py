"""What a refused pulled document is told: the generic rules (keys, types, sizes) and the
collection's schema are checked in one walk, and the message is the first break of the
generic rules anywhere in the document, else the first of the schema's in its order
(required fields, then fields in the document's order, into subdocuments and lists)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from bson import ObjectId

from viveka_pos.sync.validate import MAX_DEPTH, MAX_TEXT, problem_of


def item(**fields: Any) -> dict[str, Any]:
    return {"_id": ObjectId(), "clientId": ObjectId(), "name": "Tea", "price": 120, **fields}


def line(**fields: Any) -> dict[str, Any]:
    return {"itemName": "Tea", "quantity": 2, "costPerUnit": 120, "cgst": 6, **fields}


def invoice(*lines: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "_id": ObjectId(),
        "clientId": ObjectId(),
        "invoiceNumber": "A1/2526/00001",
        "totalAmount": 252,
        "paidAmount": 0,
        "products": list(lines or (line(),)),
        **fields,
    }


def deep(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = {"a": value}
    return value


CASES = [
    ("items", item(), ""),
    ("items", item(price="abc"), "price: must be a number of rupees (got str)"),
    # a break of the generic rules anywhere wins over an earlier break of the schema
    (
        "items",
        item(price="abc", notes={"$where": 1}),
        "notes: field name '$where' is not allowed",
    ),
    ("items", item(price="abc", extra=[1, float("nan")]), "extra: must be a finite number"),
    # required fields come before the fields' own rules
    ("items", {**item(price="abc"), "name": None}, "name: is required"),
    (
        "items",
        item(dealerIds=[ObjectId(), "x"]),
        "dealerIds: entry 1: must be an ObjectId (got str)",
    ),
    (
        "items",
        item(dealerIds=["x" * (MAX_TEXT + 1)]),
        "dealerIds: text longer than 20000 characters",
    ),
    ("items", item(dealerIds={}), "dealerIds: must be a list (got dict)"),
    ("items", item(price=[1]), "price: must be a number of rupees (got list)"),
    ("items", item(x=deep(MAX_DEPTH)), "x.a.a.a.a.a.a.a: nested more than 8 levels"),
    ("items", item(x=b"raw"), "x: values of type bytes are not accepted"),
    (
        "invoices",
        invoice(line(), line(quantity=0)),
        "products: entry 1: quantity: must be more than 0",
    ),
    (
        "invoices",
        invoice({k: v for k, v in line().items() if k != "itemName"}),
        "products: entry 0: itemName: is required",
    ),
    (
        "invoices",
        invoice(line(quantity=0), line(cgst=float("inf"))),
        "products[1].cgst: must be a finite number",
    ),
    ("invoices", invoice(line(), "tea"), "products: entry 1: must be an object (got str)"),
    (
        "clients",
        {
            "_id": ObjectId(),
            "phoneNumber": "9876543210",
            "ownerName": "Owner",
            "businessName": "Shop",
            "clientSettings": [],
        },
        "clientSettings: must be an object (got list)",
    ),
    (
        "clients",
        {
            "_id": ObjectId(),
            "phoneNumber": "9876543210",
            "ownerName": "Owner",
            "businessName": "Shop",
            "clientSettings": {"customerFields": {"address": 2}},
        },
        "clientSettings: customerFields: address: must be true or false (got int)",
    ),
    ("items", item(_id=1.5), "_id: must be an ObjectId or text of 1-200 characters (got float)"),
    (
        "dealerorders",
        {
            "_id": ObjectId(),
            "clientId": ObjectId(),
            "dealerId": ObjectId(),
            "orderNumber": "D1",
            "totalAmount": None,
            "deliveryAudit": "x",
        },
        "deliveryAudit: must be an object (got str)",
    ),
    ("nonsuch", {"_id": 1}, "nonsuch is not a collection this program syncs"),
    ("nonsuch", {"_id": 1, "a.b": 1}, "field name 'a.b' is not allowed"),
    ("items", ["not", "a", "document"], "not a document (got list)"),
]


@pytest.mark.parametrize(("collection", "doc", "message"), CASES)
def test_the_message_names_the_first_field_and_rule_broken(
    collection: str, doc: Any, message: str
) -> None:
    assert problem_of(collection, doc) == message


def test_dates_as_text_and_flags_as_numbers_are_read_as_what_they_mean() -> None:
    doc = {
        "_id": ObjectId(),
        "phoneNumber": "9876543210",
        "ownerName": "Owner",
        "businessName": "Shop",
        "isActive": 0,
        "lastLoginAt": "2026-01-02T03:04:05.678Z",
        "clientSettings": {"customerFields": {"address": 1, "gstNo": 0}},
    }
    assert problem_of("clients", doc) == ""
    assert doc["isActive"] is False
    assert doc["lastLoginAt"] == datetime(2026, 1, 2, 3, 4, 5, 678000)
    assert doc["clientSettings"] == {"customerFields": {"address": True, "gstNo": False}}
