"""The month's GSTR-1 (outward supplies), from that month's invoices and credit notes.

Only the month's documents are read, through the date indexes (``invoiceDate``,
``creditNoteDate``): the return of a month costs the same in the shop's first year and its
tenth. Tables, as the portal's offline tool has them:

- **b2b** (4A): invoices to a buyer with GSTIN, invoice-wise, taxable value and tax per rate;
- **b2cl** (5): inter-state invoices to unregistered buyers above ₹1 lakh (since Aug 2024);
- **b2cs** (7): the other sales to unregistered buyers, by supply type × place × rate, net
  of the credit notes issued on them this month;
- **cdnr** / **cdnur** (9B): credit notes on b2b / b2cl invoices, note-wise;
- **nil** (8): 0 % lines (nil rated), by inter/intra-state and registered or not;
- **hsn** (12): by HSN × rate × unit, split into B2B and B2C, net of credit notes;
- **doc_issue** (13): the invoice and credit-note series used, with cancelled counts.

0 % lines are reported in *nil*, not in b2b/b2cl/b2cs; an invoice's value (``val``) is always
the whole invoice. A cancelled invoice is in no table but *doc_issue*. Amounts inside are
paise; :func:`portal_json` and :mod:`.gstr1_sheets` write them as rupees.
"""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from ..domain.errors import ValidationError
from ..domain.money import to_decimal
from ..domain.states import state_by_code
from ..domain.tax import SplitTax
from .context import ShopScope
from .convert import paise_of, quantity_of, rate_of

B2CL_LIMIT = 1_00_000_00
"""Paise above which an inter-state invoice to an unregistered buyer is B2CL (Rule 59)."""

#: our units -> the portal's Unit Quantity Codes
UQC = {"nos": "NOS", "pcs": "PCS", "kg": "KGS", "litre": "LTR", "meter": "MTR"}
UQC_TITLES = {
    "NOS": "NUMBERS",
    "PCS": "PIECES",
    "KGS": "KILOGRAMS",
    "LTR": "LITRES",
    "MTR": "METERS",
    "OTH": "OTHERS",
}
JSON_VERSION = "GST3.2.4"
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
_AMOUNTS = ("taxableValue", "igst", "cgst", "sgst")


@dataclass
class Tax(SplitTax):
    """Taxable value and tax in paise."""

    taxable: int = 0
    igst: int = 0
    cgst: int = 0
    sgst: int = 0

    def add(self, other: Tax, sign: int = 1) -> None:
        self.taxable += sign * other.taxable
        self.igst += sign * other.igst
        self.cgst += sign * other.cgst
        self.sgst += sign * other.sgst


@dataclass
class Document:
    """An invoice of b2b/b2cl or a note of cdnr/cdnur: its heading and tax per rate."""

    number: str
    day: date
    value: int
    pos: str
    gstin: str = ""
    name: str = ""
    by_rate: dict[Any, Tax] = field(default_factory=dict)
    inter: bool = False
    invoice_number: str = ""  # notes: the invoice they are issued against
    invoice_day: date | None = None


@dataclass(frozen=True)
class SeriesRange:
    """A numbering series used in the month (table 13)."""

    kind: int  # 1: invoices for outward supply, 5: credit notes
    first: str
    last: str
    total: int
    cancelled: int

    @property
    def net(self) -> int:
        return self.total - self.cancelled


@dataclass
class HsnRow:
    hsn: str
    description: str
    uqc: str
    rate: Any
    quantity: Decimal = Decimal(0)
    value: int = 0
    tax: Tax = field(default_factory=Tax)


