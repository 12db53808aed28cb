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

import bisect
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


#: merge at most this many words' postings in name order (else intersect sets)
_MERGE_WORDS = 40
#: candidates read in name order before falling back to intersecting sets
_STREAM_STEPS = 400


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
        # word -> its items as (name, key), sorted: matches come out already in name order
        self._postings: dict[str, list[tuple[str, str]]] = {}
        self._vocabulary = SortedList()  # distinct words
        self._word_trigrams: dict[str, set[str]] = {}  # trigram -> words
        self.rebuild()
        store.on_commit("items", self._on_commit)

    # ------------------------------------------------------------- upkeep
    def rebuild(self) -> None:
        """Index every active item of the shop, building each sorted structure in bulk."""
        entries: dict[str, _Entry] = {}
        by_code: dict[str, set[str]] = {}
        postings: dict[str, list[tuple[str, str]]] = {}
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
                    postings[word] = [(entry.name, entry.key)]
                else:
                    posting.append((entry.name, entry.key))
        for posting in postings.values():
            posting.sort()
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
                self._postings[word] = [(entry.name, key)]
                self._vocabulary.add(word)
                if _wants_trigrams(word):
                    for gram in _trigrams(word):
                        self._word_trigrams.setdefault(gram, set()).add(word)
            else:
                bisect.insort(posting, (entry.name, key))

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
            at = bisect.bisect_left(posting, (entry.name, key))
            if at < len(posting) and posting[at] == (entry.name, key):
                del posting[at]
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
        parts = " ".join(_WORD.findall(text)).split()
        if not parts:
            return chosen
        take(self._matching(parts, self._prefix_words, limit - len(chosen), seen))
        if len(chosen) >= limit:
            return chosen
        take(self._matching(parts, self._substring_words, limit - len(chosen), seen))
        return chosen

    def _matching(self, parts: list[str], words_for: Any, needed: int,
                  seen: set[str]) -> list[str]:
        """The first ``needed`` items (by name) in which every part matches some word.

        Postings are kept sorted by name, so merging the driving part's postings yields
        candidates in name order: when matches are common this finds them in about
        ``needed`` steps whatever the posting sizes. When the first few hundred candidates
        do not fill the answer, the parts' item sets are intersected and sorted instead.
        """
        word_lists = [list(words_for(part)) for part in parts]
        sizes = [sum(len(self._postings[w]) for w in words) for words in word_lists]
        drive = min(range(len(parts)), key=sizes.__getitem__)
        others = [set(words) for i, words in enumerate(word_lists) if i != drive]
        entries = self._entries
        if len(word_lists[drive]) <= _MERGE_WORDS:
            found: list[str] = []
            for steps, (_, key) in enumerate(
                    heapq.merge(*(self._postings[w] for w in word_lists[drive]))):
                if steps >= _STREAM_STEPS:
                    break
                if key in seen or key in found:
                    continue
                words = entries[key].words
                if all(not words.isdisjoint(other) for other in others):
                    found.append(key)
                    if len(found) >= needed:
                        return found
            else:
                return found  # the whole stream was read: that is every match
        sets = sorted(({key for w in words for _, key in self._postings[w]}
                       for words in word_lists), key=len)
        keys = sets[0]
        for other in sets[1:]:
            keys = keys & other
            if not keys:
                return []
        return heapq.nsmallest(needed, keys - seen, key=lambda k: (entries[k].name, k))

    def _prefix_words(self, part: str) -> Iterable[str]:
        return self._vocabulary.irange(part, part + "\uffff")

    def _substring_words(self, part: str) -> Iterable[str]:
        if len(part) < 3:
            # one or two letters inside words would match nearly everything: prefix only
            return self._prefix_words(part)
        grams = sorted((self._word_trigrams.get(g, set()) for g in _trigrams(part)), key=len)
        if not grams:
            return []
        candidates = set(grams[0])
        for other in grams[1:]:
            candidates &= other
        return [w for w in candidates if part in w]


def key_to_id(key: str) -> Any:
    return ObjectId(key) if ObjectId.is_valid(key) else key
