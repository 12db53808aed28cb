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
