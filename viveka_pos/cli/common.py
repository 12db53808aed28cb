"""Helpers shared by CLI commands: open the store, report errors in one line, and find the
remote database (``sync`` and ``login`` take the same options)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from ..config import DEVICE_FILE, load_device_id, resolve_data_dir
from ..domain.entities.device import DeviceConfig
from ..domain.errors import ValidationError
from ..files import OutputFileError, reason
from ..gateways.remote import DEFAULT_DATABASE
from ..services.context import ServiceContext
from ..services.join import shop_remote_database, url_parts
from ..store import DB_FILE, Store, StoreCorruptError, StoreError, open_store
from ..store.errors import StoreUpgradeNeededError
from ..store.opening import had_store


class CommandError(Exception):
    """A failure to report as one line on stderr with a non-zero exit."""


NO_SHOP: Final = (
    "there is no shop on this computer yet: run `viveka-pos demo` or `viveka-pos register`"
)


@contextmanager
def opened_store(args: Any, *, read_only: bool = False) -> Iterator[Store]:
    """The store of ``--data-dir``. ``read_only`` for commands that only read (reports,
    checks, exports, backups): nothing in the folder is written, so they work on a full
    disk or a write-protected drive, and a mistyped folder is not made into a new shop."""
    if read_only:
        folder = resolve_data_dir(args.data_dir)
        if not (folder / DB_FILE).exists() and not had_store(folder):
            raise CommandError(f"{NO_SHOP} (no data in {folder})")
        try:
            store = open_store(folder, read_only=True)
        except StoreUpgradeNeededError:  # older data: a normal open upgrades it (backup first)
            store = open_store(folder)
    else:
        store = open_store(args.data_dir)
    try:
        yield store
    finally:
        store.close()


def context_for(store: Store) -> ServiceContext:
    if store.read_only and not (store.data_dir / DEVICE_FILE).is_file():
        device_id = "pc-read-only"  # never recorded: a read-only store saves nothing
    else:
        device_id = load_device_id(store.data_dir)
    return ServiceContext(store=store, device_id=device_id)


SEE_DOCTOR: Final = "Run `viveka-pos doctor` to see which backup to restore."


def run_command(body: Callable[[], int | None]) -> int:
    """Run a command body; turn expected failures into one stderr line and exit code 1."""
    try:
        return int(body() or 0)
    except ValidationError as exc:
        print(f"error: {exc.field}: {exc.message}", file=sys.stderr)
    except StoreCorruptError as exc:
        print(f"error: {exc} {SEE_DOCTOR}", file=sys.stderr)
    except (StoreError, CommandError) as exc:
        print(f"error: {exc}", file=sys.stderr)
    except OSError as exc:  # a path the user gave: one line naming it, never a traceback
        print(f"error: {describe_path_error(exc)}", file=sys.stderr)
    return 1


def describe_path_error(exc: OSError) -> str:
    if isinstance(exc, OutputFileError) or exc.filename is None:
        return str(exc)
    return f"{exc.filename}: {reason(exc)}"


def link_note(given: str, written: Path) -> str:
    """`` (through the link, into TARGET)`` when ``given`` is a link that was written
    through (see ``viveka_pos.files``), else ''."""
    return f" (through the link, into {written})" if Path(given).is_symlink() else ""


def print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str))


URL_ENV: Final = "VIVEKA_MONGO_URL"
NO_REMOTE: Final = (
    f"no remote database address: use --remote, set {URL_ENV}, or save it in Settings"
)


def add_remote_options(cmd: Any) -> None:
    """``--remote``, ``--database`` and ``--timeout``, as ``sync`` and ``login`` take them."""
    cmd.add_argument(
        "--remote", help=f"mongodb:// or mongodb+srv:// address (default: {URL_ENV}, then Settings)"
    )
    cmd.add_argument(
        "--database",
        help="remote database name (default: Settings, then the "
        "one in the address, then the shop's own, "
        "viveka_<phone>)",
    )
    cmd.add_argument(
        "--timeout", type=float, default=5.0, help="seconds to wait for the remote (default: 5)"
    )


def remote_url(option: str | None, settings: DeviceConfig | None = None) -> str:
    """The remote database address: ``--remote``, else ``VIVEKA_MONGO_URL``, else the one
    saved in Settings (when ``settings``, i.e. ``DeviceSettings.current()``, is given); ''
    when there is none."""
    return (
        (option or "").strip()
        or os.environ.get(URL_ENV, "").strip()
        or (settings.remote_url.strip() if settings is not None else "")
    )


def remote_database(
    option: str | None,
    settings: DeviceConfig | None = None,
    *,
    url: str = "",
    phone: object = None,
) -> str:
    """``--database``, else the one saved in Settings, else the one the address names, else
    the shop's own database (``viveka_<phone>``; ``vivekaDB`` when no shop is known)."""
    saved = settings.remote_database.strip() if settings is not None else ""
    chosen = (option or "").strip() or saved
    if phone is None:
        return chosen or url_parts(url)[1] or DEFAULT_DATABASE
    return shop_remote_database(chosen, url, phone)