@dataclass
class Gstr1:
    gstin: str
    year: int
    month: int
    b2b: list[Document] = field(default_factory=list)
    b2cl: list[Document] = field(default_factory=list)
    #: (supply "INTRA"/"INTER", place of supply, rate) -> tax
    b2cs: dict[tuple[str, str, Any], Tax] = field(default_factory=dict)
    cdnr: list[Document] = field(default_factory=list)
    cdnur: list[Document] = field(default_factory=list)
    #: "INTRAB2B", "INTRB2B", "INTRAB2C", "INTRB2C" -> nil-rated value
    nil: dict[str, int] = field(default_factory=dict)
    hsn_b2b: list[HsnRow] = field(default_factory=list)
    hsn_b2c: list[HsnRow] = field(default_factory=list)
    documents: list[SeriesRange] = field(default_factory=list)

    @property
    def period(self) -> str:
        """The return period as the portal writes it: MMYYYY."""
        return f"{self.month:02d}{self.year}"

    def net_taxable(self) -> int:
        """Taxable value of the month net of credit notes, over every table."""
        sales = sum(t.taxable for doc in self.b2b + self.b2cl for t in doc.by_rate.values())
        notes = sum(t.taxable for doc in self.cdnr + self.cdnur for t in doc.by_rate.values())
        return sales + sum(t.taxable for t in self.b2cs.values()) + sum(self.nil.values()) - notes

    def net_tax(self) -> Tax:
        """Tax of the month net of credit notes, over every table."""
        total = Tax()
        for doc in self.b2b + self.b2cl:
            for tax in doc.by_rate.values():
                total.add(tax)
        for tax in self.b2cs.values():
            total.add(tax)
        for doc in self.cdnr + self.cdnur:
            for tax in doc.by_rate.values():
                total.add(tax, -1)
        total.taxable = self.net_taxable()
        return total


def parse_month(text: object) -> tuple[int, int]:
    """ "2026-04" -> (2026, 4), or ValidationError naming ``month``."""
    match = _MONTH.fullmatch(str(text).strip()) if isinstance(text, str) else None
    if match is None or not 1 <= int(match[2]) <= 12:
        raise ValidationError("month", "must be a month written YYYY-MM, such as 2026-04")
    return int(match[1]), int(match[2])


def _line_tax(line: dict[str, Any]) -> Tax:
    return Tax(*(paise_of(line.get(key)) for key in _AMOUNTS))


TaxedLine = tuple[dict[str, Any], Any, Tax]
"""A stored line, its rate and its tax in paise (converted once, used by several tables)."""


def _taxed_lines(doc: dict[str, Any]) -> list[TaxedLine]:
    return [
        (line, rate_of(line.get("gstRate")), _line_tax(line)) for line in doc.get("products") or []
    ]


