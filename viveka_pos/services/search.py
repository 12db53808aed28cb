"""Instant item search for the billing screen: name, code and barcode.

Mongita has no ``$regex``, and scanning 100k names per keystroke is too slow, so the shop's
active items are kept in an in-memory index that follows every committed write to
``items`` (``store.on_commit``), whoever made it (this screen, an import, a sync pull).

Matching is case-insensitive. A query is split into terms; an item matches when every term
is found in its name. Results are ranked: exact code/barcode, codes starting with the query,
names starting with the query, items where every term starts a word, then substring matches
inside words; ties by name.

How a term is matched: the distinct words of all names form a sorted vocabulary (and a
trigram index over it, for substrings), and each word's postings are the set of its items
as ``(name, key)`` pairs. A term's items are the union of its words' postings, and the
terms' items are intersected, all with C-level set operations; the first results in name
order come from a partial sort of the answer. Short prefixes shared by very many words
(``1``, ``15``, ``s``) have their union kept ready and up to date, so no keystroke has to
merge thousands of postings.
"""

from __future__ import annotations

import bisect
import heapq
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from bson import ObjectId
from sortedcontainers import SortedList

from ..store import Store
from ..store.heap import building

_WORD = re.compile(r"[0-9a-z\u0900-\u097f]+")

#: an item: its name (casefolded) and its key, ordered by name as the results are
NameKey = tuple[str, str]


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text))


#: a term matching more words than this is checked item by item, not expanded into sets
_BROAD_WORDS = 2000
#: answers up to this size are partially sorted; larger ones are read in name order
_SORT_AT_MOST = 2000
#: prefixes up to this long, of more words than ``_READY_FROM_WORDS``, keep their items ready
_READY_PREFIX_LENGTH = 3
_READY_FROM_WORDS = 300


def _wants_trigrams(word: str) -> bool:
    """Substring search inside words is for names ('rak' in 'brake'); numbers are found by
    prefix, so all-digit words are left out of the trigram index (it stays small)."""
    return len(word) >= 3 and not word.isdigit()


def _trigrams(word: str) -> set[str]:
    return {word[i:i + 3] for i in range(len(word) - 2)}


class _Posting:
    """The items of one word (or of a ready prefix): a set, for intersections, and the same
    items in name order, for reading the first few without sorting."""

    __slots__ = ("members", "ordered")

    def __init__(self, members: set[NameKey]):
        self.members = members
        self.ordered = sorted(members)

    def __len__(self) -> int:
        return len(self.members)

    def add(self, name_key: NameKey) -> None:
        if name_key not in self.members:
            self.members.add(name_key)
            bisect.insort(self.ordered, name_key)

    def discard(self, name_key: NameKey) -> None:
        if name_key in self.members:
            self.members.discard(name_key)
            del self.ordered[bisect.bisect_left(self.ordered, name_key)]


class _Matches:
    """The items a term matches: the sorted lists that hold them, read in name order or
    merged into one set (only when an intersection or a sort needs it)."""

    __slots__ = ("_items", "_postings", "size")

    def __init__(self, postings: list[_Posting]):
        self._postings = postings
        self._items: set[NameKey] | None = None
        self.size = sum(len(p) for p in postings)  # counts an item once per matching word

    @property
    def items(self) -> set[NameKey]:
        if self._items is None:
            postings = self._postings
            self._items = postings[0].members if len(postings) == 1 else set().union(
                *(p.members for p in postings))
        return self._items

    def in_order(self) -> Iterator[NameKey]:
        if len(self._postings) == 1:
            yield from self._postings[0].ordered
            return
        previous = None
        for name_key in heapq.merge(*(p.ordered for p in self._postings)):
            if name_key != previous:  # an item with two matching words comes twice
                yield name_key
                previous = name_key


_NOTHING = _Posting(set())


class _Entry:
    __slots__ = ("code", "key", "name", "name_key", "words")

    def __init__(self, key: str, name: str, code: str, words: frozenset[str]):
        self.key = key
        self.name = name
        self.code = code
        self.words = words
        self.name_key: NameKey = (name, key)  # one tuple, shared by every posting


