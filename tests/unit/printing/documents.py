"""Stored documents for the printing tests, built the way the billing service stores them.

Every figure is worked out in paise and stored in rupees, so the identities of
docs/design/documents.md hold exactly (gross − discount = taxable; Σ lines = totals).
docs/samples/make_samples.py and bench/print_bench.py use the same documents.
Also: helpers that read a PDF back (text per page, text runs with their positions).
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from pypdf import PdfReader

from viveka_pos.domain.money import Paise, percent_of, to_rupees
from viveka_pos.domain.words import amount_in_words

SHOP_GSTIN = "29AABCV1234F1Z5"
CUSTOMER_GSTIN = "27AAPFU0939F1ZV"


@dataclass(frozen=True)
class LineSpec:
    name: str
    quantity: Decimal | int
    unit: str
    rate: Paise
    gst_rate: int
    hsn: str
    discount: Paise = 0
    group: str = "General"


def make_shop(**settings: Any) -> dict[str, Any]:
    """A Karnataka shop; keyword arguments override ``clientSettings`` entries."""
    client_settings: dict[str, Any] = {
        "customerFields": {"address": True, "gstNo": True, "emailId": False},
        "stateCode": "29",
        "invoicePrefix": "A1",
        "defaultGstRate": 18,
        "pricesIncludeTax": False,
        "paperSize": "a4",
        "termsText": "Goods once sold will not be taken back.\n"
        "Interest at 18% p.a. is charged on bills unpaid after the due date.",
        "upiId": "sharmatraders@okaxis",
        "logoPath": "",
        "timeZone": "Asia/Kolkata",
    }
    client_settings.update(settings)
    return {
        "_id": "665f1f77bcf86cd799439011",
        "phoneNumber": "9845012345",
        "ownerName": "Ramesh Sharma",
        "businessName": "Sharma Traders Private Limited",
        "shopName": "Sharma Hardware & Electricals",
        "location": "No. 14, 2nd Cross, Chickpet",
        "city": "Bengaluru",
        "state": "Karnataka",
        "gstin": SHOP_GSTIN,
        "profileUrl": "",
        "clientSettings": client_settings,
        "isActive": True,
    }


STANDARD_LINES = (
    LineSpec(
        "Havells 1.5 sq mm FR copper wire, 90 m coil, red",
        Decimal(2),
        "coil",
        1_845_00,
        18,
        "85444920",
        discount=50_00,
    ),
    LineSpec("Anchor Roma 6A switch", Decimal(12), "pcs", 42_50, 18, "85365090"),
    LineSpec("Asian Paints Tractor Emulsion 4 L", Decimal(1), "can", 1_210_00, 18, "32091090"),
    LineSpec("PVC insulation tape", Decimal(10), "roll", 18_00, 18, "39191000", discount=5_00),
    LineSpec("M-seal 100 g", Decimal(3), "pkt", 55_00, 18, "32149090"),
    LineSpec("Binding wire (loose)", Decimal("2.5"), "kg", 96_00, 18, "72172010"),
    LineSpec("Cement OPC 53 grade 50 kg bag", Decimal(4), "bag", 395_00, 28, "25232930"),
    LineSpec("LED bulb 9 W B22 cool daylight", Decimal(6), "pcs", 99_00, 12, "85395000"),
)

LONG_NAME = (
    "Finolex FR-LSH 4 sq mm multi-strand flexible copper conductor house wire "
    "180 m coil, yellow, ISI marked, for kitchen and air conditioner circuits"
)


def make_line(spec: LineSpec, inter: bool) -> dict[str, Any]:
    quantity_value = Decimal(spec.quantity)
    gross = int((quantity_value * spec.rate).to_integral_value())
    taxable = gross - spec.discount
    if inter:
        cgst = sgst = 0
        igst = percent_of(taxable, spec.gst_rate)
    else:
        cgst = sgst = percent_of(taxable, Decimal(spec.gst_rate) / 2)
        igst = 0
    quantity: int | float = (
        int(quantity_value)
        if quantity_value == quantity_value.to_integral_value()
        else float(quantity_value)
    )
    return {
        "productId": f"item-{zlib.crc32(spec.name.encode()) % 10_000:04d}",
        "itemName": spec.name,
        "itemGroup": spec.group,
        "quantity": quantity,
        "costPerUnit": to_rupees(spec.rate),
        "unit": spec.unit,
        "hsnCode": spec.hsn,
        "gstRate": spec.gst_rate,
        "grossAmount": to_rupees(gross),
        "discount": to_rupees(spec.discount),
        "taxableValue": to_rupees(taxable),
        "cgst": to_rupees(cgst),
        "sgst": to_rupees(sgst),
        "igst": to_rupees(igst),
        "lineTotal": to_rupees(taxable + cgst + sgst + igst),
    }


def _paise(value: int | float) -> Paise:
    return round(value * 100)


def make_invoice(
    lines: tuple[LineSpec, ...] | list[LineSpec] = STANDARD_LINES,
    *,
    inter: bool = False,
    paid: Paise = 0,
    number: str = "A1/2526/00042",
    notes: str = "Delivered to site, Jayanagar 4th Block.",
) -> dict[str, Any]:
    """An invoice document; ``paid`` is in paise. Intra-state unless ``inter``."""
    products = [make_line(spec, inter) for spec in lines]

    def total(field: str) -> Paise:
        return sum(_paise(p[field]) for p in products)

    summary: dict[tuple[str, int], dict[str, Paise]] = {}
    for product in products:
        row = summary.setdefault(
            (product["hsnCode"], product["gstRate"]),
            {"taxableValue": 0, "cgst": 0, "sgst": 0, "igst": 0},
        )
        for field in row:
            row[field] += _paise(product[field])
    total_amount = total("lineTotal")
    tax = total("cgst") + total("sgst") + total("igst")
    assert total("grossAmount") - total("discount") + tax == total_amount
    return {
        "_id": "665f1f77bcf86cd799439099",
        "clientId": "665f1f77bcf86cd799439011",
        "clientCustomerId": "665f1f77bcf86cd799439030",
        "clientCustomerName": "Prakash Constructions" if inter else "Anil Kumar",
        "clientCustomerPhone": "9980011223",
        "invoiceNumber": number,
        "invoiceDate": "2025-07-14",
        "dueDate": "2025-08-13",
        "subtotal": to_rupees(total("grossAmount")),
        "totalTax": to_rupees(tax),
        "totalDiscount": to_rupees(total("discount")),
        "totalAmount": to_rupees(total_amount),
        "paidAmount": to_rupees(paid),
        "isFinalized": paid >= total_amount,
        "notes": notes,
        "products": products,
        "deviceId": "dev-1",
        "series": "A1",
        "financialYear": "2526",
        "sequence": 42,
        "supplyType": "inter" if inter else "intra",
        "shopStateCode": "29",
        "placeOfSupply": "27" if inter else "29",
        "customerGstin": CUSTOMER_GSTIN if inter else "",
        "customerAddress": "Plot 7, MIDC Bhosari\nPune 411026" if inter else "",
        "customerState": "27" if inter else "29",
        "billDiscount": 0,
        "totalCgst": to_rupees(total("cgst")),
        "totalSgst": to_rupees(total("sgst")),
        "totalIgst": to_rupees(total("igst")),
        "taxSummary": [
            {"hsnCode": hsn, "gstRate": rate, **{k: to_rupees(v) for k, v in row.items()}}
            for (hsn, rate), row in summary.items()
        ],
        "amountInWords": amount_in_words(total_amount),
        "generatedAt": "2025-07-14T06:30:00Z",
    }


def many_lines(count: int) -> list[LineSpec]:
    """``count`` lines cycling through the standard ones, each with a distinct name."""
    return [
        LineSpec(
            f"{base.name} — lot {n + 1}",
            base.quantity,
            base.unit,
            base.rate + n,
            base.gst_rate,
            base.hsn,
            base.discount,
        )
        for n, base in ((n, STANDARD_LINES[n % len(STANDARD_LINES)]) for n in range(count))
    ]


def make_payments(invoice: dict[str, Any], *amounts: Paise) -> list[dict[str, Any]]:
    methods = ("cash", "upi", "card", "bank")
    return [
        {
            "_id": f"pay-{n}",
            "clientId": invoice["clientId"],
            "invoiceId": invoice["_id"],
            "amount": to_rupees(amount),
            "method": methods[n % len(methods)],
            "note": "Advance at counter" if n == 0 else "",
            "paidAt": f"2025-07-{14 + n:02d}T20:15:00Z",
        }
        for n, amount in enumerate(amounts)
    ]


def make_dealer() -> dict[str, Any]:
    return {
        "_id": "665f1f77bcf86cd7994390d1",
        "clientId": "665f1f77bcf86cd799439011",
        "name": "Karnataka Electricals Distributors",
        "contactPerson": "Suresh Gowda",
        "phoneNumber": "8023456789",
        "email": "orders@ked.example.in",
        "address": "45, SP Road\nBengaluru 560002",
        "isActive": True,
    }


def make_dealer_order(
    *, urgent: bool = True, items: int = 6
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    order = {
        "_id": "665f1f77bcf86cd7994390e1",
        "clientId": "665f1f77bcf86cd799439011",
        "dealerId": "665f1f77bcf86cd7994390d1",
        "orderNumber": "PO-2526-0007",
        "status": "pending",
        "isUrgent": urgent,
        "deliveryInstructions": "Deliver before 11 am; use the rear gate on 3rd Cross.",
        "notes": "Call before dispatch if any item is short.",
        "pdfUrl": "",
        "totalAmount": None,
        "dueDate": None,
        "createdAt": datetime(2025, 7, 14, 19, 45),  # UTC: 15 Jul 2025 in Bengaluru
    }
    specs = [*STANDARD_LINES, LineSpec(LONG_NAME, Decimal(1), "coil", 0, 18, "")]
    order_items = [
        {
            "_id": f"poi-{n}",
            "orderId": order["_id"],
            "itemId": f"item-{n}",
            "itemNameSnapshot": specs[n % len(specs)].name,
            "quantity": (n % 4 + 1) * 5,
        }
        for n in range(items)
    ]
    return order, order_items


@dataclass(frozen=True)
class TextRun:
    """A piece of text as drawn on a PDF page: left edge, baseline, font and size."""

    text: str
    x: float
    y: float
    font: str
    size: float


def text_runs(pdf: bytes, page: int = 0) -> list[TextRun]:
    """Every text-showing operation of a page with its position (pages count from 0)."""
    runs: list[TextRun] = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        if text.strip():
            base = str(font.get("/BaseFont", "")) if font else ""
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            runs.append(TextRun(text.strip(), x, y, base.split("+")[-1], size))

    PdfReader(io.BytesIO(pdf)).pages[page].extract_text(visitor_text=visit)
    return runs


def pdf_pages(pdf: bytes) -> list[str]:
    """The extracted text of every page."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