class Gstr1Service:
    def __init__(self, scope: ShopScope):
        self.scope = scope

    def _month_docs(
        self, collection: str, date_field: str, first: date, last: date
    ) -> list[dict[str, Any]]:
        """This shop's documents dated in [first, last], through the date index only."""
        found = self.scope.db[collection].find(
            {date_field: {"$gte": first.isoformat(), "$lte": last.isoformat()}}
        )
        return [doc for doc in found if doc.get("clientId") == self.scope.client_id]

    def build(self, month: object) -> Gstr1:
        year, number = parse_month(month)
        first = date(year, number, 1)
        last = date(year, number, calendar.monthrange(year, number)[1])
        shop = self.scope.shop()
        invoices = sorted(
            self._month_docs("invoices", "invoiceDate", first, last),
            key=lambda d: (d.get("invoiceDate"), d.get("invoiceNumber")),
        )
        notes = sorted(
            self._month_docs("creditnotes", "creditNoteDate", first, last),
            key=lambda d: (d.get("creditNoteDate"), d.get("creditNoteNumber")),
        )
        shop_state = (shop.get("clientSettings") or {}).get("stateCode", "")
        report = Gstr1(str(shop.get("gstin") or ""), year, number)
        hsn: dict[str, dict[tuple[str, Any, str], HsnRow]] = {"B2B": {}, "B2C": {}}
        for invoice in invoices:
            if not invoice.get("isCancelled"):
                self._add_document(report, hsn, invoice, shop_state, 1)
        for note in notes:
            self._add_document(report, hsn, note, shop_state, -1)
        # what returns cancelled out entirely is left out, not reported as zeros
        report.b2cs = {key: tax for key, tax in report.b2cs.items() if tax != Tax()}
        report.nil = {key: amount for key, amount in report.nil.items() if amount}
        report.hsn_b2b, report.hsn_b2c = (
            [
                row
                for _, row in sorted(hsn[kind].items(), key=_hsn_order)
                if row.quantity or row.value or row.tax != Tax()
            ]
            for kind in ("B2B", "B2C")
        )
        report.documents = _series_ranges(invoices, "invoiceNumber", 1) + _series_ranges(
            notes, "creditNoteNumber", 5
        )
        return report

    # -------------------------------------------------------------- classifying
    @staticmethod
    def _place(doc: dict[str, Any], shop_state: str) -> str:
        return str(doc.get("placeOfSupply") or doc.get("shopStateCode") or shop_state)

    @staticmethod
    def _is_inter(doc: dict[str, Any]) -> bool:
        return doc.get("supplyType") == "inter"

    def _is_b2cl(self, invoice: dict[str, Any]) -> bool:
        return (
            not invoice.get("customerGstin")
            and self._is_inter(invoice)
            and paise_of(invoice.get("totalAmount")) > B2CL_LIMIT
        )

    def _add_document(
        self,
        report: Gstr1,
        hsn: dict[str, dict[tuple[str, Any, str], HsnRow]],
        doc: dict[str, Any],
        shop_state: str,
        sign: int,
    ) -> None:
        """An invoice (``sign`` 1) or a credit note (-1): its lines into the nil and HSN
        tables, then itself into b2b/b2cl (a note: cdnr/cdnur) or its sums into b2cs."""
        registered = bool(doc.get("customerGstin"))
        place = self._place(doc, shop_state)
        lines = _taxed_lines(doc)
        by_rate = self._by_rate(report, doc, lines, registered, sign)
        _add_hsn(hsn["B2B" if registered else "B2C"], lines, sign)
        if not by_rate:
            return  # only 0 % lines: reported in nil alone
        note = sign < 0
        if note:
            # a note is b2cl-sized when the invoice it is issued against was
            original = self.scope.db.invoices.find_one({"_id": doc.get("invoiceId")}) or {}
            total = original.get("totalAmount", doc.get("totalAmount"))
            listed = registered or self._is_b2cl({**doc, "totalAmount": total})
            documents = report.cdnr if registered else report.cdnur
        else:
            listed = registered or self._is_b2cl(doc)
            documents = report.b2b if registered else report.b2cl
        if not listed:
            self._add_b2cs(report, doc, place, by_rate, sign)
            return
        keys = ("creditNoteNumber", "creditNoteDate") if note else ("invoiceNumber", "invoiceDate")
        number, day = keys
        against = str(doc.get("invoiceDate") or "") if note else ""
        documents.append(
            Document(
                doc[number],
                date.fromisoformat(doc[day]),
                paise_of(doc.get("totalAmount")),
                place,
                str(doc.get("customerGstin") or ""),
                str(doc.get("clientCustomerName") or ""),
                by_rate,
                self._is_inter(doc),
                str(doc.get("invoiceNumber") or "") if note else "",
                date.fromisoformat(against) if against else None,
            )
        )

    def _by_rate(
        self,
        report: Gstr1,
        doc: dict[str, Any],
        lines: list[TaxedLine],
        registered: bool,
        sign: int,
    ) -> dict[Any, Tax]:
        """Taxable lines by rate; 0 % lines go to the nil table (with ``sign``)."""
        by_rate: dict[Any, Tax] = {}
        for _line, rate, tax in lines:
            if rate == 0:
                key = ("INTR" if self._is_inter(doc) else "INTRA") + (
                    "B2B" if registered else "B2C"
                )
                report.nil[key] = report.nil.get(key, 0) + sign * tax.taxable
                continue
            by_rate.setdefault(rate, Tax()).add(tax)
        return dict(sorted(by_rate.items()))

    def _add_b2cs(
        self, report: Gstr1, doc: dict[str, Any], place: str, by_rate: dict[Any, Tax], sign: int
    ) -> None:
        supply = "INTER" if self._is_inter(doc) else "INTRA"
        for rate, tax in by_rate.items():
            report.b2cs.setdefault((supply, place, rate), Tax()).add(tax, sign)


