"""Cutting a stream of records into batches (one remote request, or one local unit of work,
per batch)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

T = TypeVar("T")


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last one shorter), read lazily."""
    if size < 1:
        raise ValueError(f"batch size must be at least 1 (got {size})")
    source = iter(items)
    while batch := list(islice(source, size)):
        yield batch
