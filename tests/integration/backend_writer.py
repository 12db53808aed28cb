"""The spec's Express/Mongoose backend, played with plain pymongo against the test server.

Documents are shaped exactly by the spec's schema, with Mongoose's ``createdAt``/``updatedAt``
(set on every save) and ``__v``, and none of the PC's sync fields. A save reads the document,
changes it as the backend's route would and writes it back whole (Mongoose sends ``$set`` of
the changed paths; the test server stores a date given in ``$set`` as text, so the backend is
played with a replacement, which leaves the same document). Business rules as the spec's
routes apply them: a payment adds to ``paidAmount``, finalizes the invoice when it reaches the
total, and then writes the purchase history and the customer's ``lastPurchaseAt``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from pymongo import MongoClient
from pymongo.database import Database


def backend_now() -> datetime:
    """The backend server's clock, at MongoDB's millisecond precision."""
    now = datetime.now(UTC).replace(tzinfo=None)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


class Backend:
    def __init__(self, url: str, database: str):
        self.client: MongoClient[dict[str, Any]] = MongoClient(url, tz_aware=False)
        self.db: Database[dict[str, Any]] = self.client[database]

    def close(self) -> None:
        self.client.close()

    def _one(self, collection: str, doc_id: ObjectId) -> dict[str, Any]:
        doc = self.db[collection].find_one({"_id": doc_id})
        assert doc is not None, f"{collection} {doc_id} is not on the remote"
        return doc

    def _save(self, collection: str, doc: dict[str, Any], **changes: Any) -> dict[str, Any]:
        """A Mongoose ``doc.save()`` of ``changes``: ``updatedAt`` moves, ``__v`` stays."""
        saved = {**doc, **changes, "updatedAt": backend_now()}
        self.db[collection].replace_one({"_id": doc["_id"]}, saved)
        return saved

    def _create(self, collection: str, **fields: Any) -> dict[str, Any]:
        at = backend_now()
        doc = {"_id": ObjectId(), **fields, "createdAt": at, "updatedAt": at, "__v": 0}
        self.db[collection].insert_one(doc)
        return doc

    # ------------------------------------------------------------- routes
    def create_item(self, client_id: ObjectId, name: str, price: int, stock: int) -> ObjectId:
        return self._create(
            "items",
            clientId=client_id,
            groupId=None,
            name=name,
            price=price,
            dealerIds=[],
            stock=stock,
            lowStockQuantity=5,
            unit="nos",
            description="",
            isActive=True,
        )["_id"]

    def create_customer(self, client_id: ObjectId, phone: str, name: str) -> ObjectId:
        at = backend_now()
        return self._create(
            "clientCustomers",
            clientId=client_id,
            phoneNumber=phone,
            name=name,
            address="",
            emailId="",
            gstNo="",
            firstSeenAt=at,
            lastPurchaseAt=None,
        )["_id"]

    def edit(self, collection: str, doc_id: ObjectId, **changes: Any) -> dict[str, Any]:
        """PUT /<collection>/:id: the fields given, as the profile and catalogue routes do."""
        return self._save(collection, self._one(collection, doc_id), **changes)

    def save_profile(
        self, client_id: ObjectId, customer_fields: dict[str, bool], **profile: Any
    ) -> dict[str, Any]:
        """PUT /client/profile: ``clientSettings`` replaced by what the form holds (the spec
        knows ``customerFields`` only)."""
        shop = self._one("clients", client_id)
        return self._save(
            "clients", shop, clientSettings={"customerFields": customer_fields}, **profile
        )

    def pay(self, invoice_id: ObjectId, amount: int | float, method: str = "upi") -> ObjectId:
        """POST /invoices/pay: a payment, the invoice's ``paidAmount`` raised by it, and on
        finalization the purchase history and the customer's ``lastPurchaseAt``."""
        invoice = self._one("invoices", invoice_id)
        payment = self._create(
            "payments",
            clientId=invoice["clientId"],
            invoiceId=invoice_id,
            amount=amount,
            method=method,
            note="",
            paidAt=backend_now(),
        )
        paid = round(invoice["paidAmount"] + amount, 2)
        finalized = paid >= invoice["totalAmount"]
        was_final = bool(invoice.get("isFinalized"))
        self._save("invoices", invoice, paidAmount=paid, isFinalized=finalized)
        if finalized and not was_final and invoice.get("clientCustomerId") is not None:
            at = backend_now()
            self._create(
                "purchasehistories",
                clientId=invoice["clientId"],
                clientCustomerId=invoice["clientCustomerId"],
                clientCustomerPhone=invoice.get("clientCustomerPhone") or "",
                invoiceId=invoice_id,
                totalAmount=invoice["totalAmount"],
                purchasedAt=at,
            )
            self.edit("clientCustomers", invoice["clientCustomerId"], lastPurchaseAt=at)
        return payment["_id"]
