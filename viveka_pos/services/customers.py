"""The shop's customers (the spec's ``clientCustomers``), found by phone.

The public methods hand out :class:`Customer` views; ``document`` and ``document_by_phone``
give other services the stored document they build on (a cart's customer, a report's)."""

from __future__ import annotations

from typing import Any

from bson import ObjectId

from ..domain import validation as v
from ..domain.entities.customer import Customer, customer_from_stored
from ..domain.entities.shop import CustomerFields
from ..domain.errors import ValidationError
from ..domain.states import state_code_from_text, state_code_of_gstin
from ..store import DuplicateKeyError, new_id
from ..store.ledger import amount_paise
from ..store.values import key_to_id
from .context import ShopScope
from .convert import paise_of

#: the customer fields a shop may switch off (Settings → Customer fields)
OPTIONAL_FIELDS = frozenset({"address", "emailId", "gstNo"})


class CustomerService:
    def __init__(self, scope: ShopScope):
        self.scope = scope

    def enabled_fields(self) -> CustomerFields:
        """The optional details this shop collects, for the forms that ask for them."""
        return self.scope.shop_settings().customer_fields

    def _enabled(self) -> dict[str, bool]:
        """Stored field name -> whether the shop collects it."""
        fields = self.enabled_fields()
        return {"address": fields.address, "emailId": fields.email_id, "gstNo": fields.gst_no}

    def _clean(self, fields: dict[str, Any]) -> dict[str, Any]:
        enabled = self._enabled()
        clean: dict[str, Any] = {}
        for key, value in fields.items():
            if key in OPTIONAL_FIELDS and not enabled[key]:
                if value in (None, ""):
                    continue
                raise ValidationError(
                    key, "is not collected by this shop (turn it on in Settings → Customer fields)"
                )
            if key == "name":
                clean[key] = v.optional_name(value, "name", max_length=100)
            elif key == "address":
                clean[key] = v.optional_text(value, "address", max_length=500)
            elif key == "emailId":
                clean[key] = v.email(value, "emailId")
            elif key == "gstNo":
                clean[key] = v.gstin(value, "gstNo")
            elif key == "stateCode":
                clean[key] = "" if value in (None, "") else state_code_from_text(value)
            else:
                raise ValidationError(key, "is not a customer field")
        if clean.get("gstNo") and not clean.get("stateCode"):
            clean["stateCode"] = state_code_of_gstin(clean["gstNo"])
        return clean

    def create(
        self,
        phone: str,
        *,
        name: str = "",
        address: str = "",
        email: str = "",
        gst_no: str = "",
        state_code: str = "",
    ) -> Customer:
        phone_number = v.phone(phone, "phoneNumber")
        clean = self._clean(
            {
                "name": name,
                "address": address,
                "emailId": email,
                "gstNo": gst_no,
                "stateCode": state_code,
            }
        )
        now = self.scope.now()
        doc = {
            "_id": new_id(),
            "clientId": self.scope.client_id,
            "phoneNumber": phone_number,
            "name": clean.get("name", ""),
            "address": clean.get("address", ""),
            "emailId": clean.get("emailId", ""),
            "gstNo": clean.get("gstNo", ""),
            "stateCode": clean.get("stateCode", ""),
            "firstSeenAt": now,
            "lastPurchaseAt": None,
            "updatedAt": now,
        }
        try:
            with self.scope.store.unit_of_work() as db:
                db.clientCustomers.insert_one(doc)
        except DuplicateKeyError:
            raise ValidationError(
                "phoneNumber", f"a customer with phone {phone_number} already exists"
            ) from None
        return customer_from_stored(doc)

    def by_phone(self, phone: str) -> Customer | None:
        doc = self.document_by_phone(phone)
        return None if doc is None else customer_from_stored(doc)

    def get(self, customer_id: ObjectId | str) -> Customer:
        return customer_from_stored(self.document(customer_id))

    def document_by_phone(self, phone: str) -> dict[str, Any] | None:
        """The stored customer with this phone, for services that build on it."""
        return self.scope.db.clientCustomers.find_one(
            {
                "clientId": self.scope.client_id,
                "phoneNumber": v.phone(phone, "phoneNumber", check_plan=False),
            }
        )

    def document(self, customer_id: object) -> dict[str, Any]:
        """The stored customer, for services that build on it."""
        doc = self.scope.db.clientCustomers.find_one(
            {"_id": v.object_id(customer_id, "clientCustomerId"), "clientId": self.scope.client_id}
        )
        if doc is None:
            raise ValidationError("clientCustomerId", "no such customer")
        return doc

    def update(self, customer_id: ObjectId | str, **fields: str) -> Customer:
        if "phoneNumber" in fields or "phone" in fields:
            raise ValidationError(
                "phoneNumber", "is how the customer is found; add a new customer for a new number"
            )
        customer = self.document(customer_id)
        renamed = {"email": "emailId", "gst_no": "gstNo", "state_code": "stateCode"}
        clean = self._clean({renamed.get(k, k): val for k, val in fields.items()})
        clean["updatedAt"] = self.scope.now()
        with self.scope.store.unit_of_work() as db:
            db.clientCustomers.update_one({"_id": customer["_id"]}, {"$set": clean})
        return self.get(customer["_id"])

    def search(self, query: str, limit: int = 50) -> list[Customer]:
        """Customers whose phone contains the digits typed or whose name contains the text,
        by name: from the store's lookup index (a keystroke reads the rows it shows)."""
        text = str(query or "").strip().casefold()
        digits = "".join(ch for ch in text if ch.isdigit())
        keys = self.scope.store.customer_search.find(
            self.scope.client_id, digits=digits, text=text, limit=limit
        )
        ids = [key_to_id(key) for key in keys]
        found = {
            doc["_id"]: doc for doc in self.scope.db.clientCustomers.find({"_id": {"$in": ids}})
        }
        return [customer_from_stored(found[i]) for i in ids if i in found]

    def _invoice_documents(self, customer_id: ObjectId | str) -> list[dict[str, Any]]:
        customer = self.get(customer_id)
        return sorted(
            self.scope.db.invoices.find({"clientCustomerId": customer.id}),
            key=lambda d: d["generatedAt"],
            reverse=True,
        )

    def returns_by_invoice(
        self, customer_id: ObjectId | str
    ) -> tuple[dict[Any, int], dict[Any, int]]:
        """Per invoice id of the customer: what came back on credit notes (paise), and what
        was paid back for it or set against dues (which counts in ``paidAmount`` but is no
        money received), from the customer's credit notes."""
        returned: dict[Any, int] = {}
        paid_back: dict[Any, int] = {}
        for note in self.scope.db.creditnotes.find(
            {"clientCustomerId": customer_id, "clientId": self.scope.client_id}
        ):
            invoice_id = note.get("invoiceId")
            returned[invoice_id] = returned.get(invoice_id, 0) + amount_paise(
                note.get("totalAmount")
            )
            paid_back[invoice_id] = paid_back.get(invoice_id, 0) + amount_paise(
                note.get("refundAmount")
            )
            for share in note.get("adjustments") or []:
                if isinstance(share, dict):
                    target = share.get("invoiceId")
                    paid_back[target] = paid_back.get(target, 0) + amount_paise(share.get("amount"))
        return returned, paid_back

    def purchase_history(self, customer_id: ObjectId | str) -> list[dict[str, Any]]:
        customer = self.get(customer_id)
        return sorted(
            self.scope.db.purchasehistories.find({"clientCustomerId": customer.id}),
            key=lambda d: d["purchasedAt"],
            reverse=True,
        )

    def _pending_documents(self, customer_id: ObjectId | str) -> list[dict[str, Any]]:
        return sorted(
            (d for d in self._invoice_documents(customer_id) if not d.get("isFinalized")),
            key=lambda d: d["generatedAt"],
        )

    def dues_paise(self, customer_id: ObjectId | str) -> int:
        """Outstanding amount: the sum of unpaid balances of the customer's invoices."""
        return sum(
            paise_of(d.get("totalAmount")) - paise_of(d.get("paidAmount"))
            for d in self._pending_documents(customer_id)
        )
