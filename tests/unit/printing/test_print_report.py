"""Generic report tables."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from tests.unit.printing.documents import pdf_pages
from viveka_pos.printing.report_pdf import Column, ReportTable, render_report


def flat(text: str) -> str:
    return " ".join(text.split())


def sales_report(rows: int, extra_columns: int = 0) -> ReportTable:
    columns = [
        Column("Date"),
        Column("Invoice"),
        Column("Customer", width=2.5),
        Column("Taxable", "right"),
        Column("Tax", "right"),
        Column("Total", "right"),
    ]
    columns += [Column(f"Extra {n}", "right") for n in range(extra_columns)]
    body = [
        [
            f"{n % 28 + 1:02d} Jul 2025",
            f"A1/2526/{n + 1:05d}",
            "Anil Kumar & Sons, wholesale and retail, Chickpet" if n % 5 == 0 else "Walk-in",
            "1,000.00",
            "180.00",
            "1,180.00",
            *["0.00"] * extra_columns,
        ]
        for n in range(rows)
    ]
    return ReportTable(
        title="Sales register",
        subtitle="1 Jul 2025 – 31 Jul 2025",
        columns=columns,
        rows=body,
        totals=[
            "Total",
            "",
            f"{rows} bills",
            "1,00,000.00",
            "18,000.00",
            "1,18,000.00",
            *[""] * extra_columns,
        ],
    )


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    return [
        (float(p.mediabox.width), float(p.mediabox.height))
        for p in PdfReader(io.BytesIO(pdf)).pages
    ]


def test_report_pages_carry_shop_period_header_and_numbers(shop):
    pdf = render_report(sales_report(100), shop)
    pages = [flat(p) for p in pdf_pages(pdf)]
    assert len(pages) >= 2
    for number, text in enumerate(pages, 1):
        assert "Sharma Hardware & Electricals" in text
        assert "1 Jul 2025 – 31 Jul 2025" in text
        assert "Sales register" in text
        assert "Date Invoice Customer Taxable Tax Total" in text
        assert f"Page {number} of {len(pages)}" in text
    assert "Total 100 bills 1,00,000.00 18,000.00 1,18,000.00" in pages[-1]
    assert "A1/2526/00100" in pages[-1]
    assert "Anil Kumar & Sons, wholesale and retail, Chickpet" in " ".join(pages)
    assert all(w < h for w, h in page_sizes(pdf))  # six columns: portrait


def test_more_than_seven_columns_turn_the_page(shop):
    pdf = render_report(sales_report(10, extra_columns=2), shop)
    assert all(w > h for w, h in page_sizes(pdf))


def test_empty_report_says_so(shop):
    report = sales_report(0)
    report.totals = None
    text = flat(pdf_pages(render_report(report, shop))[0])
    assert "Nothing to show for this period." in text
    assert "Page 1 of 1" in text


def test_rows_must_match_the_columns(shop):
    report = sales_report(3)
    report.rows[1] = report.rows[1][:-1]
    with pytest.raises(ValueError, match="row 2 has 5 cells, expected 6"):
        render_report(report, shop)


def test_report_is_reproducible(shop):
    made = datetime(2025, 7, 14, 6, 30, tzinfo=UTC)
    first = render_report(sales_report(40), shop, created=made)
    assert first == render_report(sales_report(40), shop, created=made)
    assert PdfReader(io.BytesIO(first)).metadata.creation_date == made


def test_a_report_is_dated_when_it_is_made(shop):
    before = datetime.now(UTC).replace(microsecond=0)
    pdf = render_report(sales_report(3), shop)
    created = PdfReader(io.BytesIO(pdf)).metadata.creation_date
    assert before <= created <= datetime.now(UTC)
