"""Ids that every device computes alike, so records made twice offline merge into one."""

from __future__ import annotations

import hashlib

from bson import ObjectId


def derived_id(kind: str, base: ObjectId) -> ObjectId:
    """A stable ObjectId for the ``kind`` record that belongs to ``base``.

    Used for records that exist at most once per parent (an item's opening stock, an
    invoice's purchase history): two PCs creating it offline produce the same ``_id``, and
    the union merge of sync keeps one.
    """
    digest = hashlib.sha1(kind.encode() + b":" + base.binary).digest()
    return ObjectId(digest[:12])


def opening_movement_id(item_id: ObjectId) -> ObjectId:
    """The movement that holds an item's stock before any other movement."""
    return derived_id("opening-stock", item_id)


def purchase_history_id(invoice_id: ObjectId) -> ObjectId:
    """The purchase history an invoice makes when it is finalized."""
    return derived_id("purchase-history", invoice_id)
