"""Instant item search for the billing screen: name, code and barcode.

Mongita has no ``$regex``, and scanning 100k names per keystroke is too slow, so the shop's
active items are kept in an in-memory index that follows every committed write to
``items`` (``store.on_commit``), whoever made it (this screen, an import, a sync pull).

Matching is case-insensitive. A query is split into terms; an item matches when every term
is found in its name. Results are ranked: exact code/barcode, codes starting with the query,
names starting with the query, items where every term starts a word, then substring matches
inside words; ties by name. The vocabulary of distinct words is small next to the item
count, so word-prefix and substring lookups run over words, and postings map words to items.
"""

from __future__ import annotations

import heapq
import re
import threading
from collections.abc import Iterable
from typing import Any

from bson import ObjectId
from sortedcontainers import SortedList

from ..store import Store

_WORD = re.compile(r"[0-9a-z\u0900-\u097f]+")


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text))


#: above this many candidates, ranking walks the sorted names instead of sorting them
_SCAN_ABOVE = 2000


def _wants_trigrams(word: str) -> bool:
    """Substring search inside words is for names ('rak' in 'brake'); numbers are found by
    prefix, so all-digit words are left out of the trigram index (it stays small)."""
    return len(word) >= 3 and not word.isdigit()


def _trigrams(word: str) -> set[str]:
    return {word[i:i + 3] for i in range(len(word) - 2)}


class _Entry:
    __slots__ = ("code", "key", "name", "words")

    def __init__(self, key: str, name: str, code: str, words: frozenset[str]):
        self.key = key
        self.name = name
        self.code = code
        self.words = words


