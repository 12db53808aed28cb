"""Helpers for a derived table that fills itself the first time a store is opened with it
(a store written before the table existed), instead of a rebuild of everything."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

import bson


def stored_docs(cursor: sqlite3.Cursor, location: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(key, document) of every document of a collection, one at a time (the engine is not
    up yet when projections create their tables). Read on a cursor of its own, so the
    caller may go on writing through ``cursor`` meanwhile; never the whole collection at
    once (100k items at S5)."""
    from .engine import CODEC

    reader = cursor.connection.execute("SELECT id, body FROM docs WHERE coll = ?", (location,))
    try:
        for key, body in reader:
            yield key, bson.decode(body, codec_options=CODEC)
    finally:
        reader.close()


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
