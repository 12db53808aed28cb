"""Instant item search for the billing screen: name, code and barcode.

The store keeps the search tables (``store.item_search``: FTS5 word and trigram indexes,
codes and names in order) in step with every write to ``items``, so nothing is built at
start-up and an import or a sync pull is searchable the moment it commits.

Matching is case-insensitive. A query is split into terms; an item matches when every term
is found in its name. Results are ranked: exact code/barcode, codes starting with the query,
names starting with the query, items where every term starts a word, then items where every
term is found inside a word (numbers only by prefix); ties by name.
"""

from __future__ import annotations

from collections.abc import Iterable

from bson import ObjectId

from ..domain.entities.item import Item, item_from_stored
from ..store import Store
from ..store.item_search import WORD
from ..store.values import key_to_id

__all__ = ["ItemSearchIndex", "key_to_id"]


class ItemSearchIndex:
    """Search over one shop's active items (a thin layer of ranking over the store)."""

    def __init__(self, store: Store, client_id: ObjectId):
        self._store = store
        self._client_id = client_id

    def rebuild(self) -> None:
        """Nothing to rebuild: the store keeps the tables current, a restore included."""

    def __len__(self) -> int:
        items, _low, _value = self._store.ledger.stock_summary(self._client_id)
        return items

    def by_code(self, code: str) -> Item | None:
        """The active item whose code or barcode is exactly ``code`` (case-insensitive)."""
        keys = self._store.item_search.by_code(self._client_id, code.strip().casefold())
        if not keys:
            return None
        doc = self._store.get("items", key_to_id(keys[0]))
        return None if doc is None else item_from_stored(doc)

    def search(self, query: str, limit: int = 20) -> list[Item]:
        """Up to ``limit`` matching active items, best first."""
        text = " ".join(query.casefold().split())
        if not text or limit <= 0:
            return []
        hits = []
        get = self._store.get
        for key in self._ranked_keys(text, limit):
            doc = get("items", key_to_id(key))
            if doc is not None:
                hits.append(item_from_stored(doc))
        return hits

    def _ranked_keys(self, text: str, limit: int) -> list[str]:
        search, client = self._store.item_search, self._client_id
        chosen: list[str] = []
        seen: set[str] = set()

        def take(keys: Iterable[str]) -> bool:
            for key in keys:
                if key not in seen:
                    seen.add(key)
                    chosen.append(key)
                    if len(chosen) >= limit:
                        return True
            return False

        if take(search.by_code(client, text)):
            return chosen
        if " " not in text and take(search.code_prefix(client, text, limit + len(seen))):
            return chosen
        if take(search.name_prefix(client, text, limit + len(seen))):
            return chosen
        parts = list(dict.fromkeys(WORD.findall(text)))
        if not parts:
            return chosen
        if take(key for key, _words in search.matching(client, parts, inside=False)):
            return chosen
        if not any(len(part) >= 3 for part in parts):
            return chosen  # one or two letters inside words would match nearly everything
        take(
            key
            for key, words in search.matching(client, parts, inside=True)
            if all(_inside_a_word(part, words.split()) for part in parts)
        )
        return chosen


def _inside_a_word(part: str, words: list[str]) -> bool:
    """A part found inside a word (numbers only by prefix; one or two letters only as
    the start of a word)."""
    if len(part) < 3:
        return any(word.startswith(part) for word in words)
    return any(part in word if not word.isdigit() else word.startswith(part) for word in words)
