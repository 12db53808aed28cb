"""Invoices and payments grouped by the shop's calendar day, kept current by commits.

Reports read whole periods; scanning 200k invoices and 300k payments for each of them costs
seconds on a modest PC (even comparing every document's ``clientId`` takes ~0.2 s). The
ledger instead keeps, per shop:

- the keys of the invoices of each ``invoiceDate`` and of the payments of each local day;
- the balance of every unpaid invoice (the pending list and its running total);
- per-day totals (bills, sales, tax, GST by rate and HSN, collections by method, dues
  created), computed on first use and dropped whenever a document of that day changes.

It is built once per open store (one pass over both collections) and then follows every
committed write through ``store.on_commit`` — the billing screen, an import or a sync pull
alike. Documents are read through ``store.get`` (cached, not copied) only when a report
needs them. Two things bypass commit notifications: a restore of a backup and a change of
the shop's time zone; the first is noticed by the document counts no longer matching, the
second by the zone, and either rebuilds the ledger.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from bson import ObjectId

from ..domain.clock import DEFAULT_TIME_ZONE, shop_zone
from ..domain.errors import ValidationError
from ..domain.money import MoneyError, Paise
from ..store import Store
from ..store.heap import building
from .convert import paise_of
from .per_store import shared

Changes = list[tuple[str, dict[str, Any] | None]]


def amount_paise(value: Any) -> Paise:
    """Paise of a stored rupee amount, fast for the int/2-decimal float the app stores.

    Reports must not fail over one malformed document written by another tool: an amount
    that is not a number counts as zero.
    """
    kind = type(value)
    if kind is int:
        return value * 100
    if kind is float:
        scaled = value * 100
        whole = round(scaled)
        if abs(scaled - whole) < 1e-6:
            return int(whole)
    try:
        return paise_of(value)
    except MoneyError:
        return 0


def method_of(payment: dict[str, Any]) -> str:
    """A payment's method; missing means the spec's default 'cash', garbage means 'other'."""
    method = payment.get("method")
    if not method:
        return "cash"
    return method if type(method) is str else "other"


def zone_of(client: dict[str, Any] | None) -> tuple[str, tzinfo]:
    name = ((client or {}).get("clientSettings") or {}).get("timeZone") or DEFAULT_TIME_ZONE
    try:
        return name, shop_zone(name)
    except ValidationError:
        return DEFAULT_TIME_ZONE, shop_zone(DEFAULT_TIME_ZONE)


def local_day(moment: Any, zone: tzinfo) -> str:
    """``YYYY-MM-DD`` of a stored (naive UTC) datetime on the shop's calendar."""
    if not isinstance(moment, datetime):
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).date().isoformat()


@dataclass
class DayTotals:
    """One shop day, in paise. Read-only once made (the ledger shares it between reports).

    ``dues_created`` is the part of that day's bills not paid on that same day (credit given).
    """

    day: str
    bills: int = 0
    sales: Paise = 0
    tax: Paise = 0
    collections: dict[str, Paise] = field(default_factory=dict)
    dues_created: Paise = 0

    @property
    def collected(self) -> Paise:
        return sum(self.collections.values())


class _ShopDays:
    """One shop's part of the ledger."""

    def __init__(self, zone_name: str, zone: tzinfo):
        self.zone_name = zone_name
        self.zone = zone
        self.invoices: dict[str, set[str]] = {}
        self.payments: dict[str, set[str]] = {}
        self.pending: dict[str, Paise] = {}
        self.pending_total: Paise = 0
        self.totals: dict[str, DayTotals] = {}
        #: day -> {(gst rate, HSN): [taxable, cgst, sgst, igst]}, computed apart from the
        #: totals because only the GST summary needs it and it costs several times more
        self.gst: dict[str, dict[tuple[int, str], list[Paise]]] = {}
        self._slot_days: dict[int, str] = {}

    def forget(self, day: str) -> None:
        """Drop what was computed for a day whose documents changed."""
        if self.totals:
            self.totals.pop(day, None)
        if self.gst:
            self.gst.pop(day, None)

    def day_of(self, moment: Any) -> str:
        """The local day of a stored (naive UTC) datetime, remembered per UTC quarter hour.

        Time-zone offsets and their changes fall on quarter hours (India: +05:30), so every
        moment of one UTC quarter hour has the same local day; converting each of 300k
        payments through the time zone would cost several times more.
        """
        if type(moment) is not datetime or moment.tzinfo is not None:
            return local_day(moment, self.zone)
        slot = moment.toordinal() * 96 + moment.hour * 4 + moment.minute // 15
        day = self._slot_days.get(slot)
        if day is None:
            day = self._slot_days[slot] = local_day(moment, self.zone)
        return day


