"""``sync``: push this PC's changes to the remote MongoDB and pull the other PCs' changes.

The remote address comes from ``--remote``, else ``VIVEKA_MONGO_URL``, else Settings
(``remoteUrl``); the database from ``--database``, else Settings (``remoteDatabase``, default
``vivekaDB``). The address is never printed with its password.

Joining a second PC to an existing shop (``login --remote``) is not done here yet: it needs
the OTP login to look the shop up on the remote by phone when it is not on this PC, save the
remote address in the device settings, and then run a first (full) sync for that shop — the
sync itself already handles an empty PC (see ``SyncEngine``, whose first pull is a full one).
"""

from __future__ import annotations

import os
import sys
from typing import Any

from ..gateways.remote import DEFAULT_DATABASE, RemoteError, connect
from ..services.device import DeviceSettings
from ..services.shop import ShopService
from ..sync.engine import REVOKED_MESSAGE, SyncEngine
from .common import CommandError, context_for, opened_store, print_json, run_command

URL_ENV = "VIVEKA_MONGO_URL"


def register(subparsers: Any) -> None:
    cmd = subparsers.add_parser(
        "sync", help="sync this shop with the remote database (push, then pull)")
    cmd.add_argument("--remote", help=f"mongodb:// or mongodb+srv:// address (default: "
                                      f"{URL_ENV}, then Settings)")
    cmd.add_argument("--database", help="remote database name (default: Settings, then "
                                        f"{DEFAULT_DATABASE})")
    cmd.add_argument("--shop", help="phone number of the shop to sync (default: this PC's shop)")
    cmd.add_argument("--full", action="store_true",
                     help="read every document of the shop, not only recent changes")
    cmd.add_argument("--timeout", type=float, default=5.0,
                     help="seconds to wait for the remote (default: 5)")
    cmd.add_argument("--json", action="store_true", help="print the full report as JSON")
    cmd.set_defaults(func=_sync)


def _sync(args: Any) -> int:
    def body() -> int:
        with opened_store(args) as store:
            ctx = context_for(store)
            settings = DeviceSettings(store).all()
            url = args.remote or os.environ.get(URL_ENV, "").strip() or settings["remoteUrl"]
            if not url:
                raise CommandError(
                    f"no remote database address: use --remote, set {URL_ENV}, or save it "
                    "in Settings")
            database = args.database or settings.get("remoteDatabase") or DEFAULT_DATABASE
            shops = ShopService(ctx)
            shop = shops.find_by_phone(args.shop) if args.shop else shops.local_shop()
            if shop is None:
                raise CommandError("no shop on this computer to sync: register or log in "
                                   "first" if not args.shop else f"no shop {args.shop} here")
            try:
                remote = connect(url, database, timeout_ms=int(args.timeout * 1000))
                try:
                    engine = SyncEngine(store, remote, shop["_id"], ctx.device_id)
                    report = engine.sync_once(full=True if args.full else None)
                finally:
                    remote.close()
            except RemoteError as exc:
                raise CommandError(str(exc)) from None
            if args.json:
                print_json(report.as_dict())
            else:
                _print_report(report, remote.masked_url, database)
            if report.session_revoked:
                print(f"warning: {REVOKED_MESSAGE}", file=sys.stderr)
            return 0

    return run_command(body)


def _print_report(report: Any, masked_url: str, database: str) -> None:
    push, pull = report.push, report.pull
    print(f"remote: {masked_url} (database {database})")
    print(f"pushed: {report.pushed} (already there or newer on the remote: "
          f"{push.superseded + report.second_push.superseded})")
    print(f"pulled: {pull.received} received, {pull.applied} applied, "
          f"{pull.unchanged} unchanged, {pull.deleted} deleted, {pull.merged} merged"
          + (" (full)" if pull.full else ""))
    print(f"pending: {report.pending}")
    print(f"dead letters: {report.dead_letters}")
    for warning in report.index_warnings:
        print(f"warning: remote index: {warning}", file=sys.stderr)
