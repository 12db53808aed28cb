"""One shared helper object per open store (report ledgers), freed with the store.

Helpers that follow commits register listeners on the store, and a store cannot forget a
listener; making each helper once per store keeps a second report screen (or a second
``ShopServices``) from registering and maintaining the same structures twice. A helper must
not keep a reference to the store itself, or the store could never be freed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from ..store import Store

T = TypeVar("T")

_SHARED: WeakKeyDictionary[Store, dict[str, Any]] = WeakKeyDictionary()
_LOCK = threading.Lock()


def shared(store: Store, name: str, factory: Callable[[Store], T]) -> T:
    """The ``name`` helper of ``store``, made by ``factory(store)`` on first use."""
    with _LOCK:
        helpers = _SHARED.get(store)
        if helpers is None:
            helpers = _SHARED[store] = {}
        helper = helpers.get(name)
        if helper is None:
            helper = helpers[name] = factory(store)
        return helper