class ItemSearchIndex:
    def __init__(self, store: Store, client_id: ObjectId):
        self._store = store
        self._client_id = client_id
        self._lock = threading.RLock()
        self._entries: dict[str, _Entry] = {}
        self._by_code: dict[str, set[str]] = {}
        self._codes = SortedList()  # (code, key), for code prefixes
        self._names = SortedList()  # (name, key)
        self._postings: dict[str, _Posting] = {}  # word -> its items
        self._vocabulary = SortedList()  # distinct words
        self._word_trigrams: dict[str, set[str]] = {}  # trigram -> words
        self._ready: dict[str, _Posting] = {}  # common short prefix -> its items
        self.rebuild()
        store.on_commit("items", self._on_commit)

    # ------------------------------------------------------------- upkeep
    def rebuild(self) -> None:
        """Index every active item of the shop, building each sorted structure in bulk."""
        # The index lives as long as the screen: built with the collector paused, then kept
        # out of its passes (heap.building), which would otherwise stall keystrokes.
        with building() as built:
            self._build()
            built.count = len(self._entries)

    def _build(self) -> None:
        entries: dict[str, _Entry] = {}
        by_code: dict[str, set[str]] = {}
        postings: dict[str, set[NameKey]] = {}
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
                    postings[word] = {entry.name_key}
                else:
                    posting.add(entry.name_key)
        word_trigrams: dict[str, set[str]] = {}
        words_per_prefix: Counter[str] = Counter()
        for word in postings:
            if _wants_trigrams(word):
                for gram in _trigrams(word):
                    word_trigrams.setdefault(gram, set()).add(word)
            words_per_prefix.update(_short_prefixes(word))
        ready_sets: dict[str, set[NameKey]] = {
            prefix: set() for prefix, count in words_per_prefix.items()
            if count > _READY_FROM_WORDS}
        for word, posting in postings.items():
            for prefix in _short_prefixes(word):
                items = ready_sets.get(prefix)
                if items is not None:
                    items |= posting
        ready = {prefix: _Posting(items) for prefix, items in ready_sets.items()}
        with self._lock:
            self._entries = entries
            self._by_code = by_code
            self._codes = SortedList((code, key) for code, keys in by_code.items()
                                     for key in keys)
            self._names = SortedList(e.name_key for e in entries.values())
            self._postings = {word: _Posting(items) for word, items in postings.items()}
            self._vocabulary = SortedList(postings)
            self._word_trigrams = word_trigrams
            self._ready = ready

    def _on_commit(self, changes: list[tuple[str, dict[str, Any] | None]]) -> None:
        with self._lock:
            for key, doc in changes:
                old = self._entries.get(key)
                new = None if doc is None else self._entry_for(key, doc)
                if old is not None and new is not None and (old.name, old.code) == (
                        new.name, new.code):
                    continue  # a sale changed its stock: nothing searchable changed
                self._remove(key)
                if new is not None:
                    self._add(new)

    def _entry_for(self, key: str, doc: dict[str, Any]) -> _Entry | None:
        if doc.get("clientId") != self._client_id or not doc.get("isActive", True):
            return None
        name = str(doc.get("name", "")).casefold()
        code = str(doc.get("code") or "").casefold()
        return _Entry(key, name, code, frozenset(_words(name)))

    def _add(self, entry: _Entry) -> None:
        key = entry.key
        self._entries[key] = entry
        if entry.code:
            self._by_code.setdefault(entry.code, set()).add(key)
            self._codes.add((entry.code, key))
        self._names.add(entry.name_key)
        for word in entry.words:
            posting = self._postings.get(word)
            if posting is None:
                self._postings[word] = _Posting({entry.name_key})
                self._vocabulary.add(word)
                if _wants_trigrams(word):
                    for gram in _trigrams(word):
                        self._word_trigrams.setdefault(gram, set()).add(word)
            else:
                posting.add(entry.name_key)
        for prefix in _entry_prefixes(entry):
            items = self._ready.get(prefix)
            if items is not None:
                items.add(entry.name_key)

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
        self._names.discard(entry.name_key)
        for prefix in _entry_prefixes(entry):
            items = self._ready.get(prefix)
            if items is not None:
                items.discard(entry.name_key)
        for word in entry.words:
            posting = self._postings.get(word)
            if posting is None:
                continue
            posting.discard(entry.name_key)
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
        if take(self._matching(parts, self._prefix_items, _starts_a_word, limit, seen)):
            return chosen
        take(self._matching(parts, self._substring_items, _inside_a_word, limit, seen))
        return chosen

    def _matching(self, parts: list[str], matches_for: Callable[[str], _Matches | None],
                  part_in: Callable[[str, frozenset[str]], bool], limit: int,
                  seen: set[str]) -> list[str]:
        """Keys of the first items (by name) in which every part matches some word, leaving
        out ``seen``; up to ``limit`` of them."""
        expanded: list[_Matches] = []
        broad: list[str] = []
        for part in parts:
            matches = matches_for(part)
            if matches is None:
                broad.append(part)
            elif not matches.size:
                return []
            else:
                expanded.append(matches)
        expanded.sort(key=lambda m: m.size)
        if len(expanded) == 1 and not broad:
            return self._unseen(expanded[0].in_order(), limit, seen)
        answer: set[NameKey] | None = None
        for matches in expanded:
            answer = matches.items if answer is None else answer & matches.items
            if not answer:
                return []

        def fits(name_key: NameKey) -> bool:
            item_words = self._entries[name_key[1]].words
            return all(part_in(part, item_words) for part in broad)

        # The ``limit`` first leave at least ``limit - len(seen)`` unseen: all that is needed.
        ordered: Iterable[NameKey]
        if answer is None:  # every part is broad: walk all names in order
            ordered = filter(fits, self._names)
        elif len(answer) <= _SORT_AT_MOST:
            ordered = heapq.nsmallest(limit, filter(fits, answer) if broad else answer)
        else:
            # A large answer is dense in the rarest term's items: read those in name order.
            within = answer
            ordered = (nk for nk in expanded[0].in_order()
                       if nk in within and (not broad or fits(nk)))
        return self._unseen(ordered, limit, seen)

    @staticmethod
    def _unseen(ordered: Iterable[NameKey], limit: int, seen: set[str]) -> list[str]:
        found = []
        for name_key in ordered:
            if name_key[1] not in seen:
                found.append(name_key[1])
                if len(found) >= limit:
                    break
        return found

    def _prefix_items(self, part: str) -> _Matches | None:
        """Items with a word starting with ``part``; None when that is too many words to
        merge (then each item is checked instead)."""
        ready = self._ready.get(part)
        if ready is not None:
            return _Matches([ready])
        vocabulary = self._vocabulary
        low = vocabulary.bisect_left(part)
        high = vocabulary.bisect_left(part + "\uffff")
        if high - low > _BROAD_WORDS:
            return None
        return self._matches(list(vocabulary.islice(low, high)))

    def _substring_items(self, part: str) -> _Matches | None:
        """Items with a word containing ``part`` (numbers only by prefix); None when that is
        too many words to merge."""
        if len(part) < 3:
            # one or two letters inside words would match nearly everything: prefix only
            return self._prefix_items(part)
        grams = sorted((self._word_trigrams.get(g, set()) for g in _trigrams(part)), key=len)
        candidates = set(grams[0])
        for other in grams[1:]:
            candidates &= other
        words = [w for w in candidates if part in w]
        return self._matches(words) if len(words) <= _BROAD_WORDS else None

    def _matches(self, words: list[str]) -> _Matches:
        if not words:
            return _Matches([_NOTHING])
        return _Matches([self._postings[w] for w in words])


def _short_prefixes(word: str) -> list[str]:
    return [word[:n] for n in range(1, min(len(word), _READY_PREFIX_LENGTH) + 1)]


def _entry_prefixes(entry: _Entry) -> set[str]:
    return {prefix for word in entry.words for prefix in _short_prefixes(word)}


def _starts_a_word(part: str, words: frozenset[str]) -> bool:
    return any(word.startswith(part) for word in words)


def _inside_a_word(part: str, words: frozenset[str]) -> bool:
    """What ``_substring_items`` finds, item by item (numbers are not searched inside)."""
    if len(part) < 3:
        return _starts_a_word(part, words)
    return any(part in word for word in words if _wants_trigrams(word))


def key_to_id(key: str) -> Any:
    return ObjectId(key) if ObjectId.is_valid(key) else key