class SalesLedger:
    """See the module docstring. Get the one of a store with :func:`sales_ledger`.

    Holds no reference to the store (only the store's engine holds the ledger, through its
    commit listeners), so a closed store and its ledger are freed together.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._shops: dict[ObjectId, _ShopDays] = {}
        #: the same shops by the id's 12 bytes: ObjectId hashing and comparison run in
        #: Python and cost more than the rest of filing a document
        self._by_raw_id: dict[Any, _ShopDays] = {}
        #: every document's shop and day (shop None: a document without ``clientId``, kept
        #: so that the counts still match the store's)
        self._invoice_home: dict[str, tuple[_ShopDays | None, str]] = {}
        self._payment_home: dict[str, tuple[_ShopDays | None, str]] = {}
        self._zone_names: dict[ObjectId, str] = {}
        #: changes told while a rebuild files the documents, applied after it (see rebuild)
        self._queued: list[tuple[Callable[[Changes], None], Changes]] | None = None
        self._rebuild_lock = threading.Lock()

    # -------------------------------------------------------------- upkeep
    def attach(self, store: Store) -> None:
        """Build from the store and follow its commits (once per store)."""
        store.on_commit("invoices", self._on_invoices)
        store.on_commit("payments", self._on_payments)
        store.on_commit("clients", self._on_clients)
        self.rebuild(store)

    def rebuild(self, store: Store) -> None:
        """File every invoice and payment again.

        Only listing the documents holds the store's lock (a moment, even at 500k of them);
        filing them, the slow part (seconds at that size), happens outside it. Commits made
        meanwhile are queued by the listeners and applied after, so a bill being saved never
        waits for a rebuild, and readers see the old ledger until the new one is complete.
        """
        with self._rebuild_lock:
            with store.read_lock():
                clients = list(store.iter_docs("clients"))
                invoices = list(store.iter_docs("invoices"))
                payments = list(store.iter_docs("payments"))
                with self._lock:
                    # From here on (the store is still locked: no commit in between) the
                    # listeners queue what they are told.
                    self._queued = []
            fresh = type(self)()
            with building() as built:
                built.count = len(invoices) + len(payments)
                fresh._zone_names = {c["_id"]: zone_of(c)[0] for c in clients}
                for doc in invoices:
                    fresh._add_invoice(str(doc["_id"]), doc)
                for doc in payments:
                    fresh._add_payment(str(doc["_id"]), doc)
            with self._lock:
                self._shops = fresh._shops
                self._by_raw_id = fresh._by_raw_id
                self._invoice_home = fresh._invoice_home
                self._payment_home = fresh._payment_home
                self._zone_names = fresh._zone_names
                queued, self._queued = self._queued or [], None
                for apply, changes in queued:  # idempotent: a change may be in both
                    apply(changes)

    def ensure_current(self, store: Store, client_id: ObjectId) -> None:
        """Rebuild if the store changed behind the ledger's back (restore, time zone)."""
        if not self._is_current(store, client_id):
            self.rebuild(store)

    def _is_current(self, store: Store, client_id: ObjectId) -> bool:
        # Ask the store first: it may take its own lock, which must never be taken while
        # holding ours (a commit holds the store's lock while it waits for ours).
        invoices, payments = store.count("invoices"), store.count("payments")
        wanted = zone_of(store.get("clients", client_id))[0]
        with self._lock:
            if len(self._invoice_home) != invoices or len(self._payment_home) != payments:
                return False
            shop = self._shops.get(client_id)
            return shop is None or shop.zone_name == wanted

    def _shop(self, client_id: Any) -> _ShopDays:
        raw = client_id.binary if type(client_id) is ObjectId else client_id
        shop = self._by_raw_id.get(raw)
        if shop is None:
            shop = self._shops.get(client_id)
            if shop is None:
                name = self._zone_names.get(client_id, DEFAULT_TIME_ZONE)
                shop = self._shops[client_id] = _ShopDays(*zone_of(
                    {"clientSettings": {"timeZone": name}}))
            self._by_raw_id[raw] = shop
        return shop

    def _add_invoice(self, key: str, doc: dict[str, Any]) -> None:
        client_id = doc.get("clientId")
        if client_id is None:
            self._invoice_home[key] = (None, "")
            return
        shop = self._shop(client_id)
        day = doc.get("invoiceDate")
        if not isinstance(day, str) or not day:
            day = local_day(doc.get("generatedAt"), shop.zone)
        self._invoice_home[key] = (shop, day)
        bucket = shop.invoices.get(day)
        if bucket is None:
            shop.invoices[day] = {key}
        else:
            bucket.add(key)
        shop.forget(day)
        if not doc.get("isFinalized"):
            balance = amount_paise(doc.get("totalAmount")) - amount_paise(doc.get("paidAmount"))
            shop.pending[key] = balance
            shop.pending_total += balance

    def _remove_invoice(self, key: str) -> None:
        shop, day = self._invoice_home.pop(key, (None, ""))
        if shop is None:
            return
        shop.invoices.get(day, set()).discard(key)
        shop.forget(day)
        balance = shop.pending.pop(key, None)
        if balance is not None:
            shop.pending_total -= balance

    def _add_payment(self, key: str, doc: dict[str, Any]) -> None:
        client_id = doc.get("clientId")
        if client_id is None:
            self._payment_home[key] = (None, "")
            return
        shop = self._shop(client_id)
        day = shop.day_of(doc.get("paidAt"))
        self._payment_home[key] = (shop, day)
        bucket = shop.payments.get(day)
        if bucket is None:
            shop.payments[day] = {key}
        else:
            bucket.add(key)
        shop.forget(day)

    def _remove_payment(self, key: str) -> None:
        shop, day = self._payment_home.pop(key, (None, ""))
        if shop is None:
            return
        shop.payments.get(day, set()).discard(key)
        shop.forget(day)

    def _on_invoices(self, changes: Changes) -> None:
        self._told(self._apply_invoices, changes)

    def _on_payments(self, changes: Changes) -> None:
        self._told(self._apply_payments, changes)

    def _on_clients(self, changes: Changes) -> None:
        self._told(self._apply_clients, changes)

    def _told(self, apply: Callable[[Changes], None], changes: Changes) -> None:
        with self._lock:
            if self._queued is not None:
                self._queued.append((apply, changes))
            else:
                apply(changes)

    def _apply_invoices(self, changes: Changes) -> None:
        for key, doc in changes:
            self._remove_invoice(key)
            if doc is not None:
                self._add_invoice(key, doc)

    def _apply_payments(self, changes: Changes) -> None:
        for key, doc in changes:
            self._remove_payment(key)
            if doc is not None:
                self._add_payment(key, doc)

    def _apply_clients(self, changes: Changes) -> None:
        # A new time zone moves payments between days; ensure_current notices the mismatch
        # and rebuilds (it needs the payment documents, which this listener is not given).
        for _key, doc in changes:
            if doc is not None:
                self._zone_names[doc["_id"]] = zone_of(doc)[0]

    # ------------------------------------------------------------- reading
    def zone(self, client_id: ObjectId) -> tzinfo:
        with self._lock:
            return self._shop(client_id).zone

    def all_days(self, client_id: ObjectId) -> list[str]:
        """Every day with a bill or a payment, in order."""
        with self._lock:
            shop = self._shops.get(client_id)
            if shop is None:
                return []
            known = {d for d, keys in shop.invoices.items() if keys}
            known.update(d for d, keys in shop.payments.items() if keys)
        return sorted(known)

    def days(self, client_id: ObjectId, first: str, last: str) -> list[str]:
        """Days from ``first`` to ``last`` (inclusive) with a bill or a payment, in order."""
        with self._lock:
            shop = self._shops.get(client_id)
            if shop is None:
                return []
            known = {d for d, keys in shop.invoices.items() if keys and first <= d <= last}
            known.update(d for d, keys in shop.payments.items() if keys and first <= d <= last)
        return sorted(known)

    def day_totals(self, store: Store, client_id: ObjectId, days: Iterable[str]
                   ) -> list[DayTotals]:
        """Totals of each day asked for (a day without activity gives zeros)."""
        with self._lock:
            shop = self._shops.get(client_id)
            if shop is None:
                return [DayTotals(day) for day in days]
            result = []
            for day in days:
                totals = shop.totals.get(day)
                if totals is None:
                    totals = shop.totals[day] = _compute_day(store, shop, day)
                result.append(totals)
            return result

    def gst_rows(self, store: Store, client_id: ObjectId, days: Iterable[str]
                 ) -> list[dict[tuple[int, str], list[Paise]]]:
        """Per day asked for: {(GST rate, HSN): [taxable, cgst, sgst, igst]} (read-only)."""
        with self._lock:
            shop = self._shops.get(client_id)
            if shop is None:
                return []
            result = []
            for day in days:
                rows = shop.gst.get(day)
                if rows is None:
                    rows = shop.gst[day] = _compute_gst(store, shop, day)
                result.append(rows)
            return result

    def payment_keys(self, client_id: ObjectId, days: Iterable[str]) -> list[tuple[str, str]]:
        """(day, payment key) of every payment of the days asked for."""
        with self._lock:
            shop = self._shops.get(client_id)
            if shop is None:
                return []
            return [(day, key) for day in days for key in shop.payments.get(day, ())]

    def compute_every_day(self, store: Store) -> int:
        """Compute every day's totals and GST rows now (at start-up, in the background), so
        that a report's first call only reads them. One day at a time: the lock that commits
        wait for is held for one day's documents at most. Returns the days computed."""
        with self._lock:
            work = [(client_id, sorted(set(shop.invoices) | set(shop.payments)))
                    for client_id, shop in self._shops.items()]
        with building() as built:
            built.count = sum(len(days) for _, days in work)
            for client_id, days in work:
                for day in days:
                    self.day_totals(store, client_id, [day])
                    self.gst_rows(store, client_id, [day])
        return built.count

    def pending(self, client_id: ObjectId) -> tuple[dict[str, Paise], Paise]:
        """A copy of the unpaid invoices' balances by key, and their total."""
        with self._lock:
            shop = self._shops.get(client_id)
            if shop is None:
                return {}, 0
            return dict(shop.pending), shop.pending_total

    def pending_total(self, client_id: ObjectId) -> tuple[int, Paise]:
        """How many invoices are unpaid and what they still owe."""
        with self._lock:
            shop = self._shops.get(client_id)
            return (0, 0) if shop is None else (len(shop.pending), shop.pending_total)


