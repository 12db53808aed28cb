"""Carts (bills being made): lines with snapshots, discounts, live totals, parked bills.

A cart lives 24 hours after its last change (the spec's TTL, swept by the store); several
can be open at once — a parked bill is simply a cart that is not on screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from bson import ObjectId

from ..domain import validation as v
from ..domain.entities.cart import (
    Cart,
    CartLine,
    CartView,
    cart_from_stored,
    cart_line_from_stored,
    cart_view_from_stored,
)
from ..domain.errors import ValidationError
from ..domain.money import round_half_up
from ..domain.tax import InvoiceTotals, LineInput, compute_invoice, supply_type_for
from ..store import new_id
from .catalog import CatalogService
from .context import ShopScope
from .convert import paise_of, quantity_of, rate_of, rupees, stored_quantity, stored_rate
from .customers import CustomerService

CART_LIFETIME = timedelta(hours=24)

#: a cart named by its id (or the id's hex text, as typed or passed on a command line)
CartId = ObjectId | str


@dataclass(frozen=True)
class CartState:
    """A cart as stored, with its lines, customer and totals: what checkout works on.
    Public methods hand out :class:`CartView` (``CartState.public``), built at the end."""

    cart: dict[str, Any]
    lines: list[dict[str, Any]]
    customer: dict[str, Any] | None
    totals: InvoiceTotals

    @property
    def cart_id(self) -> ObjectId:
        return self.cart["_id"]

    @property
    def is_empty(self) -> bool:
        return not self.lines

    def public(self, warning: str = "") -> CartView:
        return cart_view_from_stored(self.cart, self.lines, self.customer, self.totals, warning)


def line_input(line: dict[str, Any]) -> LineInput:
    """A stored cart line as the tax arithmetic takes it, through the line's view."""
    view = cart_line_from_stored(line)
    try:
        return _input_of(view)
    except TypeError:  # an unhashable (malformed) item id: convert it without the cache
        return _input_of.__wrapped__(view)


# A cart's totals are recomputed over all its lines after every change: a line that did
# not change has the same (immutable, hashable) view and gives the same input.
@lru_cache(maxsize=4096)
def _input_of(view: CartLine) -> LineInput:
    return LineInput(
        item_id=view.item_id,
        name=view.name,
        group=view.group,
        unit=view.unit,
        hsn_code=view.hsn_code,
        gst_rate=view.gst_rate,
        quantity=view.quantity,
        unit_price=view.unit_price,
        line_discount=view.line_discount,
    )


