"""Joining a shop from another PC: the shop is on the remote database but not on this PC yet.

The steps, in this order (the CLI's ``login --remote`` and the first-run "Join a shop…"
dialog both follow them; the dialog through :class:`JoinService`):

1. :func:`bring_shop` finds the shop on the remote by its phone number and, when this PC does
   not have it, applies its one document here the way a pull does (no outbox record). That is
   all that is read before the OTP: the login needs the shop known on this PC, nothing else.
2. The caller logs in with the OTP through :func:`join_login`: the OTP goes by SMS to the
   shop's phone and its session is kept in the remote's ``otpsessions``
   (``services/remote_otp.py``), so its tries and the hourly cap on sends are counted on the
   shop's side, not on the PC asking to join. Demo mode (fixed OTP) is refused: a shop that
   has a remote database is joined only by someone who receives its SMS.
3. :func:`first_sync` — given the session that login returned — saves the remote address in
   this PC's settings, runs the first (full) sync, and gives this PC an invoice series that no
   other PC of the shop uses. The sync pushes this PC's new session, and the remote ends the
   shop's older sessions on other PCs (the single-device policy, see ``sync/push.py``): the
   first PC is asked to log in again after its next sync.

A login that does not happen (wrong OTP given up on, dialog closed) should leave no shop
behind: :func:`forget_shop` removes a document brought in by step 1 while this PC holds no
login for it, so the PC is as it was and can join again (or set up a shop of its own).

If the network drops during the first sync, the login stands and the address is saved: the
next ``viveka-pos sync`` or the app's background sync brings the rest (a shop's first pull is
a full one until one finishes; what was applied before the drop stays).

One PC keeps one shop: a PC that holds another shop refuses to join.

Isolation between shops is the remote's job (docs/install.md, "One database per shop"):
each shop gets its own database, ``viveka_<phone>`` (:func:`shop_database`), and its own
MongoDB user allowed only that database. The address then names the database and its user
(``mongodb://shop_<phone>:…@host/viveka_<phone>``); :func:`shop_remote_database` takes it
from it, and :func:`isolation_warnings` says when an address would share one database, or
an administrator's user, between shops.
"""

from __future__ import annotations

import os
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import unquote

from bson import ObjectId
from pymongo.errors import PyMongoError

from ..domain import validation as v
from ..domain.entities.shop import Shop, shop_from_stored
from ..domain.errors import ValidationError
from ..domain.numbering import (
    parse_credit_note_number,
    parse_invoice_number,
    parse_order_number,
)
from ..gateways.remote import (
    DEFAULT_TIMEOUT_MS,
    RemoteConfigError,
    RemoteDatabase,
    RemoteError,
    RemoteUnavailableError,
    check_database_name,
    check_url,
    connect,
    mask_url,
    remote_failure,
)
from ..store import Store
from ..sync.engine import SyncEngine, SyncReport
from .auth import DEACTIVATED, AuthService, Session
from .context import ServiceContext
from .device import DEFAULTS as DEVICE_DEFAULTS
from .device import DeviceSettings
from .otp import DEFAULT_BCRYPT_ROUNDS, OtpService
from .remote_otp import RemoteOtpSessions
from .shop import ShopService
from .sync_rules import SHOP_RULES

Progress = Callable[[str], None]

#: Every PC starts with this series, so a PC joining a shop never takes it.
FIRST_PC_SERIES: Final = str(DEVICE_DEFAULTS["invoicePrefix"])

#: Series a joining PC picks from, in order: B … Z, then A1 … Z9.
SERIES_CHOICES: Final = tuple(
    [c for c in string.ascii_uppercase if c != FIRST_PC_SERIES]
    + [f"{c}{d}" for c in string.ascii_uppercase for d in "123456789"]
)

#: What the join reports having brought, by collection, with the word to print.
COUNTED: Final = (
    ("items", "items"),
    ("clientCustomers", "customers"),
    ("invoices", "invoices"),
    ("payments", "payments"),
    ("dealers", "dealers"),
    ("dealerorders", "dealer orders"),
)


@dataclass(frozen=True)
class PreparedShop:
    """The shop found on the remote, now on this PC. ``brought_in``: its document was
    applied by this join (it was not here before)."""

    shop: Shop
    brought_in: bool

    @property
    def client_id(self) -> ObjectId:
        return self.shop.id


@dataclass(frozen=True)
class JoinResult:
    shop: Shop
    report: SyncReport | None
    """The first sync's report; None when it stopped (see ``error``)."""
    counts: dict[str, int]
    """The shop's documents on this PC after the first sync, by collection."""
    series: str
    series_changed: bool
    error: str = ""
    """Why the first sync stopped ('' when it finished); the login stands either way."""

    @property
    def complete(self) -> bool:
        return not self.error