def _compute_day(store: Store, shop: _ShopDays, day: str) -> DayTotals:
    totals = DayTotals(day)
    paid_same_day: dict[Any, Paise] = {}
    collections = totals.collections
    get = store.get
    for key in shop.payments.get(day, ()):
        payment = get("payments", key)
        if payment is None:
            continue
        amount = amount_paise(payment.get("amount"))
        method = method_of(payment)
        collections[method] = collections.get(method, 0) + amount
        invoice_id = payment.get("invoiceId")
        if type(invoice_id) is ObjectId:
            paid_same_day[invoice_id] = paid_same_day.get(invoice_id, 0) + amount
    for key in shop.invoices.get(day, ()):
        invoice = get("invoices", key)
        if invoice is None:
            continue
        total = amount_paise(invoice.get("totalAmount"))
        totals.bills += 1
        totals.sales += total
        totals.tax += amount_paise(invoice.get("totalTax"))
        if paid_same_day:
            total -= paid_same_day.get(invoice["_id"], 0)
        if total > 0:
            totals.dues_created += total
    return totals


def _compute_gst(store: Store, shop: _ShopDays, day: str) -> dict[tuple[int, str], list[Paise]]:
    """Sum the ``taxSummary`` rows of a day's invoices by (rate, HSN).

    An invoice written without a tax summary (by a tool that knows only the spec's fields)
    counts as one untaxed row of its whole amount less its tax.
    """
    rows: dict[tuple[int, str], list[Paise]] = {}
    get = store.get
    for key in shop.invoices.get(day, ()):
        invoice = get("invoices", key)
        if invoice is None:
            continue
        summary = invoice.get("taxSummary")
        if not isinstance(summary, list) or not summary:
            sums = rows.setdefault((0, ""), [0, 0, 0, 0])
            sums[0] += (amount_paise(invoice.get("totalAmount"))
                        - amount_paise(invoice.get("totalTax")))
            continue
        for entry in summary:
            if not isinstance(entry, dict):
                continue
            rate = entry.get("gstRate")
            hsn = entry.get("hsnCode") or ""
            group = (rate if type(rate) is int else _rate(rate),
                     hsn if type(hsn) is str else str(hsn))
            sums = rows.get(group)
            if sums is None:
                sums = rows[group] = [0, 0, 0, 0]
            sums[0] += amount_paise(entry.get("taxableValue"))
            sums[1] += amount_paise(entry.get("cgst"))
            sums[2] += amount_paise(entry.get("sgst"))
            sums[3] += amount_paise(entry.get("igst"))
    return rows


def _rate(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return 0


def _new_ledger(store: Store) -> SalesLedger:
    ledger = SalesLedger()
    ledger.attach(store)
    return ledger


def sales_ledger(store: Store) -> SalesLedger:
    """The ledger of an open store, built on first use and shared by every caller."""
    return shared(store, "sales-ledger", _new_ledger)
