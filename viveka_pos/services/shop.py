"""The shop (the spec's *client*): registration, profile and settings."""

from __future__ import annotations

import copy
from typing import Any

from bson import ObjectId

from ..domain import validation as v
from ..domain.entities.shop import CustomerFields, Shop, ShopSettings, shop_from_stored
from ..domain.errors import ValidationError
from ..domain.states import state_by_name, state_code_from_text, state_code_of_gstin
from ..store import DuplicateKeyError, new_id
from .context import ServiceContext
from .convert import stored_rate

PAPER_SIZES = ("a4", "80mm", "58mm")
DEFAULT_TERMS = (
    "Goods once sold will be exchanged only with the bill. Subject to local jurisdiction."
)


def default_settings() -> dict[str, Any]:
    return {
        "customerFields": {"address": False, "gstNo": False, "emailId": False},
        "stateCode": "",
        "defaultGstRate": 0,
        "pricesIncludeTax": False,
        "paperSize": "a4",
        "termsText": DEFAULT_TERMS,
        "upiId": "",
        "logoPath": "",
        "timeZone": "Asia/Kolkata",
        "allowNegativeStock": False,
    }


_PYTHON_NAMES = {
    "owner_name": "ownerName",
    "business_name": "businessName",
    "shop_name": "shopName",
    "profile_url": "profileUrl",
}


def _clean_profile(fields: dict[str, Any]) -> dict[str, Any]:
    """Validate profile fields, given by spec name (shopName) or Python name (shop_name)."""
    clean: dict[str, Any] = {}
    for raw_key, value in fields.items():
        key = _PYTHON_NAMES.get(raw_key, raw_key)
        if key == "ownerName":
            clean[key] = v.name(value, "ownerName")
        elif key == "businessName":
            clean[key] = v.name(value, "businessName", max_length=200)
        elif key == "shopName":
            clean[key] = v.optional_name(value, "shopName", max_length=200)
        elif key == "location":
            clean[key] = v.optional_text(value, "location", max_length=500)
        elif key in ("city", "state"):
            clean[key] = v.optional_text(value, key, max_length=100)
        elif key == "gstin":
            clean[key] = v.gstin(value, "gstin")
        elif key == "profileUrl":
            clean[key] = v.optional_text(value, "profileUrl", max_length=500)
        else:
            raise ValidationError(key, "is not a shop profile field")
    return clean


#: settings by their Python names (as :class:`ShopSettings` spells them) -> stored names
_SETTING_NAMES = {
    "customer_fields": "customerFields",
    "state_code": "stateCode",
    "default_gst_rate": "defaultGstRate",
    "prices_include_tax": "pricesIncludeTax",
    "paper_size": "paperSize",
    "terms_text": "termsText",
    "upi_id": "upiId",
    "logo_path": "logoPath",
    "time_zone": "timeZone",
    "allow_negative_stock": "allowNegativeStock",
}


def _stored_customer_fields(fields: CustomerFields) -> dict[str, bool]:
    return {"address": fields.address, "gstNo": fields.gst_no, "emailId": fields.email_id}


def _clean_settings(values: dict[str, Any]) -> dict[str, Any]:
    """Validate settings, given by stored name (upiId) or Python name (upi_id)."""
    clean: dict[str, Any] = {}
    for raw_key, value in values.items():
        key = _SETTING_NAMES.get(raw_key, raw_key)
        if key == "customerFields":
            if isinstance(value, CustomerFields):
                value = _stored_customer_fields(value)
            if not isinstance(value, dict) or set(value) - {"address", "gstNo", "emailId"}:
                raise ValidationError("customerFields", "must set only address, gstNo, emailId")
            clean[key] = {k: bool(value.get(k, False)) for k in ("address", "gstNo", "emailId")}
        elif key == "stateCode":
            clean[key] = "" if value in ("", None) else state_code_from_text(value)
        elif key == "defaultGstRate":
            clean[key] = stored_rate(v.gst_rate(value, "defaultGstRate"))
        elif key in ("pricesIncludeTax", "allowNegativeStock"):
            if not isinstance(value, bool):
                raise ValidationError(key, "must be true or false")
            clean[key] = value
        elif key == "paperSize":
            if value not in PAPER_SIZES:
                raise ValidationError("paperSize", f"must be one of {', '.join(PAPER_SIZES)}")
            clean[key] = value
        elif key == "termsText":
            clean[key] = v.optional_text(value, "termsText", max_length=1000)
        elif key == "upiId":
            text = v.optional_text(value, "upiId", max_length=100)
            if text and ("@" not in text or " " in text):
                raise ValidationError("upiId", "must look like name@bank")
            clean[key] = text
        elif key in ("logoPath", "timeZone"):
            clean[key] = v.optional_text(value, key, max_length=500)
        else:
            raise ValidationError(key, "is not a shop setting")
    return clean


def _derive_state_code(profile: dict[str, Any], settings: dict[str, Any]) -> None:
    """Fill the GST state code from the GSTIN or the state name when not given."""
    if settings.get("stateCode"):
        return
    if profile.get("gstin"):
        settings["stateCode"] = state_code_of_gstin(profile["gstin"])
    elif profile.get("state"):
        state = state_by_name(profile["state"])
        if state is not None:
            settings["stateCode"] = state.code