def shop_database(phone: object) -> str:
    """The shop's own database on the remote: ``viveka_<phone digits>``."""
    return f"viveka_{v.phone(phone, 'phoneNumber')}"


def url_parts(url: str) -> tuple[str, str]:
    """The user and the database an address names ('' for each it does not name)."""
    rest = url.split("://", 1)[-1]
    hosts, _, path = rest.partition("/")
    user = unquote(hosts.rpartition("@")[0].partition(":")[0]) if "@" in hosts else ""
    return user, unquote(path.partition("?")[0])


def shop_remote_database(chosen: str, url: str, phone: object) -> str:
    """The shop's database on the remote: the one chosen (typed, or saved in Settings), else
    the one the address names (a shop user's address does), else the shop's own
    (:func:`shop_database`) — the default for every new set-up."""
    return chosen.strip() or url_parts(url)[1] or shop_database(phone)


def isolation_warnings(url: str, database: str, phone: object) -> list[str]:
    """What in this address lets other shops' users read this shop, or this PC read theirs."""
    user, _ = url_parts(url)
    warnings = []
    if database != shop_database(phone):
        warnings.append(
            f"the database {database} is not the shop's own "
            f"({shop_database(phone)}): shops sharing a database can read each "
            "other's bills"
        )
    if not user:
        warnings.append(
            "the address names no user: use the shop's own MongoDB user, "
            "allowed only the shop's database (docs/install.md)"
        )
    return warnings


def join_login(
    ctx: ServiceContext,
    remote: RemoteDatabase,
    prepared: PreparedShop,
    *,
    bcrypt_rounds: int = DEFAULT_BCRYPT_ROUNDS,
) -> tuple[OtpService, AuthService]:
    """Step 2's services: OTPs by SMS, kept in the shop's remote database (demo mode is
    refused by the OTP service for such sessions)."""
    sessions = RemoteOtpSessions(remote, prepared.client_id, ctx.device_id)
    otp = OtpService(ctx, sessions=sessions, bcrypt_rounds=bcrypt_rounds)
    return otp, AuthService(ctx, otp)


def find_remote_shop(remote: RemoteDatabase, phone: object) -> dict[str, Any] | None:
    """The shop with this phone on the remote database, if there is one."""
    phone_number = v.phone(phone, "phoneNumber")
    try:
        doc = remote.collection("clients").find_one({"phoneNumber": phone_number})
    except PyMongoError as exc:
        raise remote_failure(remote.masked_url, exc) from None
    return dict(doc) if doc is not None else None


def bring_shop(ctx: ServiceContext, remote: RemoteDatabase, phone: object) -> PreparedShop:
    """Step 1: find the shop on the remote and make sure its document is on this PC.

    ``ValidationError`` on ``phoneNumber`` when the remote has no such shop, when it is
    deactivated, and when this PC keeps another shop (one PC keeps one shop). A shop already
    on this PC needs no document from the remote (its first PC may not have synced yet), but
    must not be a different shop with the same number.
    """
    phone_number = v.phone(phone, "phoneNumber")
    found = find_remote_shop(remote, phone_number)
    local = ShopService(ctx).local_shop()
    if found is not None and not found.get("isActive", True):
        raise ValidationError("phoneNumber", DEACTIVATED)
    if (
        local is not None
        and local.phone_number == phone_number
        and (found is None or found["_id"] == local.id)
    ):
        return PreparedShop(shop=local, brought_in=False)
    if found is None:
        raise ValidationError(
            "phoneNumber",
            f"no shop with this number on the remote database {remote.masked_url} (database "
            f"{remote.name}) — check the number and the database, or sync the shop's first "
            "computer once",
        )
    if local is not None:
        raise ValidationError("phoneNumber", _other_shop_message(local, found))
    engine = SyncEngine(
        ctx.store,
        remote,
        found["_id"],
        ctx.device_id,
        clock=ctx.clock,
        ensure_indexes=False,
        rules=SHOP_RULES,
    )
    result = engine.puller.apply_documents("clients", [found])
    shop = ctx.store.get("clients", found["_id"])
    if result.applied != 1 or shop is None:
        reasons = [
            letter.reason
            for letter in engine.letters.list()
            if letter.collection == "clients" and letter.doc_id == found["_id"]
        ]
        raise ValidationError(
            "phoneNumber",
            "the shop's record on the remote database "
            + (reasons[0] if reasons else "cannot be saved on this computer"),
        )
    return PreparedShop(shop=shop_from_stored(shop), brought_in=True)


