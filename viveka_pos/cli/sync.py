"""``sync``: push this PC's changes to the remote MongoDB and pull the other PCs' changes.

The remote address comes from ``--remote``, else ``VIVEKA_MONGO_URL``, else Settings
(``remoteUrl``); the database from ``--database``, else Settings (``remoteDatabase``), else the
one the address names, else the shop's own (``viveka_<phone>``) — :func:`.common.remote_url`
and :func:`.common.remote_database`, shared with
``login``. The address is never printed with its password.

Syncing needs this PC's login for the shop (``login --phone P``): without a valid one the
command says so and exits 1, and nothing is sent or read. A PC whose login was ended on
another PC delivers what it recorded before it heard of that, then stops syncing until it
logs in again; ``bill`` and the other offline commands keep working meanwhile.

A second PC joins an existing shop with ``login --phone P --remote URL`` (see
``services/join.py``): it brings the shop's document, logs in with the OTP, saves the address in
Settings and runs the first (full) sync. If that sync stops half way (the network dropped),
the login stands and a plain ``sync`` here finishes it: a shop's first pull stays a full one
until one has finished.
"""

from __future__ import annotations

import sys
from typing import Any

from ..gateways.remote import RemoteError, connect
from ..services.auth import AuthService
from ..services.device import DeviceSettings
from ..services.otp import OtpService
from ..services.shop import ShopService
from ..services.sync_rules import SHOP_RULES
from ..sync.engine import REVOKED_MESSAGE, SyncEngine
from ..sync.login import LoginRequiredError, login_gate
from .common import (
    NO_REMOTE,
    CommandError,
    add_remote_options,
    context_for,
    opened_store,
    print_json,
    remote_database,
    remote_url,
    run_command,
)

NOT_ON_THIS_PC = (
    "the remote database address was set for this shop but is not saved on "
    "this computer (a restored backup or a copied data folder never carries "
    "it): enter it again in Settings → Sync, or use --remote"
)


def register(subparsers: Any) -> None:
    cmd = subparsers.add_parser(
        "sync", help="sync this shop with the remote database (push, then pull)"
    )
    add_remote_options(cmd)
    cmd.add_argument("--shop", help="phone number of the shop to sync (default: this PC's shop)")
    cmd.add_argument(
        "--full",
        action="store_true",
        help="read every document of the shop, not only recent changes",
    )
    cmd.add_argument("--json", action="store_true", help="print the full report as JSON")
    cmd.set_defaults(func=_sync)


def _sync(args: Any) -> int:
    def body() -> int:
        with opened_store(args) as store:
            ctx = context_for(store)
            device = DeviceSettings(store)
            settings = device.current()
            url = remote_url(args.remote, settings)
            if not url and "remoteUrl" in device.missing_secrets():
                raise CommandError(NOT_ON_THIS_PC)
            if not url:
                raise CommandError(NO_REMOTE)
            shops = ShopService(ctx)
            shop = shops.find_by_phone(args.shop) if args.shop else shops.local_shop()
            if shop is None:
                raise CommandError(
                    "no shop on this computer to sync: register one, or join "
                    "one with login --phone P --remote URL"
                    if not args.shop
                    else f"no shop {args.shop} here"
                )
            database = remote_database(args.database, settings, url=url, phone=shop.phone_number)
            gate = login_gate(AuthService(ctx, OtpService(ctx)), shop.id)
            refusal = gate()
            if refusal:
                raise CommandError(
                    f"not syncing: {refusal}. Log in first: viveka-pos login --phone "
                    f"{shop.phone_number or 'P'} (billing works offline meanwhile; "
                    f"{store.outbox_size()} change(s) wait to be sent)"
                )
            try:
                remote = connect(url, database, timeout_ms=int(args.timeout * 1000))
                try:
                    engine = SyncEngine(
                        store, remote, shop.id, ctx.device_id, gate=gate, rules=SHOP_RULES
                    )
                    report = engine.sync_once(full=True if args.full else None)
                finally:
                    remote.close()
            except (RemoteError, LoginRequiredError) as exc:
                raise CommandError(str(exc)) from None
            if args.json:
                print_json(report.as_dict())
            else:
                _print_report(report, remote.masked_url, database)
            if report.session_revoked:
                print(
                    f"warning: {REVOKED_MESSAGE}: this computer's login was ended on "
                    "another computer; what it recorded until now was sent, and it syncs "
                    "no more until you log in again (viveka-pos login --phone "
                    f"{shop.phone_number or 'P'})",
                    file=sys.stderr,
                )
            return 0

    return run_command(body)


def _print_report(report: Any, masked_url: str, database: str) -> None:
    push, pull = report.push, report.pull
    print(f"remote: {masked_url} (database {database})")
    print(
        f"pushed: {report.pushed} (already there or newer on the remote: "
        f"{push.superseded + report.second_push.superseded})"
    )
    print(
        f"pulled: {pull.received} received, {pull.applied} applied, "
        f"{pull.unchanged} unchanged, {pull.deleted} deleted, {pull.merged} merged"
        + (" (full)" if pull.full else "")
    )
    print(f"pending: {report.pending}")
    print(f"dead letters: {report.dead_letters}")
    for warning in report.index_warnings:
        print(f"warning: remote index: {warning}", file=sys.stderr)
