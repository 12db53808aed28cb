"""Carts (bills being made) and parked bills, as the billing screen and the CLI read them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from ..money import Paise
from ..stored import paise_of, quantity_of, rate_of, text_of
from ..tax import InvoiceTotals


@dataclass(frozen=True, slots=True)
class CartLine:
    """One line with the item's snapshot (name, group, price) taken when it was added."""

    id: Any
    item_id: Any
    name: str
    group: str
    code: str
    unit: str
    hsn_code: str
    gst_rate: int | Decimal
    quantity: Decimal
    unit_price: Paise
    line_discount: Paise
    position: int


@dataclass(frozen=True, slots=True)
class CartCustomer:
    """What a bill needs of its customer: who, and where (for the GST split)."""

    id: Any
    name: str
    phone: str
    gstin: str
    state_code: str
    address: str


@dataclass(frozen=True, slots=True)
class Cart:
    """A bill in progress (a parked bill is one not on screen); the stored totals are
    those of its last change."""

    id: Any
    customer_id: Any
    customer_phone: str
    label: str
    bill_discount: Paise
    total_amount: Paise
    item_count: int
    created_at: datetime | None
    updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class CartView:
    """A cart with its lines, its customer and the totals computed now."""

    cart: Cart
    lines: tuple[CartLine, ...]
    customer: CartCustomer | None
    totals: InvoiceTotals
    #: said when the change asked for more than the stock and the shop allows it
    warning: str = ""

    @property
    def cart_id(self) -> Any:
        return self.cart.id

    @property
    def is_empty(self) -> bool:
        return not self.lines


def cart_from_stored(doc: Mapping[str, Any]) -> Cart:
    return Cart(
        id=doc.get("_id"),
        customer_id=doc.get("clientCustomerId"),
        customer_phone=text_of(doc.get("clientCustomerPhone")),
        label=text_of(doc.get("label")),
        bill_discount=paise_of(doc.get("billDiscount")),
        total_amount=paise_of(doc.get("totalAmount")),
        item_count=int(doc.get("itemCount") or 0),
        created_at=doc.get("createdAt"),
        updated_at=doc.get("updatedAt") or doc.get("createdAt"),
    )


def cart_line_from_stored(doc: Mapping[str, Any]) -> CartLine:
    raw = (
        doc.get("_id"),
        doc.get("itemId"),
        doc.get("itemNameSnapshot"),
        doc.get("itemGroupSnapshot"),
        doc.get("itemCode"),
        doc.get("unit"),
        doc.get("hsnCode"),
        doc.get("gstRate"),
        doc.get("quantity"),
        doc.get("unitPriceSnapshot"),
        doc.get("lineDiscount"),
        doc.get("position"),
    )
    try:
        return _cart_line(*raw)
    except TypeError:  # an unhashable (malformed) value: convert it without the cache
        return _cart_line.__wrapped__(*raw)


# Every change of a bill hands out all its lines again; a line that did not change has the
# same stored values and gives the same (immutable) view, so it is converted once.
# ``typed``: 1, 1.0 and True differ.
@lru_cache(maxsize=4096, typed=True)
def _cart_line(
    line_id: Any,
    item_id: Any,
    name: Any,
    group: Any,
    code: Any,
    unit: Any,
    hsn_code: Any,
    gst_rate: Any,
    quantity: Any,
    unit_price: Any,
    line_discount: Any,
    position: Any,
) -> CartLine:
    return CartLine(
        id=line_id,
        item_id=item_id,
        name=text_of(name),
        group=text_of(group),
        code=text_of(code),
        unit=text_of(unit) or "nos",
        hsn_code=text_of(hsn_code),
        gst_rate=rate_of(gst_rate),
        quantity=quantity_of(quantity),
        unit_price=paise_of(unit_price),
        line_discount=paise_of(line_discount),
        position=int(position or 0),
    )


def cart_customer_from_stored(doc: Mapping[str, Any]) -> CartCustomer:
    """The bill's part of a stored customer (``clientCustomers``)."""
    return CartCustomer(
        id=doc.get("_id"),
        name=text_of(doc.get("name")),
        phone=text_of(doc.get("phoneNumber")),
        gstin=text_of(doc.get("gstNo")),
        state_code=text_of(doc.get("stateCode")),
        address=text_of(doc.get("address")),
    )


def cart_view_from_stored(
    cart: Mapping[str, Any],
    lines: Sequence[Mapping[str, Any]],
    customer: Mapping[str, Any] | None,
    totals: InvoiceTotals,
    warning: str = "",
) -> CartView:
    return CartView(
        cart_from_stored(cart),
        tuple(cart_line_from_stored(line) for line in lines),
        cart_customer_from_stored(customer) if customer is not None else None,
        totals,
        warning,
    )