def _hsn_order(entry: tuple[tuple[str, Any, str], HsnRow]) -> tuple[str, Decimal, str]:
    (hsn, rate, uqc), _ = entry
    return hsn, Decimal(rate), uqc


def _add_hsn(
    rows: dict[tuple[str, Any, str], HsnRow], lines: Iterable[TaxedLine], sign: int
) -> None:
    for line, rate, tax in lines:
        uqc = UQC.get(str(line.get("unit") or "nos"), "OTH")
        key = (str(line.get("hsnCode") or ""), rate, uqc)
        row = rows.get(key)
        if row is None:
            row = rows[key] = HsnRow(key[0], str(line.get("itemName") or "")[:30], uqc, rate)
        row.quantity += sign * quantity_of(line.get("quantity"))
        row.value += sign * (tax.taxable + tax.tax)
        row.tax.add(tax, sign)


_SERIES_OF = re.compile(r"(.*?)([0-9]+)")


def _series_ranges(docs: list[dict[str, Any]], number_field: str, kind: int) -> list[SeriesRange]:
    """Table 13: per series (prefix and year), first and last number, count and cancelled."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for doc in docs:
        groups[f"{doc.get('series', '')}/{doc.get('financialYear', '')}"].append(doc)
    ranges = []
    for key in sorted(groups):
        members = sorted(
            groups[key], key=lambda d: (d.get("sequence") or 0, str(d.get(number_field)))
        )
        ranges.append(
            SeriesRange(
                kind,
                str(members[0][number_field]),
                str(members[-1][number_field]),
                len(members),
                sum(1 for d in members if d.get("isCancelled")),
            )
        )
    return ranges


# ------------------------------------------------------------------ the portal's JSON
def rupees(paise: int) -> float:
    """Paise as the portal's JSON wants amounts: a number with at most two decimals."""
    return float(to_decimal(paise))


def portal_rate(rate: Any) -> float | int:
    value = Decimal(rate)
    return int(value) if value == value.to_integral_value() else float(value)


def portal_date(day: date) -> str:
    return day.strftime("%d-%m-%Y")


def _items(by_rate: dict[Any, Tax], *, inter: bool) -> list[dict[str, Any]]:
    items = []
    for rate, tax in by_rate.items():
        detail = {"rt": portal_rate(rate), "txval": rupees(tax.taxable), **_tax_json(tax, inter)}
        # the portal numbers an item by its rate: 1801 for 18 %, 501 for 5 %
        items.append({"num": int(Decimal(rate) * 100) + 1, "itm_det": detail})
    return items


def _tax_json(tax: Tax, inter: bool) -> dict[str, Any]:
    """A portal row's tax: IGST between states, else CGST and SGST; no cess."""
    if inter:
        return {"iamt": rupees(tax.igst), "csamt": 0}
    return {"camt": rupees(tax.cgst), "samt": rupees(tax.sgst), "csamt": 0}


def _invoice_json(doc: Document, **more: Any) -> dict[str, Any]:
    """An invoice of b2b or b2cl as the portal has it: number, date, value, then ``more``."""
    return {"inum": doc.number, "idt": portal_date(doc.day), "val": rupees(doc.value), **more}


