"""GSTR-1 as sheets: one table per section, with the column headings of the portal's
offline tool (so the CSV files can be pasted into its Excel template), for CSV files and
the Reports screen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..domain.money import to_decimal
from ..files import OutputFileError, reason
from . import csv_io
from .gstr1 import (
    DOCUMENT_TYPES,
    UQC_TITLES,
    Document,
    Gstr1,
    HsnRow,
    place_label,
    portal_rate,
)


@dataclass(frozen=True)
class Sheet:
    name: str  # file name without .csv
    title: str
    header: list[str]
    rows: list[list[str]]


def _money(paise: int) -> str:
    return f"{to_decimal(paise)}"


def _day(day: date | None) -> str:
    return day.strftime("%d-%b-%Y") if day else ""


def _rate(rate: Any) -> str:
    return f"{portal_rate(rate)}"


def _document_rows(docs: list[Document], *, with_party: bool, note: bool) -> list[list[str]]:
    rows = []
    for doc in docs:
        for rate, tax in doc.by_rate.items():
            party = [doc.gstin, doc.name] if with_party else []
            if note:
                head = [*party, doc.number, _day(doc.day), "C", place_label(doc.pos)]
                head += ["N", "Regular B2B"] if with_party else []
                head += [_money(doc.value)]
            else:
                head = [*party, doc.number, _day(doc.day), _money(doc.value), place_label(doc.pos)]
                head += ["N", "", "Regular B2B", ""] if with_party else ["", ""]
            rows.append(
                [
                    *head,
                    _rate(rate),
                    _money(tax.taxable),
                    _money(tax.igst),
                    _money(tax.cgst),
                    _money(tax.sgst),
                    "0.00",
                    *([doc.invoice_number, _day(doc.invoice_day)] if note else []),
                ]
            )
    return rows


_TAX = ["Rate", "Taxable Value", "Integrated Tax", "Central Tax", "State/UT Tax", "Cess Amount"]
_ORIGINAL = ["Original Invoice Number", "Original Invoice Date"]


def _hsn_rows(rows: list[HsnRow]) -> list[list[str]]:
    return [
        [
            row.hsn,
            row.description,
            f"{row.uqc}-{UQC_TITLES.get(row.uqc, row.uqc)}",
            f"{row.quantity.normalize():f}" if row.quantity else "0",
            _money(row.value),
            _rate(row.rate),
            _money(row.tax.taxable),
            _money(row.tax.igst),
            _money(row.tax.cgst),
            _money(row.tax.sgst),
            "0.00",
        ]
        for row in rows
    ]


_HSN = [
    "HSN",
    "Description",
    "UQC",
    "Total Quantity",
    "Total Value",
    "Rate",
    "Taxable Value",
    "Integrated Tax Amount",
    "Central Tax Amount",
    "State/UT Tax Amount",
    "Cess Amount",
]

_NIL_TITLES = {
    "INTRB2B": "Inter-State supplies to registered persons",
    "INTRAB2B": "Intra-State supplies to registered persons",
    "INTRB2C": "Inter-State supplies to unregistered persons",
    "INTRAB2C": "Intra-State supplies to unregistered persons",
}


def sheets(report: Gstr1) -> list[Sheet]:
    """Every table of the month, in the order of the return."""
    b2cs_rows = [
        [
            "OE",
            place_label(place),
            _rate(rate),
            "",
            _money(tax.taxable),
            _money(tax.igst),
            _money(tax.cgst),
            _money(tax.sgst),
            "0.00",
            "",
            supply.title(),
        ]
        for (supply, place, rate), tax in sorted(
            report.b2cs.items(), key=lambda e: (e[0][0], e[0][1], Decimal(e[0][2]))
        )
    ]
    return [
        Sheet(
            "b2b",
            "B2B invoices (4A)",
            [
                "GSTIN/UIN of Recipient",
                "Receiver Name",
                "Invoice Number",
                "Invoice date",
                "Invoice Value",
                "Place Of Supply",
                "Reverse Charge",
                "Applicable % of Tax Rate",
                "Invoice Type",
                "E-Commerce GSTIN",
                *_TAX,
            ],
            _document_rows(report.b2b, with_party=True, note=False),
        ),
        Sheet(
            "b2cl",
            "B2C large invoices (5)",
            [
                "Invoice Number",
                "Invoice date",
                "Invoice Value",
                "Place Of Supply",
                "Applicable % of Tax Rate",
                "E-Commerce GSTIN",
                *_TAX,
            ],
            _document_rows(report.b2cl, with_party=False, note=False),
        ),
        Sheet(
            "b2cs",
            "B2C small, net of credit notes (7)",
            [
                "Type",
                "Place Of Supply",
                "Rate",
                "Applicable % of Tax Rate",
                "Taxable Value",
                "Integrated Tax",
                "Central Tax",
                "State/UT Tax",
                "Cess Amount",
                "E-Commerce GSTIN",
                "Supply Type",
            ],
            b2cs_rows,
        ),
        Sheet(
            "cdnr",
            "Credit notes to registered buyers (9B)",
            [
                "GSTIN/UIN of Recipient",
                "Receiver Name",
                "Note Number",
                "Note Date",
                "Note Type",
                "Place Of Supply",
                "Reverse Charge",
                "Note Supply Type",
                "Note Value",
                *_TAX,
                *_ORIGINAL,
            ],
            _document_rows(report.cdnr, with_party=True, note=True),
        ),
        Sheet(
            "cdnur",
            "Credit notes to unregistered buyers (9B)",
            [
                "Note Number",
                "Note Date",
                "Note Type",
                "Place Of Supply",
                "Note Value",
                *_TAX,
                *_ORIGINAL,
            ],
            [["B2CL", *row] for row in _document_rows(report.cdnur, with_party=False, note=True)],
        ),
        Sheet(
            "nil",
            "Nil rated supplies (8)",
            [
                "Description",
                "Nil Rated Supplies",
                "Exempted (other than nil rated/non GST supply)",
                "Non-GST Supplies",
            ],
            [
                [_NIL_TITLES[kind], _money(amount), "0.00", "0.00"]
                for kind, amount in sorted(report.nil.items())
            ],
        ),
        Sheet("hsn_b2b", "HSN summary, B2B (12)", _HSN, _hsn_rows(report.hsn_b2b)),
        Sheet("hsn_b2c", "HSN summary, B2C (12)", _HSN, _hsn_rows(report.hsn_b2c)),
        Sheet(
            "docs",
            "Documents issued (13)",
            [
                "Nature of Document",
                "Sr. No. From",
                "Sr. No. To",
                "Total Number",
                "Cancelled",
                "Net Issued",
            ],
            [
                [
                    DOCUMENT_TYPES[r.kind],
                    r.first,
                    r.last,
                    str(r.total),
                    str(r.cancelled),
                    str(r.net),
                ]
                for r in report.documents
            ],
        ),
    ]


def write_csv(report: Gstr1, folder: Path) -> list[Path]:
    """One CSV file per table in ``folder`` (made if missing); returns the files written.
    Each is written whole or not at all and formula-safe (``csv_io.write_csv``)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputFileError(
            f"{folder} cannot be made a folder ({reason(exc)}).", folder
        ) from None
    return [
        csv_io.write_csv(
            folder / f"gstr1_{report.period}_{sheet.name}.csv", list(sheet.header), sheet.rows
        )
        for sheet in sheets(report)
    ]
