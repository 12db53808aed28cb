"""Item groups and items (the spec's ``itemgroups`` and ``items``), with stock moves.

Public methods hand out :class:`~viveka_pos.domain.entities.item.Item` and
:class:`~viveka_pos.domain.entities.item.ItemGroup` views; other services that write
items (carts, dealer orders) read the documents through :meth:`CatalogService.item_document`
and :meth:`CatalogService.item_document_by_code`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from ..domain import validation as v
from ..domain.entities.item import Item, ItemGroup, item_from_stored, item_group_from_stored
from ..domain.errors import ValidationError
from ..store import DuplicateKeyError, new_id
from ..store.values import key_to_id
from .context import ShopScope
from .convert import quantity_of, rupees, stored_quantity, stored_rate
from .stock import ensure_opening, record_movement

#: what an edit may change: the argument of :meth:`CatalogService.update_item` -> the field
ITEM_ARGUMENTS = {
    "name": "name",
    "price": "price",
    "code": "code",
    "unit": "unit",
    "gst_rate": "gstRate",
    "hsn_code": "hsnCode",
    "group_id": "groupId",
    "low_stock_quantity": "lowStockQuantity",
    "description": "description",
    "dealer_ids": "dealerIds",
}


class CatalogService:
    def __init__(self, scope: ShopScope):
        self.scope = scope

    # ----------------------------------------------------------------- groups
    def create_group(self, name: Any, description: Any = "") -> ItemGroup:
        doc = self._new_group(name, description)
        with self.scope.store.unit_of_work() as db:
            db.itemgroups.insert_one(doc)
        return item_group_from_stored(doc)

    def _new_group(
        self, name: Any, description: Any = "", *, field: str = "name"
    ) -> dict[str, Any]:
        """A checked, not yet saved group document."""
        group_name = v.name(name, field, max_length=100)
        if self._group_by_name(group_name) is not None:
            raise ValidationError(field, f"a group named {group_name!r} already exists")
        now = self.scope.now()
        return {
            "_id": new_id(),
            "clientId": self.scope.client_id,
            "name": group_name,
            "description": v.optional_text(description, "description", max_length=500),
            "createdAt": now,
            "updatedAt": now,
        }

    def _group_by_name(self, name: str) -> dict[str, Any] | None:
        wanted = name.casefold()
        for group in self.scope.store.iter_docs("itemgroups"):
            if group["clientId"] == self.scope.client_id and group["name"].casefold() == wanted:
                return dict(group)
        return None

    def group(self, group_id: Any) -> ItemGroup:
        return item_group_from_stored(self._group_doc(group_id))

    def _group_doc(self, group_id: Any) -> dict[str, Any]:
        doc = self.scope.db.itemgroups.find_one(
            {"_id": v.object_id(group_id, "groupId"), "clientId": self.scope.client_id}
        )
        if doc is None:
            raise ValidationError("groupId", "no such item group")
        return doc

    def group_named(self, name: Any, *, create: bool = False) -> ItemGroup:
        group_name = v.name(name, "group", max_length=100)
        found = self._group_by_name(group_name)
        if found is not None:
            return item_group_from_stored(found)
        if not create:
            raise ValidationError("group", f"no item group named {group_name!r}")
        return self.create_group(group_name)

    def groups(self) -> list[ItemGroup]:
        """The shop's groups by name."""
        groups = [
            item_group_from_stored(doc)
            for doc in self.scope.db.itemgroups.find({"clientId": self.scope.client_id})
        ]
        return sorted(groups, key=lambda g: g.name.casefold())

    def update_group(
        self, group_id: Any, *, name: Any = None, description: Any = None
    ) -> ItemGroup:
        group = self._group_doc(group_id)
        changes: dict[str, Any] = {"updatedAt": self.scope.now()}
        if name is not None:
            new_name = v.name(name, "name", max_length=100)
            other = self._group_by_name(new_name)
            if other is not None and other["_id"] != group["_id"]:
                raise ValidationError("name", f"a group named {new_name!r} already exists")
            changes["name"] = new_name
        if description is not None:
            changes["description"] = v.optional_text(description, "description", max_length=500)
        with self.scope.store.unit_of_work() as db:
            db.itemgroups.update_one({"_id": group["_id"]}, {"$set": changes})
        return self.group(group["_id"])

    def delete_group(self, group_id: Any) -> None:
        group = self._group_doc(group_id)
        used = self.scope.db.items.count_documents({"groupId": group["_id"]})
        if used:
            raise ValidationError(
                "groupId",
                f"{group['name']} still has {used} item(s); move them to another group first",
            )
        with self.scope.store.unit_of_work() as db:
            db.itemgroups.delete_one({"_id": group["_id"]})

    # ------------------------------------------------------------------ items
    def _clean_item_fields(self, fields: dict[str, Any], unit_hint: str) -> dict[str, Any]:
        clean: dict[str, Any] = {}
        for key, value in fields.items():
            if key == "name":
                clean[key] = v.name(value, "name", max_length=200)
            elif key == "price":
                clean[key] = rupees(v.amount(value, "price"))
            elif key == "code":
                code = v.optional_text(value, "code", max_length=48)
                if any(ch.isspace() for ch in code):
                    raise ValidationError("code", "cannot contain spaces")
                clean[key] = code
            elif key == "unit":
                clean[key] = v.unit(value, "unit")
            elif key == "gstRate":
                clean[key] = stored_rate(v.gst_rate(value, "gstRate"))
            elif key == "hsnCode":
                clean[key] = v.hsn_code(value, "hsnCode")
            elif key == "groupId":
                clean[key] = None if value in (None, "") else self._group_doc(value)["_id"]
            elif key == "lowStockQuantity":
                clean[key] = stored_quantity(
                    v.quantity(
                        value,
                        "kg" if unit_hint not in ("nos", "pcs") else unit_hint,
                        "lowStockQuantity",
                        allow_zero=True,
                    )
                )
            elif key == "description":
                clean[key] = v.optional_text(value, "description", max_length=500)
            elif key == "dealerIds":
                if not isinstance(value, (list, tuple)):
                    raise ValidationError("dealerIds", "must be a list of dealer ids")
                clean[key] = [v.object_id(d, "dealerIds") for d in value]
            else:
                raise ValidationError(key, "is not an item field")
        return clean

    def create_item(
        self,
        *,
        name: Any,
        price: Any,
        code: Any = "",
        stock: Any = 0,
        unit: Any = "nos",
        gst_rate: Any = None,
        hsn_code: Any = "",
        group_id: Any = None,
        low_stock_quantity: Any = 5,
        description: Any = "",
        dealer_ids: Any = (),
        group_name: Any = None,
    ) -> Item:
        """Add an item. ``group_name`` (instead of ``group_id``) puts it in the group of
        that name, created with the item when there is none: every field is checked
        first, and the group and the item are saved in one unit of work, or neither."""
        unit_name = v.unit(unit, "unit")
        if gst_rate is None:
            gst_rate = self.scope.settings().get("defaultGstRate", 0)
        new_group = None
        if group_name not in (None, ""):
            if group_id not in (None, ""):
                raise ValidationError("group", "give the group by name or by id, not both")
            found = self._group_by_name(v.name(group_name, "group", max_length=100))
            if found is not None:
                group_id = found["_id"]
            else:
                new_group = self._new_group(group_name, field="group")
        clean = self._clean_item_fields(
            {
                "name": name,
                "price": price,
                "code": code,
                "unit": unit_name,
                "gstRate": gst_rate,
                "hsnCode": hsn_code,
                "groupId": group_id,
                "lowStockQuantity": low_stock_quantity,
                "description": description,
                "dealerIds": list(dealer_ids),
            },
            unit_name,
        )
        opening = v.quantity(stock, unit_name, "stock", allow_zero=True)
        now = self.scope.now()
        doc = {
            "_id": new_id(),
            "clientId": self.scope.client_id,
            **clean,
            "stock": stored_quantity(opening),
            "isActive": True,
            "createdAt": now,
            "updatedAt": now,
        }
        if new_group is not None:
            doc["groupId"] = new_group["_id"]
        with self._unique_code(clean.get("code", "")), self.scope.store.unit_of_work() as db:
            if new_group is not None:
                db.itemgroups.insert_one(new_group)
            db.items.insert_one(doc)
            ensure_opening(self.scope, doc)
        return self.item(doc["_id"])

    @contextmanager
    def _unique_code(self, code: str) -> Iterator[None]:
        """Report a taken item code as a validation error naming the item that has it."""
        try:
            yield
        except DuplicateKeyError:
            owner = self._find_document_by_code(code, include_inactive=True)
            name = owner["name"] if owner else "another item"
            raise ValidationError("code", f"{code!r} is already used by {name}") from None

    def item(self, item_id: Any) -> Item:
        return item_from_stored(self.item_document(item_id))

    def item_document(self, item_id: Any) -> dict[str, Any]:
        """The stored item (for services that write it or copy it into their own)."""
        doc = self.scope.db.items.find_one(
            {"_id": v.object_id(item_id, "itemId"), "clientId": self.scope.client_id}
        )
        if doc is None:
            raise ValidationError("itemId", "no such item")
        return doc

    def _find_document_by_code(
        self, code: Any, *, include_inactive: bool = False
    ) -> dict[str, Any] | None:
        text = str(code or "").strip()
        if not text:
            return None
        for doc in self.scope.db.items.find({"code": text, "clientId": self.scope.client_id}):
            if include_inactive or doc.get("isActive", True):
                return doc
        return None

    def find_by_code(self, code: Any, *, include_inactive: bool = False) -> Item | None:
        """The item with exactly this code (active only, unless ``include_inactive``)."""
        doc = self._find_document_by_code(code, include_inactive=include_inactive)
        return None if doc is None else item_from_stored(doc)

    def item_document_by_code(self, code: Any) -> dict[str, Any]:
        """The stored active item with this code (for services, as :meth:`item_document`)."""
        doc = self._find_document_by_code(code)
        if doc is None:
            raise ValidationError("code", f"no active item with code {str(code).strip()!r}")
        return doc

    def item_by_code(self, code: Any) -> Item:
        return item_from_stored(self.item_document_by_code(code))

    def update_item(self, item_id: Any, **changes: Any) -> Item:
        """Change some of an item's fields, named as :meth:`create_item` names them
        (``gst_rate=5``); stock and the active flag have their own methods."""
        if "stock" in changes:
            raise ValidationError("stock", "change stock with a stock adjustment, not an edit")
        if "is_active" in changes:
            raise ValidationError("isActive", "use deactivate or reactivate")
        unknown = next((key for key in changes if key not in ITEM_ARGUMENTS), None)
        if unknown is not None:
            raise ValidationError(unknown, "is not an item field")
        fields = {ITEM_ARGUMENTS[key]: value for key, value in changes.items()}
        item = self.item_document(item_id)
        unit_name = v.unit(fields.get("unit", item.get("unit", "nos")), "unit")
        clean = self._clean_item_fields(fields, unit_name)
        if "unit" in clean and clean["unit"] in ("nos", "pcs"):
            stock = quantity_of(item.get("stock"))
            if stock != stock.to_integral_value():
                raise ValidationError(
                    "unit",
                    f"stock {stock} is not a whole number of {clean['unit']}; adjust it first",
                )
        clean["updatedAt"] = self.scope.now()
        with self._unique_code(clean.get("code", "")), self.scope.store.unit_of_work() as db:
            db.items.update_one({"_id": item["_id"]}, {"$set": clean})
        return self.item(item["_id"])

    def set_active(self, item_id: Any, active: bool) -> Item:
        """Soft delete (``active=False``) or bring an item back; items are never removed."""
        item = self.item_document(item_id)
        with self.scope.store.unit_of_work() as db:
            db.items.update_one(
                {"_id": item["_id"]},
                {"$set": {"isActive": bool(active), "updatedAt": self.scope.now()}},
            )
        return self.item(item["_id"])

    def adjust_stock(
        self,
        item_id: Any,
        *,
        new_stock: Any = None,
        delta: Any = None,
        reason: str = "adjustment",
        note: Any = "",
    ) -> Item:
        """Correct stock after a count (``new_stock``) or by a signed ``delta``."""
        item = self.item_document(item_id)
        unit_name = item.get("unit", "nos")
        note_text = v.optional_text(note, "note", max_length=500)
        if (new_stock is None) == (delta is None):
            raise ValidationError("stock", "give either the new stock or the change")
        if new_stock is not None:
            target = v.quantity(new_stock, unit_name, "stock", allow_zero=True)
            change = target - quantity_of(item.get("stock"))
        else:
            change = _signed_quantity(delta, unit_name)
        if change == 0:
            return item_from_stored(item)
        with self.scope.store.unit_of_work():
            record_movement(self.scope, item, change, reason, note=note_text, allow_negative=False)
        return self.item(item["_id"])

    def low_stock(self) -> list[Item]:
        """Active items at or below their low-stock threshold, lowest first (found on the
        stock ledger's index: a catalogue of 100k items is not read for the few low)."""
        store = self.scope.store
        found = (
            store.get("items", key_to_id(key))
            for key in store.ledger.low_stock_keys(self.scope.client_id)
        )
        low = [item_from_stored(d) for d in found if d is not None]
        low.sort(key=lambda item: (item.stock, item.name.casefold()))
        return low


def _signed_quantity(value: Any, unit_name: str) -> Decimal:
    text = str(value).strip()
    negative = text.startswith("-")
    magnitude = v.quantity(text.lstrip("+-"), unit_name, "quantity")
    return -magnitude if negative else magnitude
