"""The report ledgers: narrow rows derived from invoices, payments and items, kept in SQLite.

Every write of an invoice, a payment or an item rewrites that document's rows here in the
same transaction (a :class:`~.engine.Projection`), whoever wrote it — the billing screen,
an import, a sync pull. Reports then read a period's rows with one indexed query, and a
report's first call in a fresh process costs what its tenth does. ``rebuild`` fills every
table again from the documents (upgrades, ``doctor --rebuild``).

Tables (amounts in paise; ``client`` and ``key`` are document keys, see ``values.doc_key``):

- ``ledger_invoices``: one row per invoice: its shop day, number, customer, total, tax,
  paid amount, what was paid on its own day, and whether it is still unpaid;
- ``ledger_gst``: per invoice and (GST rate, HSN): taxable value, CGST, SGST, IGST;
- ``ledger_payments``: one row per payment: shop day, method, amount, invoice;
- ``ledger_stock``: one row per item: name, code, unit, stock, price, value, low or not;
- ``ledger_dealers``: per dealer: billed (delivered orders with a bill), paid, pending
  orders and delivered orders without a bill, kept by adding each order's and payment's
  share and taking off its old one;
- ``ledger_credits``: one row per credit note (a sales return): its day, amount and tax; its
  GST lines go into ``ledger_gst`` with negative amounts and its refund into
  ``ledger_payments`` as money paid out (a negative amount).

Reports are net: a cancelled invoice (``isCancelled``) leaves no sales, GST or dues rows
(only the refund paid out when it was cancelled); a credit note subtracts its amount, tax
and GST lines on its own day; a payment that only sets a credit note against dues
(``creditNoteId``) is not money received.

A stored amount that is not a number (a document written by another tool) counts as 0, as
the reports always did: a report must not fail over one bad document.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from ..domain.clock import DEFAULT_TIME_ZONE, shop_zone
from ..domain.errors import ValidationError
from ..domain.money import MoneyError, round_half_up, to_paise
from .engine import Change
from .values import doc_key, millis

if TYPE_CHECKING:
    from .engine import SqliteEngine

DB = "vivekaDB"
INVOICES, PAYMENTS, ITEMS, CLIENTS, CREDIT_NOTES, DEALER_ORDERS, DEALER_PAYMENTS = (
    f"{DB}.{name}"
    for name in (
        "invoices",
        "payments",
        "items",
        "clients",
        "creditnotes",
        "dealerorders",
        "dealerpayments",
    )
)

_TABLES = """
CREATE TABLE IF NOT EXISTS ledger_invoices (
    key TEXT PRIMARY KEY,
    client TEXT NOT NULL,
    day TEXT NOT NULL,
    invoice_date TEXT NOT NULL,
    moment INTEGER NOT NULL,
    number TEXT NOT NULL,
    due_date TEXT NOT NULL,
    customer TEXT NOT NULL,
    customer_name TEXT NOT NULL,
    customer_phone TEXT NOT NULL,
    total INTEGER NOT NULL,
    tax INTEGER NOT NULL,
    paid INTEGER NOT NULL,
    paid_same_day INTEGER NOT NULL,
    unpaid INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_invoices_day ON ledger_invoices (client, day);
CREATE INDEX IF NOT EXISTS ledger_invoices_unpaid ON ledger_invoices (client, moment, number)
    WHERE unpaid = 1;
CREATE TABLE IF NOT EXISTS ledger_gst (
    invoice TEXT NOT NULL,
    client TEXT NOT NULL,
    day TEXT NOT NULL,
    rate REAL NOT NULL,
    hsn TEXT NOT NULL,
    taxable INTEGER NOT NULL,
    cgst INTEGER NOT NULL,
    sgst INTEGER NOT NULL,
    igst INTEGER NOT NULL,
    PRIMARY KEY (invoice, rate, hsn)
);
CREATE INDEX IF NOT EXISTS ledger_gst_day ON ledger_gst (client, day);
CREATE TABLE IF NOT EXISTS ledger_payments (
    key TEXT PRIMARY KEY,
    client TEXT NOT NULL,
    day TEXT NOT NULL,
    moment INTEGER NOT NULL,
    method TEXT NOT NULL,
    amount INTEGER NOT NULL,
    invoice TEXT NOT NULL,
    note TEXT NOT NULL
);
DROP INDEX IF EXISTS ledger_payments_day;
CREATE INDEX IF NOT EXISTS ledger_payments_order ON ledger_payments (client, day, moment, key);
CREATE INDEX IF NOT EXISTS ledger_payments_invoice ON ledger_payments (invoice, day);
CREATE TABLE IF NOT EXISTS ledger_stock (
    key TEXT PRIMARY KEY,
    client TEXT NOT NULL,
    sort_name TEXT NOT NULL,
    name TEXT NOT NULL,
    code TEXT NOT NULL,
    unit TEXT NOT NULL,
    stock TEXT NOT NULL,
    low_quantity TEXT NOT NULL,
    price INTEGER NOT NULL,
    value INTEGER NOT NULL,
    is_low INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_stock_name ON ledger_stock (client, sort_name, key);
CREATE INDEX IF NOT EXISTS ledger_stock_low ON ledger_stock (client, is_low DESC, sort_name, key);
CREATE TABLE IF NOT EXISTS ledger_credits (
    key TEXT PRIMARY KEY,
    client TEXT NOT NULL,
    day TEXT NOT NULL,
    amount INTEGER NOT NULL,
    tax INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_credits_day ON ledger_credits (client, day);
"""

#: Sums kept by triggers on the row tables, so that every path that changes a row (a
#: write, a time-zone change, a rebuild) keeps them right: a report's totals read a few
#: rows, however long the period or the catalogue.
_SUMS = """
CREATE TABLE IF NOT EXISTS ledger_collections (
    client TEXT NOT NULL,
    day TEXT NOT NULL,
    method TEXT NOT NULL,
    payments INTEGER NOT NULL,
    amount INTEGER NOT NULL,
    PRIMARY KEY (client, day, method)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ledger_stock_sums (
    client TEXT PRIMARY KEY,
    items INTEGER NOT NULL,
    low INTEGER NOT NULL,
    value INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS ledger_dealers (
    client TEXT NOT NULL,
    dealer TEXT NOT NULL,
    billed INTEGER NOT NULL,
    paid INTEGER NOT NULL,
    pending INTEGER NOT NULL,
    unbilled INTEGER NOT NULL,
    PRIMARY KEY (client, dealer)
) WITHOUT ROWID;
"""
#: the sums computed again from their row tables (an upgrade, see ``migrations.py``)
_REFILL_SUMS = """
DELETE FROM ledger_collections;
INSERT INTO ledger_collections (client, day, method, payments, amount)
    SELECT client, day, method, COUNT(*), SUM(amount) FROM ledger_payments
    GROUP BY client, day, method;
DELETE FROM ledger_stock_sums;
INSERT INTO ledger_stock_sums (client, items, low, value)
    SELECT client, COUNT(*), SUM(is_low), SUM(value) FROM ledger_stock GROUP BY client
"""

_PAYMENT_IN = """
    INSERT INTO ledger_collections (client, day, method, payments, amount)
    VALUES (new.client, new.day, new.method, 1, new.amount)
    ON CONFLICT (client, day, method) DO UPDATE SET payments = payments + 1,
        amount = amount + excluded.amount;"""
_PAYMENT_OUT = """
    UPDATE ledger_collections SET payments = payments - 1, amount = amount - old.amount
    WHERE client = old.client AND day = old.day AND method = old.method;
    DELETE FROM ledger_collections WHERE client = old.client AND day = old.day
        AND method = old.method AND payments = 0;"""

_SUM_TRIGGERS = f"""
CREATE TRIGGER IF NOT EXISTS ledger_payments_added AFTER INSERT ON ledger_payments BEGIN
    {_PAYMENT_IN}
END;
CREATE TRIGGER IF NOT EXISTS ledger_payments_removed AFTER DELETE ON ledger_payments BEGIN
    {_PAYMENT_OUT}
END;
CREATE TRIGGER IF NOT EXISTS ledger_payments_changed AFTER UPDATE OF client, day, method,
        amount ON ledger_payments BEGIN
    {_PAYMENT_OUT}
    {_PAYMENT_IN}
END;
CREATE TRIGGER IF NOT EXISTS ledger_stock_added AFTER INSERT ON ledger_stock BEGIN
    INSERT INTO ledger_stock_sums (client, items, low, value)
    VALUES (new.client, 1, new.is_low, new.value)
    ON CONFLICT (client) DO UPDATE SET items = items + 1, low = low + excluded.low,
        value = value + excluded.value;
END;
CREATE TRIGGER IF NOT EXISTS ledger_stock_removed AFTER DELETE ON ledger_stock BEGIN
    UPDATE ledger_stock_sums SET items = items - 1, low = low - old.is_low,
        value = value - old.value WHERE client = old.client;
END;
CREATE TRIGGER IF NOT EXISTS ledger_stock_changed AFTER UPDATE ON ledger_stock BEGIN
    UPDATE ledger_stock_sums SET low = low - old.is_low + new.is_low,
        value = value - old.value + new.value WHERE client = new.client;
END;
"""

DEFAULT_LOW_STOCK = Decimal(5)


# ------------------------------------------------------------------ reading values
def amount_paise(value: Any) -> int:
    """Paise of a stored rupee amount; a value that is not a number counts as 0."""
    if type(value) is int:
        return value * 100
    if value is None or isinstance(value, bool):
        return 0
    try:
        return to_paise(value, exact=False)
    except (MoneyError, ValueError, TypeError, ArithmeticError):
        return 0


def quantity(value: Any, default: Decimal) -> Decimal:
    """A stored quantity as a Decimal (int, or float of ≤ 3 decimals); else ``default``."""
    if type(value) is int:
        return Decimal(value)
    if isinstance(value, float):
        try:
            number = Decimal(repr(value)).quantize(Decimal("0.001")).normalize()
        except InvalidOperation:
            return default
        return number if number.is_finite() else default
    if isinstance(value, Decimal) and value.is_finite():
        return value
    return default


def method_of(payment: dict[str, Any]) -> str:
    """A payment's method; missing means the spec's default 'cash', garbage 'other'."""
    method = payment.get("method")
    if not method:
        return "cash"
    return method if type(method) is str else "other"


def zone_named(name: Any) -> tzinfo:
    try:
        return shop_zone(name if isinstance(name, str) and name else DEFAULT_TIME_ZONE)
    except ValidationError:
        return shop_zone(DEFAULT_TIME_ZONE)


def zone_of(client: dict[str, Any] | None) -> tzinfo:
    return zone_named(((client or {}).get("clientSettings") or {}).get("timeZone"))


def local_day(moment: Any, zone: tzinfo) -> str:
    """``YYYY-MM-DD`` of a stored (naive UTC) datetime on the shop's calendar ('' if none)."""
    if not isinstance(moment, datetime):
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).date().isoformat()


def _moment(value: Any) -> int:
    return millis(value) if isinstance(value, datetime) else -(2**62)


def moment_of(stored: int) -> datetime | None:
    """The naive UTC datetime of a stored moment (None for 'no date')."""
    if stored <= -(2**61):
        return None
    return datetime(1970, 1, 1) + timedelta(milliseconds=stored)


def _ref(value: Any) -> str:
    """The document key a reference field points to ('' when it cannot point anywhere)."""
    if value is None:
        return ""
    try:
        return doc_key(value)
    except TypeError:
        return ""


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _rate(value: Any) -> float:
    try:
        rate = float(value)
    except (TypeError, ValueError, OverflowError):
        return 0.0
    return rate if rate == rate else 0.0


def stock_values(doc: dict[str, Any]) -> tuple[Decimal, Decimal, int, int, bool]:
    """(stock, low-stock quantity, price, value, is low) of an item; value is stock ×
    price in paise, rounded half-up."""
    raw_stock, raw_low = doc.get("stock"), doc.get("lowStockQuantity", 5)
    price = amount_paise(doc.get("price"))
    stock = quantity(raw_stock, Decimal(0))
    low = quantity(raw_low, DEFAULT_LOW_STOCK)
    return stock, low, price, round_half_up(stock * price), stock <= low


_STOCK_ROW = (
    "INSERT INTO ledger_stock (key, client, sort_name, name, code, unit, stock, "
    "low_quantity, price, value, is_low) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _stock_row(key: str, doc: dict[str, Any]) -> tuple[Any, ...]:
    """The ``ledger_stock`` row of an active item of a shop."""
    stock, low, price, value, is_low = stock_values(doc)
    name = _text(doc.get("name"))
    return (
        key,
        doc_key(doc["clientId"]),
        name.casefold(),
        name,
        _text(doc.get("code")),
        _text(doc.get("unit") or "nos"),
        str(stock),
        str(low),
        price,
        value,
        int(is_low),
    )


def _new_stock_row(change: Change) -> tuple[Any, ...] | None:
    """The stock row of an item that is new here and listed (None: any other change)."""
    doc = change.new
    if change.old is not None or doc is None:
        return None
    if not _ref(doc.get("clientId")) or not doc.get("isActive", True):
        return None
    return _stock_row(change.key, doc)


class ReportLedger:
    """The :class:`~.engine.Projection` of the report tables, and the queries on them."""

    name = "report-ledger"
    follows = frozenset(
        {INVOICES, PAYMENTS, ITEMS, CLIENTS, CREDIT_NOTES, DEALER_ORDERS, DEALER_PAYMENTS}
    )

    def create(self, cursor: sqlite3.Cursor) -> None:
        cursor.executescript(_TABLES + _SUMS + _SUM_TRIGGERS)

    # --------------------------------------------------------------- upkeep
    def write(self, engine: SqliteEngine, change: Change) -> None:
        collection, key, old, new = change.collection, change.key, change.old, change.new
        if collection == INVOICES:
            self._invoice(engine, key, new)
        elif collection == PAYMENTS:
            self._payment(engine, key, old, new)
        elif collection == ITEMS:
            self._item(engine, key, old, new)
        elif collection == CREDIT_NOTES:
            self._credit_note(engine, key, new)
        elif collection in (DEALER_ORDERS, DEALER_PAYMENTS):
            _add_dealer_share(engine.execute, _dealer_share(collection, old), -1)
            _add_dealer_share(engine.execute, _dealer_share(collection, new), 1)
        elif collection == CLIENTS:
            before = zone_of(old) if old is not None else None
            if new is not None and before is not None and zone_of(new) != before:
                self._redate(engine, key, new)

    def write_many(self, engine: SqliteEngine, changes: list[Change]) -> None:
        """:meth:`write` of a page of changes (a pull): the stock rows of items new here
        in one statement; everything else as one write does."""
        stock_rows: list[tuple[Any, ...]] = []
        for change in changes:
            row = _new_stock_row(change) if change.collection == ITEMS else None
            if row is None:
                self.write(engine, change)
            else:
                stock_rows.append(row)
        engine.execute_many("DELETE FROM ledger_stock WHERE key = ?", [(r[0],) for r in stock_rows])
        engine.execute_many(_STOCK_ROW, stock_rows)

    def _zone(self, engine: SqliteEngine, client_id: Any) -> tzinfo:
        return self._zone_of_key(engine, _ref(client_id))

    @staticmethod
    def _zone_of_key(engine: SqliteEngine, client: str) -> tzinfo:
        return zone_of(engine.get_by_key(CLIENTS, client)) if client else zone_named(None)

    def _invoice(self, engine: SqliteEngine, key: str, doc: dict[str, Any] | None) -> None:
        engine.execute("DELETE FROM ledger_invoices WHERE key = ?", (key,))
        engine.execute("DELETE FROM ledger_gst WHERE invoice = ?", (key,))
        engine.execute("DELETE FROM ledger_payments WHERE key = ?", (key + ":refund",))
        client = _ref(None if doc is None else doc.get("clientId"))
        if not client or doc is None:
            return
        if doc.get("isCancelled"):
            # no sale: only what was paid back when it was cancelled
            self._paid_out(
                engine,
                key,
                client,
                doc.get("cancelledAt"),
                doc.get("cancelRefund"),
                doc.get("cancelRefundMethod"),
            )
            return
        invoice_date = doc.get("invoiceDate")
        day = (
            invoice_date
            if isinstance(invoice_date, str) and invoice_date
            else local_day(doc.get("generatedAt"), self._zone(engine, doc["clientId"]))
        )
        total = amount_paise(doc.get("totalAmount"))
        tax = amount_paise(doc.get("totalTax"))
        customer = doc.get("clientCustomerId")
        engine.execute(
            "INSERT INTO ledger_invoices (key, client, day, invoice_date, moment, number, "
            "due_date, customer, customer_name, customer_phone, total, tax, paid, "
            "paid_same_day, unpaid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "(SELECT COALESCE(SUM(amount), 0) FROM ledger_payments WHERE invoice = ? "
            "AND day = ?), ?)",
            (
                key,
                client,
                day,
                _text(invoice_date),
                _moment(doc.get("generatedAt")),
                _text(doc.get("invoiceNumber")),
                _text(doc.get("dueDate")),
                _ref(customer),
                _text(doc.get("clientCustomerName")),
                _text(doc.get("clientCustomerPhone")),
                total,
                tax,
                amount_paise(doc.get("paidAmount")),
                key,
                day,
                0 if doc.get("isFinalized") else 1,
            ),
        )
        summary = doc.get("taxSummary")
        if not isinstance(summary, list) or not summary:
            # an invoice without a tax summary (written by a tool that knows only the
            # spec's fields) counts as one untaxed row of its amount less its tax
            self._gst_row(engine, key, client, day, 0.0, "", [total - tax, 0, 0, 0])
            return
        self._gst_rows(engine, key, client, day, summary, 1)

    @classmethod
    def _gst_rows(
        cls, engine: SqliteEngine, key: str, client: str, day: str, summary: Any, sign: int
    ) -> None:
        """The GST lines of a bill (``sign`` 1) or of a credit note (-1)."""
        for entry in summary:
            if isinstance(entry, dict):
                cls._gst_row(
                    engine,
                    key,
                    client,
                    day,
                    _rate(entry.get("gstRate")),
                    _text(entry.get("hsnCode")),
                    [
                        sign * amount_paise(entry.get(f))
                        for f in ("taxableValue", "cgst", "sgst", "igst")
                    ],
                )

    @staticmethod
    def _gst_row(
        engine: SqliteEngine,
        invoice: str,
        client: str,
        day: str,
        rate: float,
        hsn: str,
        amounts: list[int],
    ) -> None:
        engine.execute(
            "INSERT INTO ledger_gst (invoice, client, day, rate, hsn, taxable, cgst, sgst, "
            "igst) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (invoice, rate, hsn) DO "
            "UPDATE SET taxable = taxable + excluded.taxable, cgst = cgst + excluded.cgst, "
            "sgst = sgst + excluded.sgst, igst = igst + excluded.igst",
            (invoice, client, day, rate, hsn, *amounts),
        )

    def _credit_note(self, engine: SqliteEngine, key: str, doc: dict[str, Any] | None) -> None:
        engine.execute("DELETE FROM ledger_credits WHERE key = ?", (key,))
        engine.execute("DELETE FROM ledger_gst WHERE invoice = ?", (key,))
        engine.execute("DELETE FROM ledger_payments WHERE key = ?", (key + ":refund",))
        client = _ref(None if doc is None else doc.get("clientId"))
        if not client or doc is None:
            return
        day = _text(doc.get("creditNoteDate")) or local_day(
            doc.get("generatedAt"), self._zone(engine, doc.get("clientId"))
        )
        engine.execute(
            "INSERT INTO ledger_credits (key, client, day, amount, tax) VALUES (?, ?, ?, ?, ?)",
            (
                key,
                client,
                day,
                amount_paise(doc.get("totalAmount")),
                amount_paise(doc.get("totalTax")),
            ),
        )
        self._gst_rows(engine, key, client, day, doc.get("taxSummary") or [], -1)
        self._paid_out(
            engine,
            key,
            client,
            doc.get("generatedAt"),
            doc.get("refundAmount"),
            doc.get("refundMethod"),
            day=day,
        )

    def _paid_out(
        self,
        engine: SqliteEngine,
        key: str,
        client: str,
        moment: Any,
        amount: Any,
        method: Any,
        day: str = "",
    ) -> None:
        """Money paid back to a customer: a negative collection on its day."""
        paid = amount_paise(amount)
        if not paid:
            return
        if not day:
            day = local_day(moment, self._zone_of_key(engine, client))
        engine.execute("DELETE FROM ledger_payments WHERE key = ?", (key + ":refund",))
        engine.execute(
            "INSERT INTO ledger_payments (key, client, day, moment, method, "
            "amount, invoice, note) VALUES (?, ?, ?, ?, ?, ?, '', ?)",
            (
                key + ":refund",
                client,
                day,
                _moment(moment),
                method if isinstance(method, str) and method else "cash",
                -paid,
                "refund",
            ),
        )

    def _payment(
        self, engine: SqliteEngine, key: str, old: dict[str, Any] | None, doc: dict[str, Any] | None
    ) -> None:
        if doc is not None and doc.get("creditNoteId") is not None:
            doc = None  # a credit set against dues: not money received
        # a row is deleted and inserted again, never replaced: the sums' triggers see
        # both (a REPLACE fires no delete trigger)
        engine.execute("DELETE FROM ledger_payments WHERE key = ?", (key,))
        invoices = set()
        if old is not None and _ref(old.get("invoiceId")):
            invoices.add(_ref(old["invoiceId"]))
        if doc is not None and _ref(doc.get("clientId")):
            invoice = _ref(doc.get("invoiceId"))
            day = local_day(doc.get("paidAt"), self._zone(engine, doc["clientId"]))
            engine.execute(
                "INSERT INTO ledger_payments (key, client, day, moment, method, amount, "
                "invoice, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    key,
                    doc_key(doc["clientId"]),
                    day,
                    _moment(doc.get("paidAt")),
                    method_of(doc),
                    amount_paise(doc.get("amount")),
                    invoice,
                    _text(doc.get("note")),
                ),
            )
            if invoice:
                invoices.add(invoice)
        for invoice in invoices:
            self._paid_same_day(engine, invoice)

    @staticmethod
    def _paid_same_day(engine: SqliteEngine, invoice: str) -> None:
        engine.execute(
            "UPDATE ledger_invoices SET paid_same_day = (SELECT COALESCE(SUM(amount), 0) "
            "FROM ledger_payments WHERE invoice = ledger_invoices.key AND day = "
            "ledger_invoices.day) WHERE key = ?",
            (invoice,),
        )

    def _item(
        self, engine: SqliteEngine, key: str, old: dict[str, Any] | None, doc: dict[str, Any] | None
    ) -> None:
        if doc is None or not _ref(doc.get("clientId")) or not doc.get("isActive", True):
            engine.execute("DELETE FROM ledger_stock WHERE key = ?", (key,))
            return
        stock, low, price, value, is_low = stock_values(doc)
        if (
            old is not None
            and old.get("isActive", True)
            and all(old.get(f) == doc.get(f) for f in ("clientId", "name", "code", "unit"))
        ):
            # a sale: the row is updated in place, its shop and name (the index) stay; the
            # low flag is set only when it changes (its index is rewritten when it is set)
            was = stock_values(old)
            if was[4] != is_low:
                engine.execute(
                    "UPDATE ledger_stock SET stock = ?, low_quantity = ?, price = ?, "
                    "value = ?, is_low = ? WHERE key = ?",
                    (str(stock), str(low), price, value, int(is_low), key),
                )
            elif was[:4] != (stock, low, price, value):
                engine.execute(
                    "UPDATE ledger_stock SET stock = ?, low_quantity = ?, price = ?, "
                    "value = ? WHERE key = ?",
                    (str(stock), str(low), price, value, key),
                )
            return
        engine.execute("DELETE FROM ledger_stock WHERE key = ?", (key,))
        engine.execute(_STOCK_ROW, _stock_row(key, doc))

    def _redate(self, engine: SqliteEngine, client: str, doc: dict[str, Any]) -> None:
        """A shop's time zone changed: its payments (and invoices dated by their time of
        making) move to other days."""
        zone = zone_of(doc)
        for key, moment in engine.query(
            "SELECT key, moment FROM ledger_payments WHERE client = ?", (client,)
        ):
            engine.execute(
                "UPDATE ledger_payments SET day = ? WHERE key = ?",
                (local_day(moment_of(moment), zone), key),
            )
        for key, moment in engine.query(
            "SELECT key, moment FROM ledger_invoices WHERE client = ? AND invoice_date = ''",
            (client,),
        ):
            day = local_day(moment_of(moment), zone)
            engine.execute("UPDATE ledger_invoices SET day = ? WHERE key = ?", (day, key))
            engine.execute("UPDATE ledger_gst SET day = ? WHERE invoice = ?", (day, key))
        for (key,) in engine.query("SELECT key FROM ledger_invoices WHERE client = ?", (client,)):
            self._paid_same_day(engine, key)

    def rebuild(self, engine: SqliteEngine) -> None:
        for table in (
            "ledger_invoices",
            "ledger_gst",
            "ledger_payments",
            "ledger_stock",
            "ledger_credits",
            "ledger_dealers",
            "ledger_collections",
            "ledger_stock_sums",
        ):
            engine.execute(f"DELETE FROM {table}")
        # payments first: an invoice's row reads what was paid on its own day
        for location in (PAYMENTS, INVOICES, ITEMS, CREDIT_NOTES, DEALER_ORDERS, DEALER_PAYMENTS):
            for key, doc in engine._scan(location):
                self.write(engine, Change(location, key, None, doc))


def refill_sums(engine: SqliteEngine) -> None:
    """File the sums again: daily collections and stock from their row tables, every
    dealer's from the dealer orders and payments."""
    for statement in _REFILL_SUMS.split(";"):
        engine.execute(statement)
    engine.execute("DELETE FROM ledger_dealers")
    for location in (DEALER_ORDERS, DEALER_PAYMENTS):
        for _key, doc in engine._scan(location):
            _add_dealer_share(engine.execute, _dealer_share(location, doc), 1)


def _dealer_share(
    collection: str, doc: dict[str, Any] | None
) -> tuple[str, str, int, int, int, int] | None:
    """(shop, dealer, billed, paid, pending orders, unbilled orders) that one dealer order
    or payment adds to its dealer's sums."""
    if doc is None:
        return None
    client, dealer = _ref(doc.get("clientId")), _ref(doc.get("dealerId"))
    if not client or not dealer:
        return None
    if collection == DEALER_PAYMENTS:
        return client, dealer, 0, amount_paise(doc.get("amount")), 0, 0
    status = doc.get("status") or "pending"
    if status == "pending":
        return client, dealer, 0, 0, 1, 0
    if status == "delivered":
        if doc.get("totalAmount") is None:
            return client, dealer, 0, 0, 0, 1
        return client, dealer, amount_paise(doc.get("totalAmount")), 0, 0, 0
    return None


def _add_dealer_share(
    execute: Any, share: tuple[str, str, int, int, int, int] | None, sign: int
) -> None:
    if share is None:
        return
    client, dealer, *amounts = share
    signed = [sign * amount for amount in amounts]
    execute(
        "INSERT INTO ledger_dealers (client, dealer, billed, paid, pending, unbilled) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (client, dealer) DO UPDATE SET "
        "billed = billed + excluded.billed, paid = paid + excluded.paid, "
        "pending = pending + excluded.pending, unbilled = unbilled + excluded.unbilled",
        (client, dealer, *signed),
    )


class LedgerQueries:
    """Report queries on the ledger tables of one store (``store.ledger``)."""

    def __init__(self, engine: SqliteEngine):
        self._engine = engine

    def days(self, client_id: Any, first: str, last: str) -> list[str]:
        """Days from ``first`` to ``last`` with a bill or a payment, in order."""
        client = doc_key(client_id)
        rows = self._engine.query(
            "SELECT day FROM ledger_invoices WHERE client = ? AND day BETWEEN ? AND ? "
            "UNION SELECT day FROM ledger_payments WHERE client = ? AND day BETWEEN ? AND ? "
            "UNION SELECT day FROM ledger_credits WHERE client = ? AND day BETWEEN ? AND ? "
            "ORDER BY day",
            (client, first, last) * 3,
        )
        return [row[0] for row in rows]

    def day_sales(
        self, client_id: Any, first: str, last: str
    ) -> dict[str, tuple[int, int, int, int]]:
        """day -> (bills, sales, tax, dues created) for the days with bills or returns
        (sales and tax net of the day's credit notes)."""
        client = doc_key(client_id)
        rows = self._engine.query(
            "SELECT day, SUM(bills), SUM(sales), SUM(tax), SUM(dues) FROM ("
            "SELECT day, 1 AS bills, total AS sales, tax, MAX(total - paid_same_day, 0) AS dues "
            "FROM ledger_invoices WHERE client = ? AND day BETWEEN ? AND ? UNION ALL "
            "SELECT day, 0, -amount, -tax, 0 FROM ledger_credits WHERE client = ? AND "
            "day BETWEEN ? AND ?) GROUP BY day",
            (client, first, last) * 2,
        )
        return {row[0]: (row[1], row[2], row[3], row[4]) for row in rows}

    def day_collections(self, client_id: Any, first: str, last: str) -> dict[str, dict[str, int]]:
        """day -> {method: amount} for the days with payments."""
        client = doc_key(client_id)
        found: dict[str, dict[str, int]] = {}
        for day, method, amount in self._engine.query(
            "SELECT day, method, amount FROM ledger_collections "
            "WHERE client = ? AND day BETWEEN ? AND ?",
            (client, first, last),
        ):
            found.setdefault(day, {})[method] = amount
        return found

    def gst(
        self, client_id: Any, first: str, last: str
    ) -> list[tuple[float, str, int, int, int, int]]:
        """(rate, HSN, taxable, CGST, SGST, IGST) summed over the period."""
        client = doc_key(client_id)
        return [
            tuple(row)
            for row in self._engine.query(
                "SELECT rate, hsn, SUM(taxable), SUM(cgst), SUM(sgst), SUM(igst) FROM ledger_gst "
                "WHERE client = ? AND day BETWEEN ? AND ? GROUP BY rate, hsn",
                (client, first, last),
            )
        ]

    def bills(self, client_id: Any, first: str, last: str) -> int:
        client = doc_key(client_id)
        return int(
            self._engine.query(
                "SELECT COUNT(*) FROM ledger_invoices WHERE client = ? AND day BETWEEN ? AND ?",
                (client, first, last),
            )[0][0]
        )

    def payments(
        self,
        client_id: Any,
        first: str,
        last: str,
        method: str | None,
        *,
        offset: int = 0,
        limit: int = -1,
    ) -> list[tuple[Any, ...]]:
        """(key, moment, day, method, amount, note, invoice number, customer name,
        customer phone) of the period's payments, in time order: ``limit`` of them (all
        when negative) after the first ``offset``. The page is found on an index alone
        (the rows skipped are never read), so a page costs what it holds."""
        where = "client = ? AND day BETWEEN ? AND ?"
        params: list[Any] = [doc_key(client_id), first, last]
        if method is not None:
            where += " AND method = ?"
            params.append(method)
        return [
            tuple(row)
            for row in self._engine.query(
                "SELECT p.key, p.moment, p.day, p.method, p.amount, p.note, "
                "COALESCE(i.number, ''), COALESCE(i.customer_name, ''), "
                "COALESCE(i.customer_phone, '') FROM (SELECT key FROM ledger_payments "
                f"WHERE {where} ORDER BY day, moment, key LIMIT ? OFFSET ?) page "
                "JOIN ledger_payments p ON p.key = page.key "
                "LEFT JOIN ledger_invoices i ON i.key = p.invoice "
                "ORDER BY p.day, p.moment, p.key",
                (*params, limit, offset),
            )
        ]

    def payment_totals(
        self, client_id: Any, first: str, last: str, method: str | None
    ) -> dict[str, tuple[int, int]]:
        """method -> (payments, amount) over the period (from the daily sums)."""
        where = "client = ? AND day BETWEEN ? AND ?"
        params: list[Any] = [doc_key(client_id), first, last]
        if method is not None:
            where += " AND method = ?"
            params.append(method)
        return {
            row[0]: (int(row[1]), int(row[2]))
            for row in self._engine.query(
                f"SELECT method, SUM(payments), SUM(amount) FROM ledger_collections WHERE {where} "
                "GROUP BY method HAVING SUM(payments) > 0",
                tuple(params),
            )
        }

    def unpaid(self, client_id: Any) -> list[tuple[Any, ...]]:
        """(key, number, invoice date, due date, customer name, phone, total, paid) of the
        unpaid invoices, oldest first."""
        client = doc_key(client_id)
        return [
            tuple(row)
            for row in self._engine.query(
                "SELECT key, number, invoice_date, due_date, customer_name, customer_phone, "
                "total, paid FROM ledger_invoices WHERE client = ? AND unpaid = 1 "
                "ORDER BY moment, number",
                (client,),
            )
        ]

    def unpaid_total(self, client_id: Any) -> tuple[int, int]:
        client = doc_key(client_id)
        row = self._engine.query(
            "SELECT COUNT(*), COALESCE(SUM(total - paid), 0) FROM ledger_invoices "
            "WHERE client = ? AND unpaid = 1",
            (client,),
        )[0]
        return int(row[0]), int(row[1])

    def stock(
        self, client_id: Any, low_first: bool, *, offset: int = 0, limit: int = -1
    ) -> list[tuple[Any, ...]]:
        """(key, name, code, unit, stock, low quantity, price, value, is low) of the active
        items by name (the low ones first if asked): ``limit`` of them (all when negative)
        after the first ``offset``, the page found on an index alone."""
        client = doc_key(client_id)
        order = "is_low DESC, sort_name, key" if low_first else "sort_name, key"
        return [
            tuple(row)
            for row in self._engine.query(
                "SELECT s.key, s.name, s.code, s.unit, s.stock, s.low_quantity, s.price, s.value, "
                "s.is_low FROM (SELECT key FROM ledger_stock WHERE client = ? "
                f"ORDER BY {order} LIMIT ? OFFSET ?) page JOIN ledger_stock s USING (key) "
                f"ORDER BY {order}",
                (client, limit, offset),
            )
        ]

    def low_stock_keys(self, client_id: Any) -> list[str]:
        """Keys of the shop's active items at or below their low-stock quantity, read from
        the stock rows' index (not by decoding the catalogue)."""
        return [
            row[0]
            for row in self._engine.query(
                "SELECT key FROM ledger_stock WHERE client = ? AND is_low = 1",
                (doc_key(client_id),),
            )
        ]

    def dealer_sums(self, client_id: Any) -> dict[str, tuple[int, int, int, int]]:
        """dealer key -> (billed, paid, pending orders, unbilled orders)."""
        return {
            row[0]: (int(row[1]), int(row[2]), int(row[3]), int(row[4]))
            for row in self._engine.query(
                "SELECT dealer, billed, paid, pending, unbilled FROM ledger_dealers "
                "WHERE client = ?",
                (doc_key(client_id),),
            )
        }

    def stock_summary(self, client_id: Any) -> tuple[int, int, int]:
        """(active items, low ones, value at the selling price), from the kept sums."""
        rows = self._engine.query(
            "SELECT items, low, value FROM ledger_stock_sums WHERE client = ?",
            (doc_key(client_id),),
        )
        return (int(rows[0][0]), int(rows[0][1]), int(rows[0][2])) if rows else (0, 0, 0)