class ShopService:
    """Shops on this PC. Public methods hand out :class:`Shop` views; :meth:`document`,
    :meth:`local_document` and :meth:`document_for_print` give services (and printing) the
    stored document itself.

    Bound to a shop (``client_id``, as :class:`ShopServices` binds it), :meth:`current` and
    :meth:`settings` read that shop without naming it.
    """

    def __init__(self, ctx: ServiceContext, client_id: ObjectId | None = None):
        self.ctx = ctx
        self._client_id = client_id

    def _bound_id(self) -> ObjectId:
        if self._client_id is None:
            raise ValueError("this ShopService is not bound to a shop")
        return self._client_id

    def current(self) -> Shop:
        """The shop this service is bound to."""
        return self.get(self._bound_id())

    def settings(self) -> ShopSettings:
        """The settings of the shop this service is bound to."""
        return self.current().settings

    def document_for_print(self) -> dict[str, Any]:
        """A copy of the bound shop's document, for printing (which reads documents)."""
        return copy.deepcopy(self.document(self._bound_id()))

    @property
    def _db(self) -> Any:
        return self.ctx.store.db

    def register(
        self,
        *,
        phone: Any,
        owner_name: Any,
        business_name: Any,
        settings: dict[str, Any] | None = None,
        **profile: Any,
    ) -> Shop:
        """Create the shop. The phone number is its identity and can never change."""
        phone_number = v.phone(phone, "phoneNumber")
        clean = _clean_profile({"ownerName": owner_name, "businessName": business_name, **profile})
        merged_settings = {**default_settings(), **_clean_settings(settings or {})}
        _derive_state_code(clean, merged_settings)
        doc = {
            "_id": new_id(),
            "phoneNumber": phone_number,
            "ownerName": clean["ownerName"],
            "businessName": clean["businessName"],
            "shopName": clean.get("shopName", ""),
            "location": clean.get("location", ""),
            "city": clean.get("city", ""),
            "state": clean.get("state", ""),
            "gstin": clean.get("gstin", ""),
            "profileUrl": clean.get("profileUrl", ""),
            "clientSettings": merged_settings,
            "isActive": True,
            "createdAt": self.ctx.now(),
            "lastLoginAt": None,
            "updatedAt": self.ctx.now(),
        }
        try:
            with self.ctx.store.unit_of_work() as db:
                db.clients.insert_one(doc)
        except DuplicateKeyError:
            raise ValidationError(
                "phoneNumber", "a shop is already registered with this number"
            ) from None
        return self.get(doc["_id"])

    def get(self, client_id: ObjectId | str) -> Shop:
        return shop_from_stored(self.document(client_id))

    def document(self, client_id: ObjectId | str) -> dict[str, Any]:
        """The shop's stored document (ValidationError on ``clientId`` when there is none)."""
        doc: dict[str, Any] | None = self._db.clients.find_one(
            {"_id": v.object_id(client_id, "clientId")}
        )
        if doc is None:
            raise ValidationError("clientId", "no such shop")
        return doc

    def find_by_phone(self, phone: object) -> Shop | None:
        doc = self._db.clients.find_one(
            {"phoneNumber": v.phone(phone, "phoneNumber", check_plan=False)}
        )
        return None if doc is None else shop_from_stored(doc)

    def local_shop(self) -> Shop | None:
        """The shop kept on this computer (the first registered one), if any."""
        doc = self.local_document()
        return None if doc is None else shop_from_stored(doc)

    def local_document(self) -> dict[str, Any] | None:
        """The stored document of :meth:`local_shop`."""
        shops = sorted(self.ctx.store.iter_docs("clients"), key=lambda d: d["createdAt"])
        return dict(shops[0]) if shops else None

    def update_profile(self, client_id: ObjectId | str, **fields: Any) -> Shop:
        if "phoneNumber" in fields:
            raise ValidationError("phoneNumber", "cannot be changed after registration")
        clean = _clean_profile(fields)
        shop = self.document(client_id)
        settings = dict(shop.get("clientSettings") or {})
        if "gstin" in clean or "state" in clean:
            settings["stateCode"] = ""
            _derive_state_code({**shop, **clean}, settings)
            if not settings["stateCode"]:
                settings["stateCode"] = (shop.get("clientSettings") or {}).get("stateCode", "")
        with self.ctx.store.unit_of_work() as db:
            db.clients.update_one(
                {"_id": shop["_id"]},
                {"$set": {**clean, "clientSettings": settings, "updatedAt": self.ctx.now()}},
            )
        return self.get(shop["_id"])

    def update_settings(self, client_id: ObjectId | str, **values: Any) -> Shop:
        shop = self.document(client_id)
        clean = _clean_settings(values)
        settings = {**default_settings(), **(shop.get("clientSettings") or {}), **clean}
        with self.ctx.store.unit_of_work() as db:
            db.clients.update_one(
                {"_id": shop["_id"]},
                {"$set": {"clientSettings": settings, "updatedAt": self.ctx.now()}},
            )
        return self.get(shop["_id"])

    def set_active(self, client_id: ObjectId | str, active: bool) -> Shop:
        shop = self.document(client_id)
        with self.ctx.store.unit_of_work() as db:
            db.clients.update_one(
                {"_id": shop["_id"]},
                {"$set": {"isActive": bool(active), "updatedAt": self.ctx.now()}},
            )
        return self.get(shop["_id"])

    def record_login(self, client_id: ObjectId | str) -> None:
        with self.ctx.store.unit_of_work() as db:
            db.clients.update_one(
                {"_id": v.object_id(client_id, "clientId")},
                {"$set": {"lastLoginAt": self.ctx.now()}},
            )