class ItemSearchIndex:
    def __init__(self, store: Store, client_id: ObjectId):
        self._store = store
        self._client_id = client_id
        self._lock = threading.RLock()
        self._entries: dict[str, _Entry] = {}
        self._by_code: dict[str, set[str]] = {}
        self._codes = SortedList()  # (code, key), for code prefixes
        self._names = SortedList()  # (name, key)
        self._postings: dict[str, set[str]] = {}  # word -> item keys
        self._vocabulary = SortedList()  # distinct words
        self._word_trigrams: dict[str, set[str]] = {}  # trigram -> words
        self.rebuild()
        store.on_commit("items", self._on_commit)

    # ------------------------------------------------------------- upkeep
    def rebuild(self) -> None:
        """Index every active item of the shop, building each sorted structure in bulk."""
        entries: dict[str, _Entry] = {}
        by_code: dict[str, set[str]] = {}
        postings: dict[str, set[str]] = {}
        for doc in self._store.iter_docs("items"):
            entry = self._entry_for(str(doc["_id"]), doc)
            if entry is None:
                continue
            entries[entry.key] = entry
            if entry.code:
                by_code.setdefault(entry.code, set()).add(entry.key)
            for word in entry.words:
                posting = postings.get(word)
                if posting is None:
                    postings[word] = {entry.key}
                else:
                    posting.add(entry.key)
        word_trigrams: dict[str, set[str]] = {}
        for word in postings:
            if _wants_trigrams(word):
                for gram in _trigrams(word):
                    word_trigrams.setdefault(gram, set()).add(word)
        with self._lock:
            self._entries = entries
            self._by_code = by_code
            self._codes = SortedList((code, key) for code, keys in by_code.items()
                                     for key in keys)
            self._names = SortedList((e.name, e.key) for e in entries.values())
            self._postings = postings
            self._vocabulary = SortedList(postings)
            self._word_trigrams = word_trigrams

    def _on_commit(self, changes: list[tuple[str, dict[str, Any] | None]]) -> None:
        with self._lock:
            for key, doc in changes:
                self._remove(key)
                if doc is not None:
                    self._add(key, doc)

    def _entry_for(self, key: str, doc: dict[str, Any]) -> _Entry | None:
        if doc.get("clientId") != self._client_id or not doc.get("isActive", True):
            return None
        name = str(doc.get("name", "")).casefold()
        code = str(doc.get("code") or "").casefold()
        return _Entry(key, name, code, frozenset(_words(name)))

    def _add(self, key: str, doc: dict[str, Any]) -> None:
        entry = self._entry_for(key, doc)
        if entry is None:
            return
        self._entries[key] = entry
        if entry.code:
            self._by_code.setdefault(entry.code, set()).add(key)
            self._codes.add((entry.code, key))
        self._names.add((entry.name, key))
        for word in entry.words:
            posting = self._postings.get(word)
            if posting is None:
                self._postings[word] = {key}
                self._vocabulary.add(word)
                if _wants_trigrams(word):
                    for gram in _trigrams(word):
                        self._word_trigrams.setdefault(gram, set()).add(word)
            else:
                posting.add(key)

    def _remove(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        if entry.code:
            self._codes.discard((entry.code, key))
            owners = self._by_code.get(entry.code)
            if owners is not None:
                owners.discard(key)
                if not owners:
                    del self._by_code[entry.code]
        self._names.discard((entry.name, key))
        for word in entry.words:
            posting = self._postings.get(word)
            if posting is None:
                continue
            posting.discard(key)
            if not posting:
                del self._postings[word]
                self._vocabulary.discard(word)
                for gram in _trigrams(word) if _wants_trigrams(word) else ():
                    words = self._word_trigrams.get(gram)
                    if words is not None:
                        words.discard(word)
                        if not words:
                            del self._word_trigrams[gram]

    # ------------------------------------------------------------- queries
    def __len__(self) -> int:
        return len(self._entries)

    def by_code(self, code: str) -> dict[str, Any] | None:
        """The active item whose code or barcode is exactly ``code`` (case-insensitive)."""
        with self._lock:
            keys = self._by_code.get(code.strip().casefold())
            if not keys:
                return None
            key = min(keys)
        doc = self._store.get("items", key_to_id(key))
        return dict(doc) if doc is not None else None

    def search(self, query: str, limit: int = 20) -> list[dict[str, Any]]:
        """Up to ``limit`` matching active items, best first (copies of the documents)."""
        text = " ".join(query.casefold().split())
        if not text or limit <= 0:
            return []
        with self._lock:
            keys = self._ranked_keys(text, limit)
        docs = []
        for key in keys:
            doc = self._store.get("items", key_to_id(key))
            if doc is not None:
                docs.append(dict(doc))
        return docs

    def _ranked_keys(self, text: str, limit: int) -> list[str]:
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

        if take(sorted(self._by_code.get(text, ()))):
            return chosen
        if " " not in text and take(
                key for _, key in self._codes.irange((text, ""), (text + "\uffff", ""))):
            return chosen
        prefix_hits = (key for _, key in self._names.irange((text, ""), (text + "\uffff", "")))
        if take(prefix_hits):
            return chosen
        terms = text.split()
        word_terms = [t for t in (" ".join(_WORD.findall(term)) for term in terms) if t]
        if not word_terms:
            return chosen
        needed = limit - len(chosen)
        by_word_prefix = self._match_all(word_terms, self._keys_with_word_prefix)
        if take(self._first_by_name(by_word_prefix - seen, needed)):
            return chosen
        needed = limit - len(chosen)
        by_substring = self._match_all(word_terms, self._keys_with_substring)
        take(self._first_by_name(by_substring - seen, needed))
        return chosen

    @staticmethod
    def _match_all(terms: list[str], lookup: Any) -> set[str]:
        sets = sorted((lookup(term) for term in terms), key=len)
        if not sets:
            return set()
        result = set(sets[0])
        for other in sets[1:]:
            result &= other
            if not result:
                break
        return result

    def _union_postings(self, words: Iterable[str]) -> set[str]:
        keys: set[str] = set()
        for word in words:
            keys |= self._postings.get(word, set())
        return keys

    def _keys_with_word_prefix(self, term: str) -> set[str]:
        # a term may hold several words after splitting on punctuation ("m-10" -> "m 10")
        parts = term.split()
        sets = [self._union_postings(self._vocabulary.irange(p, p + "\uffff")) for p in parts]
        return self._intersect(sets)

    def _keys_with_substring(self, term: str) -> set[str]:
        parts = term.split()
        sets = []
        for part in parts:
            if len(part) < 3:
                # one or two letters inside words would match nearly everything: prefix only
                words: Iterable[str] = self._vocabulary.irange(part, part + "\uffff")
            else:
                grams = sorted((self._word_trigrams.get(g, set()) for g in _trigrams(part)),
                               key=len)
                candidates = set(grams[0]) if grams else set()
                for other in grams[1:]:
                    candidates &= other
                words = [w for w in candidates if part in w]
            sets.append(self._union_postings(words))
        return self._intersect(sets)

    @staticmethod
    def _intersect(sets: list[set[str]]) -> set[str]:
        if not sets:
            return set()
        sets.sort(key=len)
        result = set(sets[0])
        for other in sets[1:]:
            result &= other
        return result

    def _first_by_name(self, keys: set[str], count: int) -> list[str]:
        if count <= 0 or not keys:
            return []
        if len(keys) > _SCAN_ABOVE:
            # Many matches: walking the names in order finds the first ones quickly.
            found = []
            for _, key in self._names:
                if key in keys:
                    found.append(key)
                    if len(found) >= count:
                        break
            return found
        entries = self._entries
        return heapq.nsmallest(count, keys, key=lambda k: (entries[k].name, k))


def key_to_id(key: str) -> Any:
    return ObjectId(key) if ObjectId.is_valid(key) else key
