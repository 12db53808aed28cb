"""Helpers for a derived table that fills itself the first time a store is opened with it
(a store written before the table existed), instead of a rebuild of everything."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import bson


def stored_docs(cursor: sqlite3.Cursor, location: str) -> list[tuple[str, dict[str, Any]]]:
    """(key, document) of every document of a collection, read through ``cursor`` (the
    engine is not up yet when projections create their tables)."""
    from .engine import CODEC

    return [
        (key, bson.decode(body, codec_options=CODEC))
        for key, body in cursor.execute(
            "SELECT id, body FROM docs WHERE coll = ?", (location,)
        ).fetchall()
    ]


def create_filled(
    cursor: sqlite3.Cursor, table: str, schema: str, fill: Callable[[], None]
) -> bool:
    """Create ``table`` (``schema``: statements separated by ';') and ``fill`` it, in one
    transaction, unless it exists. Returns whether it was made."""
    if cursor.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (table,)).fetchone():
        return False
    cursor.execute("BEGIN")  # the table and its rows at once, or neither
    try:
        for statement in schema.split(";"):
            if statement.strip():
                cursor.execute(statement)
        fill()
        cursor.execute("COMMIT")
    except BaseException:
        cursor.execute("ROLLBACK")
        raise
    return True
