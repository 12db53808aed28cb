"""Typed views of customers, dealers, dealer orders and dealer payments, built from stored
documents: as this program writes them, with optional fields missing, and as the spec's
own backend writes them (Mongoose's ``__v``/``createdAt``/``updatedAt``, none of our sync
fields)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from decimal import Decimal

import pytest
from bson import ObjectId

from viveka_pos.domain.entities.customer import Customer, customer_from_stored
from viveka_pos.domain.entities.dealer import (
    Dealer,
    DealerPayment,
    dealer_from_stored,
    dealer_payment_from_stored,
)
from viveka_pos.domain.entities.dealer_order import (
    DealerOrder,
    DealerOrderLine,
    dealer_order_from_stored,
    dealer_order_line_from_stored,
)

SHOP = ObjectId("507f1f77bcf86cd799439011")
WHEN = datetime(2025, 1, 12, 10, 0)
LATER = datetime(2025, 1, 12, 10, 5)


# ----------------------------------------------------------------- customers


def test_customer_as_this_program_stores_it() -> None:
    doc = {
        "_id": ObjectId("607f1f77bcf86cd799439030"),
        "clientId": SHOP,
        "phoneNumber": "9891112222",
        "name": "Bob Smith",
        "address": "123 Customer Lane, City",
        "emailId": "bob@example.com",
        "gstNo": "29ABCDE1234F1Z5",
        "stateCode": "29",
        "firstSeenAt": WHEN,
        "lastPurchaseAt": LATER,
        "updatedAt": LATER,
        "_sync": {"v": 3},
    }
    assert customer_from_stored(doc) == Customer(
        id=doc["_id"],
        phone_number="9891112222",
        name="Bob Smith",
        address="123 Customer Lane, City",
        email="bob@example.com",
        gst_no="29ABCDE1234F1Z5",
        state_code="29",
        first_seen_at=WHEN,
        last_purchase_at=LATER,
    )


def test_customer_with_only_the_required_fields() -> None:
    doc = {"_id": ObjectId(), "clientId": SHOP, "phoneNumber": "9891112222"}
    customer = customer_from_stored(doc)
    assert (customer.name, customer.address, customer.email, customer.gst_no) == ("",) * 4
    assert customer.state_code == ""
    assert (customer.first_seen_at, customer.last_purchase_at) == (None, None)


def test_customer_written_by_the_backend() -> None:
    doc = {
        "_id": ObjectId(),
        "clientId": SHOP,
        "phoneNumber": "9444455555",
        "name": "Kumar",
        "address": None,
        "emailId": "",
        "gstNo": "",
        "firstSeenAt": WHEN,
        "lastPurchaseAt": None,
        "createdAt": WHEN,
        "updatedAt": LATER,
        "__v": 0,
    }
    customer = customer_from_stored(doc)
    assert (customer.name, customer.address, customer.state_code) == ("Kumar", "", "")
    assert (customer.first_seen_at, customer.last_purchase_at) == (WHEN, None)


def test_views_cannot_be_edited_in_place() -> None:
    customer = customer_from_stored({"_id": ObjectId(), "phoneNumber": "9891112222"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        customer.name = "Someone else"  # type: ignore[misc]
    with pytest.raises((AttributeError, TypeError)):
        customer.extra = 1  # type: ignore[attr-defined]


# ------------------------------------------------------------------- dealers


def test_dealer_as_stored_and_bare() -> None:
    doc = {
        "_id": ObjectId(),
        "clientId": SHOP,
        "name": "Sharma Auto Parts",
        "contactPerson": "Ravi Sharma",
        "phoneNumber": "9845012345",
        "email": "orders@sharma.in",
        "address": "12 MG Road",
        "logoUrl": "https://x.in/l.png",
        "isActive": False,
        "createdAt": WHEN,
        "updatedAt": LATER,
    }
    assert dealer_from_stored(doc) == Dealer(
        id=doc["_id"],
        name="Sharma Auto Parts",
        contact_person="Ravi Sharma",
        phone_number="9845012345",
        email="orders@sharma.in",
        address="12 MG Road",
        logo_url="https://x.in/l.png",
        is_active=False,
    )
    bare = dealer_from_stored({"_id": ObjectId(), "clientId": SHOP, "name": "Kumar Traders"})
    assert (bare.contact_person, bare.phone_number, bare.email, bare.address) == ("",) * 4
    assert bare.logo_url == "" and bare.is_active is True  # the spec's default


def test_dealer_written_by_the_backend() -> None:
    doc = {
        "_id": ObjectId(),
        "clientId": SHOP,
        "name": "Deccan Tyres",
        "contactPerson": "",
        "phoneNumber": "",
        "email": "",
        "address": "",
        "logoUrl": "",
        "isActive": True,
        "createdAt": WHEN,
        "updatedAt": WHEN,
        "__v": 0,
    }
    dealer = dealer_from_stored(doc)
    assert (dealer.name, dealer.is_active) == ("Deccan Tyres", True)


# ------------------------------------------------------------ dealer orders


def test_order_as_this_program_stores_it() -> None:
    dealer_id = ObjectId()
    doc = {
        "_id": ObjectId(),
        "clientId": SHOP,
        "dealerId": dealer_id,
        "orderNumber": "PO-A/2526/0007",
        "status": "delivered",
        "isUrgent": True,
        "deliveryInstructions": "Back gate",
        "notes": "Monthly",
        "pdfUrl": "",
        "totalAmount": 12500.5,
        "dueDate": "2025-07-15",
        "deliveredAt": LATER,
        "cancelledAt": None,
        "deliveryAudit": {"receivedBy": "Ravi"},
        "createdAt": WHEN,
        "updatedAt": LATER,
        "deviceId": "pc-1",
        "series": "A",
        "financialYear": "2526",
        "sequence": 7,
    }
    assert dealer_order_from_stored(doc) == DealerOrder(
        id=doc["_id"],
        dealer_id=dealer_id,
        order_number="PO-A/2526/0007",
        status="delivered",
        is_urgent=True,
        delivery_instructions="Back gate",
        notes="Monthly",
        total_amount=1250050,
        due_date="2025-07-15",
        created_at=WHEN,
        delivered_at=LATER,
        cancelled_at=None,
    )


def test_order_with_optional_fields_missing_is_pending_and_unbilled() -> None:
    doc = {"_id": ObjectId(), "dealerId": ObjectId(), "orderNumber": "PO-A/2526/0001"}
    order = dealer_order_from_stored(doc)
    assert (order.status, order.is_pending, order.is_cancelled) == ("pending", True, False)
    assert (order.is_urgent, order.delivery_instructions, order.notes) == (False, "", "")
    assert order.total_amount is None  # no bill yet, which is not a bill of zero
    assert order.due_date == ""
    assert (order.created_at, order.delivered_at, order.cancelled_at) == (None, None, None)
    assert dealer_order_from_stored({**doc, "totalAmount": 0}).total_amount == 0


def test_order_written_by_the_backend() -> None:
    doc = {
        "_id": ObjectId(),
        "clientId": SHOP,
        "dealerId": ObjectId(),
        "orderNumber": "ORD-1001",
        "status": "cancelled",
        "isUrgent": False,
        "deliveryInstructions": "",
        "notes": "",
        "pdfUrl": "",
        "totalAmount": 1800,
        "dueDate": datetime(2025, 8, 1),  # Mongoose stores a Date
        "deliveredAt": None,
        "cancelledAt": LATER,
        "createdAt": WHEN,
        "updatedAt": LATER,
        "__v": 0,
    }
    order = dealer_order_from_stored(doc)
    assert (order.status, order.is_cancelled, order.total_amount) == ("cancelled", True, 180000)
    assert (order.due_date, order.cancelled_at, order.created_at) == ("2025-08-01", LATER, WHEN)


def test_order_lines() -> None:
    order_id, item_id = ObjectId(), ObjectId()
    doc = {
        "_id": ObjectId(),
        "clientId": SHOP,
        "orderId": order_id,
        "itemId": item_id,
        "itemNameSnapshot": "Copper Wire",
        "quantity": 12.125,
        "createdAt": WHEN,
    }
    assert dealer_order_line_from_stored(doc) == DealerOrderLine(
        id=doc["_id"],
        order_id=order_id,
        item_id=item_id,
        item_name="Copper Wire",
        quantity=Decimal("12.125"),
    )
    backend = {**doc, "quantity": 10, "__v": 0, "updatedAt": LATER}
    del backend["clientId"]
    assert dealer_order_line_from_stored(backend).quantity == Decimal(10)


# ---------------------------------------------------------- dealer payments


def test_payment_as_stored_bare_and_from_the_backend() -> None:
    dealer_id, order_id = ObjectId(), ObjectId()
    doc = {
        "_id": ObjectId(),
        "clientId": SHOP,
        "dealerId": dealer_id,
        "orderId": order_id,
        "amount": 3500.5,
        "method": "upi",
        "note": "part",
        "proofUrl": "C:/proofs/utr.png",
        "paidAt": WHEN,
        "updatedAt": WHEN,
        "deviceId": "pc-1",
    }
    assert dealer_payment_from_stored(doc) == DealerPayment(
        id=doc["_id"],
        dealer_id=dealer_id,
        order_id=order_id,
        amount=350050,
        method="upi",
        note="part",
        proof_url="C:/proofs/utr.png",
        paid_at=WHEN,
    )
    bare = dealer_payment_from_stored({"_id": ObjectId(), "dealerId": dealer_id, "amount": 500})
    assert (bare.order_id, bare.amount, bare.method, bare.note, bare.proof_url) == (
        None,
        50000,
        "cash",  # the spec's default
        "",
        "",
    )
    assert bare.paid_at is None
    backend = {
        "_id": ObjectId(),
        "clientId": SHOP,
        "dealerId": dealer_id,
        "orderId": None,
        "amount": 1200,
        "method": "bank",
        "note": "",
        "proofUrl": "",
        "paidAt": LATER,
        "createdAt": LATER,
        "updatedAt": LATER,
        "__v": 0,
    }
    payment = dealer_payment_from_stored(backend)
    assert (payment.amount, payment.method, payment.paid_at) == (120000, "bank", LATER)
