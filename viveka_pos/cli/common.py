"""Helpers shared by CLI commands: open the store, report errors in one line."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ..config import load_device_id
from ..domain.errors import ValidationError
from ..services.context import ServiceContext
from ..store import Store, StoreError, open_store


class CommandError(Exception):
    """A failure to report as one line on stderr with a non-zero exit."""


@contextmanager
def opened_store(args: Any) -> Iterator[Store]:
    store = open_store(args.data_dir)
    try:
        yield store
    finally:
        store.close()


def context_for(store: Store) -> ServiceContext:
    return ServiceContext(store=store, device_id=load_device_id(store.data_dir))


def run_command(body: Callable[[], int | None]) -> int:
    """Run a command body; turn expected failures into one stderr line and exit code 1."""
    try:
        return int(body() or 0)
    except ValidationError as exc:
        print(f"error: {exc.field}: {exc.message}", file=sys.stderr)
    except (StoreError, CommandError) as exc:
        print(f"error: {exc}", file=sys.stderr)
    return 1


def print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str))