def _other_shop_message(local: Shop, found: dict[str, Any]) -> str:
    if local.phone_number == found.get("phoneNumber"):
        return (
            "this computer has its own shop with this number, made here and not the one "
            "on the remote database — they cannot be joined"
        )
    return (
        f"this computer already keeps the shop {local.business_name} "
        f"({local.phone_number}); one computer keeps one shop — join from "
        "another computer or another data folder"
    )


def forget_shop(store: Store, prepared: PreparedShop) -> bool:
    """Undo step 1 when no login followed: remove the shop document it brought in, unless
    this PC has a login (a device session) for the shop. Returns True when removed."""
    if not prepared.brought_in:
        return False
    client_id = prepared.client_id
    if any(doc.get("clientId") == client_id for doc in store.iter_docs("devicesessions")):
        return False
    with store.unit_of_work(record_outbox=False) as db:
        db.clients.delete_one({"_id": client_id})
    return True


def first_sync(
    ctx: ServiceContext,
    remote: RemoteDatabase,
    prepared: PreparedShop,
    session: Session,
    *,
    url: str,
    progress: Progress | None = None,
) -> JoinResult:
    """Step 3, after the OTP login: save the remote address, pull the shop, choose the series.

    A remote failure during the sync does not raise: the result says why it stopped.
    """
    if session.client_id != prepared.client_id:
        raise ValueError("the login is for another shop than the one being joined")
    say = progress or (lambda _text: None)
    store = ctx.store
    client_id = prepared.client_id
    device = DeviceSettings(store)
    device.update(remoteUrl=url, remoteDatabase=remote.name)
    say("Bringing the shop's items, customers and bills…")
    engine = SyncEngine(store, remote, client_id, ctx.device_id, clock=ctx.clock, rules=SHOP_RULES)
    report: SyncReport | None = None
    error = ""
    try:
        report = engine.sync_once(full=True)
    except RemoteError as exc:
        error = str(exc)
        engine.record_failure(error)
    current = str(device.get("invoicePrefix"))
    series = current
    if prepared.brought_in:
        say("Choosing this computer's invoice series…")
        numbered_here, taken = _series_in_use(store, client_id, ctx.device_id)
        if not numbered_here:
            series = choose_series(current, taken)
        if series != current:
            device.update(invoicePrefix=series)
    shop = store.get("clients", client_id)
    return JoinResult(
        shop=shop_from_stored(shop) if shop is not None else prepared.shop,
        report=report,
        counts=shop_counts(store, client_id),
        series=series,
        series_changed=series != current,
        error=error,
    )


def choose_series(current: str, taken: Iterable[str]) -> str:
    """This PC's series on joining: its own if set and unused elsewhere, else the first free
    choice. Never the first PC's series, which any PC of the shop may be using unseen (a PC
    that has not billed yet leaves no trace of its series)."""
    used = {*taken, FIRST_PC_SERIES}
    if current not in used:
        return current
    for choice in SERIES_CHOICES:
        if choice not in used:
            return choice
    raise ValidationError("invoicePrefix", "every series is in use; set one in Settings")


def _shop_docs(store: Store, collection: str, client_id: ObjectId) -> Iterable[dict[str, Any]]:
    return (doc for doc in store.iter_docs(collection) if doc.get("clientId") == client_id)


def _series_in_use(store: Store, client_id: ObjectId, device_id: str) -> tuple[bool, set[str]]:
    """Whether this PC has numbered any invoice, credit note or dealer order of the shop, and
    the series of those numbered on other PCs."""
    here = False
    taken: set[str] = set()
    for name, parse, field in (
        ("invoices", parse_invoice_number, "invoiceNumber"),
        ("creditnotes", parse_credit_note_number, "creditNoteNumber"),
        ("dealerorders", parse_order_number, "orderNumber"),
    ):
        for doc in _shop_docs(store, name, client_id):
            if doc.get("deviceId") == device_id:
                here = True
                continue
            series = doc.get("series")
            if not isinstance(series, str) or not series:
                try:
                    series = parse(doc.get(field)).series
                except ValidationError:
                    continue  # numbered by another tool in its own way: no series to avoid
            taken.add(series)
    return here, taken


def shop_counts(store: Store, client_id: ObjectId) -> dict[str, int]:
    return {name: sum(1 for _ in _shop_docs(store, name, client_id)) for name, _ in COUNTED}


def describe_counts(counts: dict[str, int]) -> str:
    """ "items 3, customers 2, invoices 5, …" in :data:`COUNTED` order."""
    return ", ".join(f"{word} {counts.get(name, 0)}" for name, word in COUNTED)


#: An address for the join given outside the app (set-up scripts, tests).
URL_ENV: Final = "VIVEKA_MONGO_URL"


