"""New document ids: MongoDB ObjectIds made without a system call each.

``bson.ObjectId()`` asks the operating system for the process id on every call (to notice a
fork); a bill makes about a hundred ids, and on a virtual machine those calls added a fifth
of a millisecond to each bill. These ids have the same layout and guarantees — 4 bytes of
seconds, 5 random bytes chosen once per process (again in a forked child), and a 3-byte
counter starting at a random value — so they sort by creation time like any ObjectId.
"""

from __future__ import annotations

import itertools
import os
import struct
import time

from bson import ObjectId

_SECONDS = struct.Struct(">I")
_COUNTER_MASK = 0xFFFFFF


def _fresh_state() -> tuple[bytes, itertools.count[int]]:
    return os.urandom(5), itertools.count(int.from_bytes(os.urandom(3), "big"))


_process_part, _counter = _fresh_state()


def _after_fork() -> None:
    global _process_part, _counter
    _process_part, _counter = _fresh_state()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def new_id() -> ObjectId:
    """A new, unique ObjectId (``next`` on the counter is atomic under the GIL)."""
    count = next(_counter) & _COUNTER_MASK
    return ObjectId(_SECONDS.pack(int(time.time()) & 0xFFFFFFFF) + _process_part
                    + count.to_bytes(3, "big"))
