"""Keeping Python's cyclic garbage collector off the shop's long-lived data.

The store keeps every document decoded in memory, and the search index holds a few objects
per item: millions of objects at a large shop. A full pass of the collector visits every
tracked object, so each one stalled a bill for 15 to 150 ms, and the stalls grew with the
heap, although documents never form reference cycles and are freed by reference counting
the moment they are replaced.

``gc.freeze()`` moves every object alive now out of the collector's passes (they are still
freed normally when nothing refers to them). It is called after loading a collection or
building an index, and again after every full pass, whose survivors are live by definition,
so each full pass only visits what survived since the last one. Full passes also come ten
times less often than Python's default (every 100 passes of the middle generation, not
10): a large shop's bills leave a few hundred index entries each, and visiting those costs
about 10 ms per pass wherever the pass falls, so fewer, larger passes keep all but about
one bill in a few hundred free of any.

The cost: a reference cycle among frozen objects that becomes garbage later is never
collected, which documents and indexes do not make. To keep that risk away from small shops
(and test suites), all this starts only once a large collection is loaded.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final

#: passes of the middle generation between two full passes, once the shop is large
FULL_PASS_EVERY: Final = 100
#: from this many documents (or index entries) on, survivors of full passes are frozen too
LARGE: Final = 20_000


class Built:
    """How many documents or entries a ``building`` block made (set it inside)."""

    count = 0


@contextmanager
def building() -> Iterator[Built]:
    """Around building long-lived data (decoding a collection, an index, a ledger): the
    collector is paused meanwhile, and what was built is frozen before it resumes.

    Objects made while the collector is paused still join its youngest generation, so
    without the freeze its next pass (of the *youngest* generation) would visit all of
    them: a stall of over a second after loading 300k documents. Set ``count`` on the
    yielded object to what the block built (see ``LARGE``).
    """
    built = Built()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield built
        keep_out_of_collections(built.count)
    finally:
        if was_enabled:
            gc.enable()


def keep_out_of_collections(count: int) -> None:
    """Leave every object alive now out of future collector passes; once ``count`` (the
    documents just loaded, the items just indexed) shows a large shop, do the same with the
    survivors of every full pass from now on."""
    gc.freeze()
    if count >= LARGE and _freeze_after_full_pass not in gc.callbacks:
        gc.callbacks.append(_freeze_after_full_pass)
        young, middle, _ = gc.get_threshold()
        gc.set_threshold(young, middle, FULL_PASS_EVERY)


def _freeze_after_full_pass(phase: str, info: dict[str, Any]) -> None:
    if phase == "stop" and info.get("generation") == 2:
        gc.freeze()