@dataclass(frozen=True)
class SavedAddress:
    """The remote address this PC already knows (``VIVEKA_MONGO_URL``, else Settings)."""

    url: str
    database: str

    @property
    def shown(self) -> str:
        """The address as it may be shown: its password masked."""
        return mask_url(self.url)

    @property
    def has_password(self) -> bool:
        return bool(self.url) and self.shown != self.url


@dataclass(frozen=True)
class JoinTarget:
    """What the join will use, checked: the address, the shop's database and phone, and what
    in that address lets shops read each other's data (:func:`isolation_warnings`)."""

    url: str
    database: str
    phone: str
    warnings: tuple[str, ...]


@dataclass
class Joining:
    """A join under way: the shop found (and brought here) and the open remote database."""

    target: JoinTarget
    prepared: PreparedShop
    remote: RemoteDatabase

    @property
    def client_id(self) -> ObjectId:
        return self.prepared.client_id


class JoinService:
    """The join flow as the app runs it: one call per step, each safe to run off the UI
    thread; the caller shows progress and results and never touches the remote itself.

    ``find`` opens the remote and brings the shop's document; ``login_services`` gives the
    OTP login against the shop's remote sessions; ``finish`` runs the first sync with the
    session that login returned; ``abandon`` undoes ``find`` when no login followed. Every
    ``Joining`` ends with ``finish`` or ``abandon`` (both close the remote).
    """

    def __init__(self, ctx: ServiceContext, *, timeout_ms: int = DEFAULT_TIMEOUT_MS):
        self.ctx = ctx
        self.timeout_ms = timeout_ms

    def saved_address(self) -> SavedAddress:
        device = DeviceSettings(self.ctx.store).all()
        url = os.environ.get(URL_ENV, "").strip() or str(device.get("remoteUrl") or "").strip()
        return SavedAddress(url=url, database=str(device.get("remoteDatabase") or ""))

    def target(
        self, url: str, database: str, phone: object, *, api_key: str | None = None
    ) -> JoinTarget:
        """Check what was typed (an empty address: the saved one). ``api_key``: the
        2factor.in key typed because this PC has none (saved here: the OTP needs it).
        ``ValidationError`` names the field at fault."""
        try:
            checked_url = check_url(url.strip() or self.saved_address().url)
        except RemoteConfigError as exc:
            raise ValidationError("remoteUrl", str(exc)) from None
        phone_number = v.phone(phone, "phoneNumber")
        try:
            checked_database = check_database_name(
                shop_remote_database(database, checked_url, phone_number)
            )
        except RemoteConfigError as exc:
            raise ValidationError("remoteDatabase", str(exc)) from None
        if api_key is not None:
            key = api_key.strip()
            if not key:
                raise ValidationError(
                    "twoFactorApiKey", "is needed to send the OTP by SMS to the shop phone"
                )
            DeviceSettings(self.ctx.store).update(twoFactorApiKey=key)
        return JoinTarget(
            url=checked_url,
            database=checked_database,
            phone=phone_number,
            warnings=tuple(isolation_warnings(checked_url, checked_database, phone_number)),
        )

    def find(self, target: JoinTarget) -> Joining:
        """Step 1: open the remote and bring the shop's document here. An address that cannot
        be used or reached is a ``ValidationError`` on ``remoteUrl``."""
        try:
            remote = connect(target.url, target.database, timeout_ms=self.timeout_ms)
        except (RemoteConfigError, RemoteUnavailableError) as exc:
            raise ValidationError("remoteUrl", str(exc)) from None
        try:
            return Joining(target, bring_shop(self.ctx, remote, target.phone), remote)
        except (RemoteConfigError, RemoteUnavailableError) as exc:
            remote.close()
            raise ValidationError("remoteUrl", str(exc)) from None
        except BaseException:
            remote.close()
            raise

    def login_services(self, joining: Joining) -> tuple[OtpService, AuthService]:
        """Step 2: the OTP and login services for the shop being joined."""
        return join_login(self.ctx, joining.remote, joining.prepared)

    def finish(
        self, joining: Joining, session: Session, *, progress: Progress | None = None
    ) -> JoinResult:
        """Step 3, with the session the login returned: the first sync (see
        :func:`first_sync`). Closes the remote."""
        try:
            return first_sync(
                self.ctx,
                joining.remote,
                joining.prepared,
                session,
                url=joining.target.url,
                progress=progress,
            )
        finally:
            joining.remote.close()

    def abandon(self, joining: Joining) -> bool:
        """No login followed: take the shop's document away again (see
        :func:`forget_shop`) and close the remote. Returns True when removed."""
        joining.remote.close()
        return forget_shop(self.ctx.store, joining.prepared)