class CartService:
    def __init__(self, scope: ShopScope):
        self.scope = scope
        self.catalog = CatalogService(scope)
        self.customers = CustomerService(scope)

    # ----------------------------------------------------------------- reading
    def _cart(self, cart_id: CartId) -> dict[str, Any]:
        cart = self.scope.db.carts.find_one(
            {"_id": v.object_id(cart_id, "cartId"), "clientId": self.scope.client_id}
        )
        if cart is None:
            raise ValidationError("cartId", "this bill no longer exists (it may have expired)")
        if cart.get("isFinalized"):
            raise ValidationError("cartId", "this bill was already saved as an invoice")
        return cart

    def _lines(self, cart_id: ObjectId) -> list[dict[str, Any]]:
        lines = list(self.scope.db.cartitems.find({"cartId": cart_id}))
        lines.sort(key=lambda line: (line.get("position", 0), line["createdAt"]))
        return lines

    def supply_type(
        self, customer: dict[str, Any] | None, settings: dict[str, Any] | None = None
    ) -> str:
        """``settings``: the shop's, when the caller has read them already."""
        shop_state = (settings if settings is not None else self.scope.settings()).get(
            "stateCode"
        ) or ""
        customer_state = (customer or {}).get("stateCode") or None
        if not shop_state:
            return "intra"
        return supply_type_for(shop_state, customer_state)

    def totals_for(
        self, lines: list[dict[str, Any]], bill_discount: int, customer: dict[str, Any] | None
    ) -> InvoiceTotals:
        settings = self.scope.settings()
        return compute_invoice(
            [line_input(line) for line in lines],
            bill_discount=bill_discount,
            prices_include_tax=bool(settings.get("pricesIncludeTax", False)),
            supply_type=self.supply_type(customer, settings),
        )

    def view(self, cart_id: CartId) -> CartView:
        """The cart with its lines, customer and totals as of now."""
        return self.state(cart_id).public()

    def state(self, cart_id: CartId) -> CartState:
        """The cart as stored, for checkout (no views built)."""
        cart = self._cart(cart_id)
        lines = self._lines(cart["_id"])
        customer = None
        if cart.get("clientCustomerId") is not None:
            customer = self.scope.db.clientCustomers.find_one({"_id": cart["clientCustomerId"]})
        totals = self.totals_for(lines, paise_of(cart.get("billDiscount", 0)), customer)
        return CartState(cart, lines, customer, totals)

    def open_carts(self) -> list[Cart]:
        """Bills in progress on this shop, newest first (parked bills included)."""
        carts = [
            c
            for c in self.scope.db.carts.find({"clientId": self.scope.client_id})
            if not c.get("isFinalized")
        ]
        carts.sort(key=lambda c: c.get("updatedAt", c["createdAt"]), reverse=True)
        return [cart_from_stored(c) for c in carts]

    # ----------------------------------------------------------------- writing
    def _scratch(self) -> Any:
        """Cart edits are scratch work: committed at once, without waiting for the disk
        (the invoice that ends the cart is saved durably)."""
        return self.scope.store.unit_of_work(durable=False)

    def create(self, *, customer: Any = None, label: Any = "") -> CartView:
        customer_doc = self._resolve_customer(customer)
        now = self.scope.now()
        cart_id = new_id()
        cart = {
            "_id": cart_id,
            "clientId": self.scope.client_id,
            "clientCustomerId": customer_doc["_id"] if customer_doc else None,
            "clientCustomerPhone": customer_doc["phoneNumber"] if customer_doc else None,
            "totalAmount": 0,
            "itemCount": 0,
            "isFinalized": False,
            "createdAt": now,
            "updatedAt": now,
            "expiresAt": now + CART_LIFETIME,
            "label": v.optional_text(label, "label", max_length=60),
            "billDiscount": 0,
            "notes": "",
            "deviceId": self.scope.ctx.device_id,
        }
        with self._scratch() as db:
            db.carts.insert_one(cart)
        return self.view(cart_id)

    def _resolve_customer(self, customer: Any) -> dict[str, Any] | None:
        if customer in (None, ""):
            return None
        if isinstance(customer, dict):
            return self.customers.document(customer.get("_id"))
        if hasattr(customer, "id"):  # a typed view of a customer (the bill's, or its own)
            return self.customers.document(customer.id)
        if isinstance(customer, ObjectId) or (
            isinstance(customer, str) and ObjectId.is_valid(customer)
        ):
            return self.customers.document(customer)
        found = self.customers.document_by_phone(customer)
        if found is None:
            raise ValidationError(
                "phoneNumber", f"no customer with phone {customer}; add them first"
            )
        return found

    def _refresh(
        self,
        db: Any,
        cart: dict[str, Any],
        changes: dict[str, Any] | None = None,
        lines: list[dict[str, Any]] | None = None,
    ) -> CartState:
        """Recompute the cart's stored totals after a change (inside the unit of work) and
        return the cart as it now is. ``lines``: the cart's lines after the change, when the
        caller has them already (else they are read).

        Raises ValidationError (rolling the change back) when the discounts no longer fit.
        """
        current = self.scope.store.get("carts", cart["_id"]) or cart
        merged = {**current, **(changes or {})}
        if lines is None:
            lines = self._lines(cart["_id"])
        customer = None
        if merged.get("clientCustomerId") is not None:
            customer = db.clientCustomers.find_one({"_id": merged["clientCustomerId"]})
        totals = self.totals_for(lines, paise_of(merged.get("billDiscount", 0)), customer)
        now = self.scope.now()
        update = {
            **(changes or {}),
            "totalAmount": rupees(totals.total_amount),
            "itemCount": len(lines),
            "updatedAt": now,
            "expiresAt": now + CART_LIFETIME,
        }
        db.carts.update_one({"_id": cart["_id"]}, {"$set": update})
        return CartState({**merged, **update}, lines, customer, totals)

    def add_item(self, cart_id: CartId, item: Any, quantity: Any = 1) -> CartView:
        """Add an item by id, code or barcode; adding it again raises its quantity."""
        cart = self._cart(cart_id)
        item_doc = self._resolve_item(item)
        unit = item_doc.get("unit", "nos")
        qty = v.quantity(quantity, unit, "quantity")
        lines = self._lines(cart["_id"])
        at = next((i for i, line in enumerate(lines) if line["itemId"] == item_doc["_id"]), None)
        on_bill = quantity_of(lines[at]["quantity"]) if at is not None else Decimal(0)
        warning = self.stock_warning(item_doc, on_bill + qty)
        with self._scratch() as db:
            # the line as stored (what was written: no values BSON changes), in its place
            # (lines stay in position order)
            if at is not None:
                existing = lines[at]
                new_qty = quantity_of(existing["quantity"]) + qty
                fields = self._qty_fields(existing, new_qty)
                db.cartitems.update_one({"_id": existing["_id"]}, {"$set": fields})
                lines[at] = {**existing, **fields}
            else:
                price = paise_of(item_doc.get("price"))
                group = ""
                if item_doc.get("groupId") is not None:
                    group_doc = db.itemgroups.find_one({"_id": item_doc["groupId"]})
                    group = group_doc["name"] if group_doc else ""
                line = {
                    "_id": new_id(),
                    "cartId": cart["_id"],
                    "itemId": item_doc["_id"],
                    "itemNameSnapshot": item_doc["name"],
                    "itemGroupSnapshot": group,
                    "itemCode": item_doc.get("code", ""),
                    "unitPriceSnapshot": rupees(price),
                    "quantity": stored_quantity(qty),
                    "lineTotal": rupees(_gross(qty, price)),
                    "unit": unit,
                    "hsnCode": item_doc.get("hsnCode", ""),
                    "gstRate": stored_rate(rate_of(item_doc.get("gstRate", 0))),
                    "lineDiscount": 0,
                    "position": max((line.get("position", 0) for line in lines), default=0) + 1,
                    "createdAt": self.scope.now(),
                }
                db.cartitems.insert_one(line)
                lines.append(line)
            view = self._refresh(db, cart, lines=lines)
        return view.public(warning)

    def stock_warning(self, item: dict[str, Any], quantity: Decimal, *, more: bool = True) -> str:
        """'' when ``quantity`` of ``item`` is in stock. Beyond the stock: the warning to show
        when the shop allows selling beyond stock (Settings → Billing), else ValidationError
        — said when the line is added, not at payment. Lowering a quantity (``more`` False)
        is never refused."""
        stock = quantity_of(item.get("stock"))
        if quantity <= stock:
            return ""
        name = item.get("name", "item")
        unit = item.get("unit", "nos")
        if stock <= 0:
            text = f"{name} is out of stock"
        else:
            text = (
                f"{name}: only {stock.normalize():f} {unit} in stock, the bill has "
                f"{quantity.normalize():f}"
            )
        if more and not self.scope.settings().get("allowNegativeStock", False):
            raise ValidationError(
                "stock",
                f"{text} — not added. Receive stock in "
                "Inventory, or allow selling beyond stock in Settings → "
                "Billing",
            )
        if not self.scope.settings().get("allowNegativeStock", False):
            return f"{text} — lower the quantity or remove the line to save the bill"
        return f"{text} — selling beyond stock (allowed in Settings)"

    def _resolve_item(self, item: Any) -> dict[str, Any]:
        if isinstance(item, dict):
            item = item.get("_id")
        if isinstance(item, ObjectId) or (
            isinstance(item, str)
            and ObjectId.is_valid(item)
            and self.scope.store.get("items", ObjectId(item))
        ):
            doc = self.catalog.item_document(item)
        else:
            doc = self.catalog.item_document_by_code(item)
        if not doc.get("isActive", True):
            raise ValidationError("itemId", f"{doc['name']} is no longer sold (inactive)")
        return doc

    @staticmethod
    def _qty_fields(line: dict[str, Any], qty: Decimal) -> dict[str, Any]:
        return {
            "quantity": stored_quantity(qty),
            "lineTotal": rupees(_gross(qty, paise_of(line["unitPriceSnapshot"]))),
        }

    def _line(self, cart: dict[str, Any], line_id: ObjectId | str) -> dict[str, Any]:
        line = self.scope.db.cartitems.find_one(
            {"_id": v.object_id(line_id, "lineId"), "cartId": cart["_id"]}
        )
        if line is None:
            raise ValidationError("lineId", "that line is not on this bill")
        return line

    def set_quantity(self, cart_id: CartId, line_id: ObjectId | str, quantity: Any) -> CartView:
        cart = self._cart(cart_id)
        line = self._line(cart, line_id)
        qty = v.quantity(quantity, line.get("unit", "nos"), "quantity")
        item = self.scope.store.get("items", line["itemId"])
        more = qty > quantity_of(line["quantity"])
        warning = self.stock_warning(item, qty, more=more) if item is not None else ""
        with self._scratch() as db:
            db.cartitems.update_one({"_id": line["_id"]}, {"$set": self._qty_fields(line, qty)})
            view = self._refresh(db, cart)
        return view.public(warning)

    def change_quantity(self, cart_id: CartId, line_id: ObjectId | str, step: int) -> CartView:
        """+1 / −1 from the keyboard; going below the minimum removes nothing (say so)."""
        cart = self._cart(cart_id)
        line = self._line(cart, line_id)
        new_qty = quantity_of(line["quantity"]) + step
        if new_qty <= 0:
            raise ValidationError(
                "quantity", "must be more than zero (press Delete to remove the line)"
            )
        return self.set_quantity(cart_id, line_id, new_qty)

    def remove_line(self, cart_id: CartId, line_id: ObjectId | str) -> CartView:
        cart = self._cart(cart_id)
        line = self._line(cart, line_id)
        with self._scratch() as db:
            db.cartitems.delete_one({"_id": line["_id"]})
            view = self._refresh(db, cart)
        return view.public()

    def set_line_discount(self, cart_id: CartId, line_id: ObjectId | str, amount: Any) -> CartView:
        cart = self._cart(cart_id)
        line = self._line(cart, line_id)
        discount = v.amount(amount, "discount")
        gross = _gross(quantity_of(line["quantity"]), paise_of(line["unitPriceSnapshot"]))
        if discount > gross:
            raise ValidationError("discount", "cannot be more than the line amount")
        with self._scratch() as db:
            db.cartitems.update_one(
                {"_id": line["_id"]}, {"$set": {"lineDiscount": rupees(discount)}}
            )
            view = self._refresh(db, cart)
        return view.public()

    def set_bill_discount(self, cart_id: CartId, amount: Any) -> CartView:
        cart = self._cart(cart_id)
        discount = v.amount(amount, "discount")
        with self._scratch() as db:
            db.carts.update_one({"_id": cart["_id"]}, {"$set": {"billDiscount": rupees(discount)}})
            view = self._refresh(db, cart)
        return view.public()

    def set_customer(self, cart_id: CartId, customer: Any) -> CartView:
        cart = self._cart(cart_id)
        customer_doc = self._resolve_customer(customer)
        with self._scratch() as db:
            view = self._refresh(
                db,
                cart,
                {
                    "clientCustomerId": customer_doc["_id"] if customer_doc else None,
                    "clientCustomerPhone": customer_doc["phoneNumber"] if customer_doc else None,
                },
            )
        return view.public()

    def set_label(self, cart_id: CartId, label: Any) -> CartView:
        cart = self._cart(cart_id)
        with self._scratch() as db:
            label_text = v.optional_text(label, "label", max_length=60)
            view = self._refresh(db, cart, {"label": label_text})
        return view.public()

    def discard(self, cart_id: CartId) -> None:
        cart = self._cart(cart_id)
        with self._scratch() as db:
            db.cartitems.delete_many({"cartId": cart["_id"]})
            db.carts.delete_one({"_id": cart["_id"]})


def _gross(quantity: Decimal, price_paise: int) -> int:
    return round_half_up(quantity * price_paise)