def portal_json(report: Gstr1) -> dict[str, Any]:
    """The month in the GSTR-1 upload format of the portal's offline tool."""
    b2b: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for doc in report.b2b:
        b2b[doc.gstin].append(
            _invoice_json(
                doc, pos=doc.pos, rchrg="N", inv_typ="R", itms=_items(doc.by_rate, inter=doc.inter)
            )
        )
    b2cl: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for doc in report.b2cl:
        b2cl[doc.pos].append(_invoice_json(doc, itms=_items(doc.by_rate, inter=True)))
    cdnr: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for doc in report.cdnr:
        cdnr[doc.gstin].append(
            {
                "ntty": "C",
                "nt_num": doc.number,
                "nt_dt": portal_date(doc.day),
                "val": rupees(doc.value),
                "pos": doc.pos,
                "rchrg": "N",
                "inv_typ": "R",
                "itms": _items(doc.by_rate, inter=doc.inter),
            }
        )
    b2cs = []
    for (supply, place, rate), tax in sorted(
        report.b2cs.items(), key=lambda e: (e[0][0], e[0][1], Decimal(e[0][2]))
    ):
        b2cs.append(
            {
                "sply_ty": supply,
                "pos": place,
                "typ": "OE",
                "rt": portal_rate(rate),
                "txval": rupees(tax.taxable),
                **_tax_json(tax, supply == "INTER"),
            }
        )
    return {
        "gstin": report.gstin,
        "fp": report.period,
        "version": JSON_VERSION,
        "hash": "hash",
        "b2b": [{"ctin": gstin, "inv": docs} for gstin, docs in sorted(b2b.items())],
        "b2cl": [{"pos": pos, "inv": docs} for pos, docs in sorted(b2cl.items())],
        "b2cs": b2cs,
        "cdnr": [{"ctin": gstin, "nt": docs} for gstin, docs in sorted(cdnr.items())],
        "cdnur": [
            {
                "typ": "B2CL",
                "ntty": "C",
                "nt_num": doc.number,
                "nt_dt": portal_date(doc.day),
                "val": rupees(doc.value),
                "pos": doc.pos,
                "itms": _items(doc.by_rate, inter=True),
            }
            for doc in report.cdnur
        ],
        "nil": {
            "inv": [
                {"sply_ty": kind, "expt_amt": 0, "nil_amt": rupees(amount), "ngsup_amt": 0}
                for kind, amount in sorted(report.nil.items())
            ]
        },
        "hsn": {"hsn_b2b": _hsn_json(report.hsn_b2b), "hsn_b2c": _hsn_json(report.hsn_b2c)},
        "doc_issue": {"doc_det": _documents_json(report.documents)},
    }


def _hsn_json(rows: list[HsnRow]) -> list[dict[str, Any]]:
    return [
        {
            "num": position,
            "hsn_sc": row.hsn,
            "desc": row.description,
            "uqc": row.uqc,
            "qty": float(row.quantity),
            "rt": portal_rate(row.rate),
            "txval": rupees(row.tax.taxable),
            "iamt": rupees(row.tax.igst),
            "camt": rupees(row.tax.cgst),
            "samt": rupees(row.tax.sgst),
            "csamt": 0,
        }
        for position, row in enumerate(rows, start=1)
    ]


DOCUMENT_TYPES = {1: "Invoices for outward supply", 5: "Credit Note"}


def _documents_json(ranges: list[SeriesRange]) -> list[dict[str, Any]]:
    by_kind: dict[int, list[SeriesRange]] = defaultdict(list)
    for entry in ranges:
        by_kind[entry.kind].append(entry)
    return [
        {
            "doc_num": kind,
            "doc_typ": DOCUMENT_TYPES[kind],
            "docs": [
                {
                    "num": position,
                    "from": r.first,
                    "to": r.last,
                    "totnum": r.total,
                    "cancel": r.cancelled,
                    "net_issue": r.net,
                }
                for position, r in enumerate(entries, start=1)
            ],
        }
        for kind, entries in sorted(by_kind.items())
    ]


def place_label(code: str) -> str:
    """ "29" -> "29-Karnataka", as the offline tool's sheets write a place of supply."""
    state = state_by_code(code)
    return f"{code}-{state.name}" if state else code
