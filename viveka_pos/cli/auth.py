"""``register``, ``login``, ``logout``, ``whoami`` and ``send-otp``: OTP sign-in from a terminal.

Without ``--otp`` the command sends the OTP and asks for it on stdin, again after a wrong
one while tries are left. ``--otp CODE`` uses an OTP already sent (by ``send-otp`` or an
earlier run); in demo mode, where the OTP is always 1234, it is issued on the spot.

``login`` joins a shop kept on the remote database (a second PC of the shop; ``services/join.py``)
when a remote is given (``--remote`` or ``VIVEKA_MONGO_URL``), or when the shop is not on
this PC and Settings has a remote address: the shop's document comes first, then the OTP,
then the first full sync. A remote given on the command line is reached before the data
folder is touched, so an unreachable one changes nothing here. Without a remote, and with
the shop on this PC, login needs no network but the SMS.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from contextlib import ExitStack, closing
from typing import Any, TypeVar

from ..gateways.remote import RemoteDatabase, RemoteError, connect
from ..gateways.sms import SmsError
from ..services.auth import AuthService, Session
from ..services.context import ServiceContext
from ..services.device import DeviceSettings
from ..services.join import (
    bring_shop,
    describe_counts,
    first_sync,
    forget_shop,
    isolation_warnings,
    join_login,
    shop_remote_database,
)
from ..services.otp import MOCK_OTP, OtpChallenge, OtpCooldownError, OtpError, OtpService
from ..services.shop import ShopService
from .common import (
    CommandError,
    add_remote_options,
    context_for,
    opened_store,
    remote_database,
    remote_url,
    run_command,
)

T = TypeVar("T")


def register(subparsers: Any) -> None:
    reg = subparsers.add_parser("register", help="register this shop (an OTP is sent by SMS)")
    reg.add_argument("--phone", required=True, help="the shop's mobile number")
    reg.add_argument("--owner", required=True, help="owner's full name")
    reg.add_argument("--business", required=True, help="business (legal) name")
    reg.add_argument("--shop-name", default="", help="name shown on bills, if different")
    reg.add_argument("--gstin", default="", help="the shop's GSTIN, if registered for GST")
    reg.add_argument("--otp", help="an OTP already received (skips sending and the prompt)")
    reg.set_defaults(func=_register)

    login = subparsers.add_parser(
        "login",
        help="log in on this computer with an OTP; with a remote database, join a "
        "shop kept there (a second PC of the shop)",
    )
    login.add_argument("--phone", required=True, help="the shop's mobile number")
    login.add_argument("--otp", help="an OTP already received (skips sending and the prompt)")
    add_remote_options(login)
    login.set_defaults(func=_login)

    logout = subparsers.add_parser("logout", help="end the login of this computer")
    logout.set_defaults(func=_logout)

    whoami = subparsers.add_parser("whoami", help="show the shop logged in on this computer")
    whoami.set_defaults(func=_whoami)

    send = subparsers.add_parser("send-otp", help="send an OTP, to use later with --otp")
    send.add_argument("--phone", required=True, help="the shop's mobile number")
    send.add_argument("--purpose", choices=("register", "login"), required=True)
    send.set_defaults(func=_send_otp)


def _keep_log_records_off_the_terminal() -> None:
    """With no logging configured, Python prints warnings to stderr, which would add a second
    line (e.g. the SMS gateway's own warning) before the one-line error. Records go nowhere
    instead, unless a handler was set up (the app's log file, or a test's capture)."""
    package = logging.getLogger("viveka_pos")
    if not logging.getLogger().handlers and not package.handlers:
        package.addHandler(logging.NullHandler())


def _context_services(store: Any) -> tuple[ServiceContext, OtpService, AuthService]:
    _keep_log_records_off_the_terminal()
    ctx = context_for(store)
    otp = OtpService(ctx)
    return ctx, otp, AuthService(ctx, otp)


def _services(store: Any) -> tuple[OtpService, AuthService]:
    _, otp, auth = _context_services(store)
    return otp, auth


def _sms_guard(body: Callable[[], T]) -> T:
    """SMS failures carry a user-facing message; report it as a command error."""
    try:
        return body()
    except SmsError as exc:
        message = str(exc)
    raise CommandError(message)


def _announce(challenge: OtpChallenge) -> None:
    if challenge.mock:
        print(f"Demo mode — OTP is {MOCK_OTP}", file=sys.stderr)


def _send_or_reuse(
    otp: OtpService, purpose: str, phone: str, start: Callable[[str], OtpChallenge]
) -> OtpChallenge:
    """Send an OTP; within the cool-down, keep using the one just sent."""
    try:
        challenge = _sms_guard(lambda: start(phone))
    except OtpCooldownError:
        pending = otp.pending(phone, purpose)
        if pending is None:
            raise
        print("An OTP was sent to this number moments ago; enter that one.", file=sys.stderr)
        challenge = pending
    _announce(challenge)
    return challenge


def _with_otp(
    args: argparse.Namespace,
    otp: OtpService,
    purpose: str,
    start: Callable[[str], OtpChallenge],
    use: Callable[[str], T],
) -> T:
    """Get an OTP (given, or sent and typed in) and call ``use`` with it."""
    phone = args.phone
    if args.otp is not None:
        if otp.pending(phone, purpose) is None:
            if not otp.is_mock():
                raise CommandError(
                    "no OTP is waiting for this number — run without --otp, or use send-otp"
                )
            _announce(_sms_guard(lambda: start(phone)))
        return use(args.otp)
    challenge = _send_or_reuse(otp, purpose, phone, start)
    while True:
        code = _prompt(f"Enter the OTP sent to {challenge.masked_phone}: ")
        try:
            return use(code)
        except OtpError as exc:
            if not exc.retry:
                raise
            print(exc.message, file=sys.stderr)


def _prompt(text: str) -> str:
    print(text, end="", file=sys.stderr, flush=True)
    line = sys.stdin.readline()
    if not sys.stdin.isatty():
        print(file=sys.stderr)  # the typed line was not echoed: end the prompt's line
    if not line:
        raise CommandError("no OTP entered")
    return line.strip()


def _register(args: argparse.Namespace) -> int:
    def body() -> int:
        with opened_store(args) as store:
            otp, auth = _services(store)
            shop = _with_otp(
                args,
                otp,
                "register",
                auth.start_register,
                lambda code: auth.register(
                    args.phone,
                    code,
                    args.owner,
                    args.business,
                    shopName=args.shop_name,
                    gstin=args.gstin,
                ),
            )
        print(f"Registered {shop.business_name} ({shop.phone_number}).")
        print(f"Log in with: viveka-pos login --phone {shop.phone_number}")
        return 0

    return run_command(body)


def _login(args: argparse.Namespace) -> int:
    def body() -> int:
        with ExitStack() as stack:
            given = remote_url(args.remote)  # --remote, else VIVEKA_MONGO_URL
            remote = (
                stack.enter_context(
                    closing(
                        _connect(
                            given,
                            shop_remote_database(args.database or "", given, args.phone),
                            args,
                        )
                    )
                )
                if given
                else None
            )
            with opened_store(args) as store:
                ctx, otp, auth = _context_services(store)
                settings = DeviceSettings(store).current()
                url = given
                if remote is None and ShopService(ctx).find_by_phone(args.phone) is None:
                    url = remote_url(None, settings)
                if remote is None and not url:
                    return _login_here(args, otp, auth)
                database = remote_database(args.database, settings, url=url, phone=args.phone)
                if remote is None or remote.name != database:
                    remote = stack.enter_context(closing(_connect(url, database, args)))
                return _join(args, ctx, otp, auth, remote, url)

    return run_command(body)


def _connect(url: str, database: str, args: argparse.Namespace) -> RemoteDatabase:
    try:
        return connect(url, database, timeout_ms=int(args.timeout * 1000))
    except RemoteError as exc:
        raise CommandError(str(exc)) from None


def _login_here(args: argparse.Namespace, otp: OtpService, auth: AuthService) -> int:
    """Log in to a shop kept on this PC (no remote database involved)."""
    session = _with_otp(
        args, otp, "login", auth.start_login, lambda code: auth.login(args.phone, code)
    )
    _print_login(session)
    return 0


def _join(
    args: argparse.Namespace,
    ctx: ServiceContext,
    otp: OtpService,
    auth: AuthService,
    remote: RemoteDatabase,
    url: str,
) -> int:
    """Join the shop kept on ``remote``: its document, the OTP, then the first full sync."""
    for warning in isolation_warnings(url, remote.name, args.phone):
        print(f"warning: {warning}", file=sys.stderr)
    prepared = bring_shop(ctx, remote, args.phone)
    otp, auth = join_login(ctx, remote, prepared)
    try:
        session = _with_otp(
            args, otp, "login", auth.start_login, lambda code: auth.login(args.phone, code)
        )
    except BaseException:
        forget_shop(ctx.store, prepared)  # no login: leave no shop behind
        raise
    _print_login(session)
    print(
        f"Bringing the shop's data from {remote.masked_url} (database {remote.name})…",
        file=sys.stderr,
        flush=True,
    )
    before = DeviceSettings(ctx.store).current().invoice_prefix
    result = first_sync(ctx, remote, prepared, session, url=url)
    if result.report is not None:
        pull = result.report.pull
        print(
            f"Joined from {remote.masked_url} (database {remote.name}): pulled "
            f"{pull.received} documents ({pull.applied} applied)."
        )
    print(f"On this computer now: {describe_counts(result.counts)}.")
    if result.series_changed:
        print(
            f"Invoice series of this computer: {result.series} (series {before} may be "
            "another computer's; change it in Settings)."
        )
    else:
        print(f"Invoice series of this computer: {result.series}.")
    if result.report is not None and result.report.dead_letters:
        print(
            f"warning: {result.report.dead_letters} document(s) could not be synced; "
            "see Settings → Sync",
            file=sys.stderr,
        )
    if not result.complete:
        raise CommandError(
            f"the first sync stopped: {result.error} — you stay logged in; "
            "run `viveka-pos sync` to bring the rest"
        )
    return 0


def _print_login(session: Session) -> None:
    shop = session.shop
    print(
        f"Logged in: {shop.business_name} ({shop.phone_number}); "
        f"valid until {session.expires_at:%Y-%m-%d} (UTC)."
    )


def _logout(args: argparse.Namespace) -> int:
    def body() -> int:
        with opened_store(args) as store:
            _, auth = _services(store)
            ended = auth.logout()
        print("Logged out." if ended else "Not logged in.")
        return 0

    return run_command(body)


def _whoami(args: argparse.Namespace) -> int:
    def body() -> int:
        with opened_store(args) as store:
            _, auth = _services(store)
            check = auth.check_session()
        if check.session is None:
            reason = check.reason
            raise CommandError(
                f"{reason} (viveka-pos login --phone PHONE)"
                if reason.startswith("not logged in")
                else f"not logged in: {reason}"
            )
        shop = check.session.shop
        print(
            f"{shop.business_name} ({shop.phone_number}), device "
            f"{check.session.device_id}; valid until {check.session.expires_at:%Y-%m-%d} (UTC)."
        )
        return 0

    return run_command(body)


def _send_otp(args: argparse.Namespace) -> int:
    def body() -> int:
        with opened_store(args) as store:
            _, auth = _services(store)
            start = auth.start_register if args.purpose == "register" else auth.start_login
            challenge = _sms_guard(lambda: start(args.phone))
        _announce(challenge)
        minutes = (challenge.expires_at - challenge.created_at).seconds // 60
        print(f"OTP sent to {challenge.masked_phone}; it is valid for {minutes} minutes.")
        return 0

    return run_command(body)
