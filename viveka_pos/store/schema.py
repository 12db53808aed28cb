"""The collections of the spec, their indexes and unique keys, and what syncs.

Names and keys follow ``spec/viveka-backend-spec.md`` so the remote database stays
readable by the existing backend. Collections marked *(ours)* are additive.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DATABASE_NAME = "vivekaDB"
SCHEMA_VERSION = 4  # data versions and their upgrades: store/migrations.py

Keys = list[tuple[str, int]]


@dataclass(frozen=True)
class IndexSpec:
    keys: Keys
    unique: bool = False


@dataclass(frozen=True)
class CollectionSpec:
    name: str
    indexes: list[IndexSpec] = field(default_factory=list)
    synced: bool = True
    ttl_field: str | None = None
    #: bounded by design (the open carts): kept whole in memory by the store, filed in no
    #: index table (its queries are answered from memory)
    held: bool = False


def _ix(*fields: str | tuple[str, int], unique: bool = False) -> IndexSpec:
    keys = [(f, 1) if isinstance(f, str) else f for f in fields]
    return IndexSpec(keys, unique)


COLLECTIONS: list[CollectionSpec] = [
    CollectionSpec("clients", [_ix("phoneNumber", unique=True), _ix("isActive")]),
    CollectionSpec(
        "otpsessions",
        # The spec's rule "one OTP session per phone + purpose", enforced as a unique key.
        [_ix("phoneNumber", "purpose", unique=True), _ix("expiresAt")],
        synced=False,
        ttl_field="expiresAt",
    ),
    CollectionSpec(
        "devicesessions",
        [_ix("clientId", "deviceId", unique=True), _ix("clientId"), _ix("isActive")],
    ),
    CollectionSpec(
        "clientCustomers",
        [_ix("clientId", "phoneNumber", unique=True), _ix("clientId"), _ix("phoneNumber")],
    ),
    CollectionSpec("itemgroups", [_ix("clientId")]),
    CollectionSpec(
        "items",
        # code: shop code / barcode (ours), unique per shop when set.
        [_ix("clientId"), _ix("isActive"), _ix("clientId", "code", unique=True), _ix("code")],
    ),
    CollectionSpec(
        "carts",
        [_ix("clientId"), _ix("isFinalized"), _ix("expiresAt")],
        synced=False,
        ttl_field="expiresAt",
        held=True,
    ),
    CollectionSpec("cartitems", [_ix("cartId")], synced=False, held=True),
    CollectionSpec(
        "invoices",
        [
            _ix("clientId", "invoiceNumber", unique=True),
            _ix("clientId"),
            _ix("invoiceNumber"),
            _ix("clientCustomerId"),
            _ix("invoiceDate"),
            _ix("isFinalized"),
        ],
    ),
    CollectionSpec("payments", [_ix("clientId"), _ix("invoiceId"), _ix("paidAt")]),
    # (ours) credit notes for sales returns (Sec. 34 CGST Act): their own series per device
    # and financial year, hash-chained like invoices, append-only; they name the invoice.
    CollectionSpec(
        "creditnotes",
        [
            _ix("clientId", "creditNoteNumber", unique=True),
            _ix("clientId"),
            _ix("creditNoteNumber"),
            _ix("invoiceId"),
            _ix("clientCustomerId"),
            _ix("creditNoteDate"),
        ],
    ),
    CollectionSpec(
        "purchasehistories",
        [_ix("clientId"), _ix("clientCustomerId"), _ix(("purchasedAt", -1))],
    ),
    CollectionSpec("dealers", [_ix("clientId", "name"), _ix("isActive")]),
    CollectionSpec(
        "dealerorders",
        [
            _ix("clientId", "orderNumber", unique=True),
            _ix("clientId", "dealerId", ("createdAt", -1)),
            _ix("dealerId"),
            _ix("isUrgent"),
            _ix("orderNumber"),
        ],
    ),
    CollectionSpec("dealerorderitems", [_ix("orderId", "itemId"), _ix("itemId")]),
    CollectionSpec(
        "dealerpayments",
        [_ix("clientId", "dealerId", ("paidAt", -1)), _ix("dealerId"), _ix("orderId")],
    ),
    # (ours) append-only stock movements; an item's stock is their cached sum.
    CollectionSpec("stockmovements", [_ix("itemId"), _ix("createdAt")]),
    # (ours) counters for invoice/order series, per device: never reused numbers.
    CollectionSpec("counters", [], synced=False),
    # (ours) settings of this PC only (series prefix, printer, remote, SMS): never synced.
    CollectionSpec("localsettings", [], synced=False),
    # (ours) the sync outbox, written in the same commit as each synced write.
    CollectionSpec("outbox", [_ix("seq")], synced=False),
    # (ours) documents the remote refused (or that could not be applied here), with the reason.
    CollectionSpec("deadletters", [_ix("collection")], synced=False),
    # (ours) sync bookkeeping of this PC: pull cursors, customer merges, last results.
    CollectionSpec("syncstate", [], synced=False),
]

BY_NAME = {spec.name: spec for spec in COLLECTIONS}
SYNCED = frozenset(spec.name for spec in COLLECTIONS if spec.synced)
HELD = frozenset(f"{DATABASE_NAME}.{spec.name}" for spec in COLLECTIONS if spec.held)
