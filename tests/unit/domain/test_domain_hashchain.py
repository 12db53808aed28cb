"""Tamper-evidence chain over invoices."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from bson import Decimal128, Int64, ObjectId
from hypothesis import given
from hypothesis import strategies as st

from viveka_pos.domain.hashchain import (
    GENESIS_HASH,
    canonical,
    invoice_hash,
    verify_chain,
)
from viveka_pos.domain.numbering import format_invoice_number

CLIENT = ObjectId("507f1f77bcf86cd799439011")


def invoice(seq: int, fy: str = "2526", total: int | float = 5900) -> dict:
    return {
        "_id": ObjectId(),
        "clientId": CLIENT,
        "invoiceNumber": format_invoice_number("A1", fy, seq),
        "series": "A1",
        "financialYear": fy,
        "sequence": seq,
        "invoiceDate": "2025-06-01",
        "totalAmount": total,
        "paidAmount": 0,
        "isFinalized": False,
        "products": [{"itemName": "Carburetor", "quantity": 2, "costPerUnit": 2500}],
        "generatedAt": datetime(2025, 6, 1, 4, 30, 15, 123456, tzinfo=UTC),
    }


def chain(docs: list[dict]) -> list[dict]:
    prev = GENESIS_HASH
    for doc in docs:
        doc["prevHash"] = prev
        doc["hash"] = invoice_hash(doc, prev)
        prev = doc["hash"]
    return docs


def test_hash_is_sha256_hex_and_depends_on_prev_hash() -> None:
    doc = invoice(1)
    first = invoice_hash(doc, GENESIS_HASH)
    assert len(first) == 64 and int(first, 16) >= 0
    assert invoice_hash(doc, GENESIS_HASH) == first
    assert invoice_hash(doc, "a" * 64) != first


def test_payment_fields_ids_and_sync_metadata_do_not_change_the_hash() -> None:
    doc = invoice(1)
    before = invoice_hash(doc, GENESIS_HASH)
    changed = dict(doc, paidAmount=5900, isFinalized=True, hash="x", prevHash="y")
    changed["_id"] = ObjectId()
    changed["_syncedAt"] = datetime.now(UTC)
    assert invoice_hash(changed, GENESIS_HASH) == before


def test_any_content_change_changes_the_hash() -> None:
    doc = invoice(1)
    before = invoice_hash(doc, GENESIS_HASH)
    edited = copy.deepcopy(doc)
    edited["products"][0]["quantity"] = 3
    assert invoice_hash(edited, GENESIS_HASH) != before
    assert invoice_hash(dict(doc, totalAmount=5899.99), GENESIS_HASH) != before
    assert invoice_hash(dict(doc, notes=""), GENESIS_HASH) != before


def test_stable_across_a_trip_through_mongodb() -> None:
    doc = invoice(1, total=5900)
    before = invoice_hash(doc, GENESIS_HASH)
    # What pymongo hands back: naive UTC datetime cut to milliseconds, a float or Decimal128
    # where an int was written, keys in another order.
    back = {key: doc[key] for key in reversed(list(doc))}
    back["generatedAt"] = datetime(2025, 6, 1, 4, 30, 15, 123000)
    back["totalAmount"] = 5900.0
    back["products"] = [
        {"costPerUnit": Decimal128("2500.00"), "quantity": 2.0, "itemName": "Carburetor"}
    ]
    assert invoice_hash(back, GENESIS_HASH) == before
    ist = timezone(timedelta(hours=5, minutes=30))
    back["generatedAt"] = datetime(2025, 6, 1, 10, 0, 15, 123999, tzinfo=ist)
    assert invoice_hash(back, GENESIS_HASH) == before


def test_canonical_forms() -> None:
    assert canonical(Decimal("59.50")) == canonical(59.5) == {"$num": "59.5"}
    assert canonical(Decimal("-0.00")) == {"$num": "0"}
    assert canonical(Decimal("1E+3")) == canonical(1000) == {"$num": "1000"}
    assert canonical(True) is True
    assert canonical(None) is None
    assert canonical("1000") == "1000"
    assert canonical(float("nan")) == {"$num": "NaN"}
    assert canonical(date(2025, 6, 1)) == {"$day": "2025-06-01"}
    assert canonical(b"\x01\xff") == {"$bytes": "01ff"}
    assert canonical((1, "a")) == [{"$num": "1"}, "a"]
    with pytest.raises(TypeError):
        canonical({1: "x"})
    with pytest.raises(TypeError):
        canonical(object())


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_a_float_is_spelled_as_the_decimal_it_shows(value: float) -> None:
    """Floats take a shortcut past Decimal; it must spell every float the same way."""
    decimal_form = canonical(Decimal(repr(value)))
    assert canonical(value) == decimal_form
    assert canonical({"amount": value}) == {"amount": decimal_form}
    assert canonical([value]) == [decimal_form]


def test_subclasses_are_spelled_like_their_base_types() -> None:
    class Text(str):
        pass

    assert canonical(Int64(7)) == canonical(7) == {"$num": "7"}
    assert canonical({"a": Text("x"), "b": [Int64(2)]}) == {"a": "x", "b": [{"$num": "2"}]}


def test_intact_chain_has_no_problems() -> None:
    docs = chain([invoice(1), invoice(2), invoice(3)])
    assert verify_chain(docs) == []
    assert verify_chain([]) == []


def test_chain_runs_on_into_the_next_financial_year() -> None:
    docs = chain([invoice(1, "2425"), invoice(2, "2425"), invoice(1, "2526")])
    assert verify_chain(docs) == []


def test_paying_an_invoice_keeps_the_chain_intact() -> None:
    docs = chain([invoice(1), invoice(2)])
    docs[0]["paidAmount"] = 5900
    docs[0]["isFinalized"] = True
    assert verify_chain(docs) == []


def test_edited_invoice_is_reported() -> None:
    docs = chain([invoice(1), invoice(2), invoice(3)])
    docs[1]["totalAmount"] = 100
    assert verify_chain(docs) == ["invoice A1/2526/00002 was changed after it was made"]


def test_edited_and_rehashed_invoice_breaks_the_next_link() -> None:
    docs = chain([invoice(1), invoice(2), invoice(3)])
    docs[1]["totalAmount"] = 100
    docs[1]["hash"] = invoice_hash(docs[1], docs[1]["prevHash"])
    assert verify_chain(docs) == ["invoice A1/2526/00003 is not linked to the invoice before it"]


def test_removed_invoice_is_a_gap_and_a_broken_link() -> None:
    docs = chain([invoice(1), invoice(2), invoice(3), invoice(4), invoice(5)])
    del docs[1:3]
    assert verify_chain(docs) == [
        "invoice A1/2526/00004 is not linked to the invoice before it",
        "invoices A1/2526/00002 to A1/2526/00003 are missing (2 invoices)",
    ]


def test_missing_first_invoice_of_a_year() -> None:
    docs = chain([invoice(2), invoice(3)])
    assert verify_chain(docs) == ["invoice A1/2526/00001 is missing"]


def test_repeated_sequence_and_missing_hash() -> None:
    docs = chain([invoice(1), invoice(2)])
    extra = invoice(2)
    extra["prevHash"] = docs[1]["hash"]
    docs.append(extra)
    assert verify_chain(docs) == [
        "invoice A1/2526/00002 has no hash",
        "invoice A1/2526/00002 repeats or goes back in the sequence",
    ]


def test_positions_come_from_the_number_when_fields_are_absent() -> None:
    docs = [invoice(1), invoice(3)]
    for doc in docs:
        del doc["series"], doc["financialYear"], doc["sequence"]
    chain(docs)
    assert verify_chain(docs) == ["invoice A1/2526/00002 is missing"]
    docs[1]["invoiceNumber"] = "INV-1704967200000"
    chain(docs)
    assert verify_chain(docs) == [
        "invoice INV-1704967200000 has no series, financial year and sequence number"
    ]


def test_other_series_and_earlier_year_are_reported() -> None:
    other = invoice(2)
    other["series"] = "B1"
    docs = chain([invoice(1), other, invoice(1, "2425")])
    assert verify_chain(docs) == [
        "invoice A1/2526/00002 belongs to series B1, not A1",
        "invoice A1/2425/00001 goes back to an earlier financial year",
    ]
