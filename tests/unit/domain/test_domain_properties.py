"""Hypothesis properties of the invoice arithmetic and the validation helpers."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from viveka_pos.domain import validation as v
from viveka_pos.domain.errors import ValidationError
from viveka_pos.domain.tax import InvoiceTotals, LineInput, compute_invoice
from viveka_pos.domain.words import amount_in_words


@st.composite
def bill_lines(draw: st.DrawFn) -> list[LineInput]:
    lines = []
    for index in range(draw(st.integers(min_value=1, max_value=8))):
        unit = draw(st.sampled_from(v.UNITS))
        if unit in v.WHOLE_UNITS:
            quantity = Decimal(draw(st.integers(min_value=1, max_value=500)))
        else:
            quantity = Decimal(draw(st.integers(min_value=1, max_value=500_000))) / 1000
        price = draw(st.integers(min_value=0, max_value=5_000_000))
        gross = int((quantity * price).to_integral_value(rounding="ROUND_HALF_UP"))
        lines.append(
            LineInput(
                item_id=None,
                name=f"Item {index}",
                group="",
                unit=unit,
                hsn_code=draw(st.sampled_from(["8708", "4011", "998714", ""])),
                gst_rate=draw(st.sampled_from(v.GST_RATES)),
                quantity=quantity,
                unit_price=price,
                line_discount=draw(st.integers(min_value=0, max_value=gross)),
            )
        )
    return lines


@st.composite
def bills(draw: st.DrawFn) -> tuple[list[LineInput], int, bool, str]:
    lines = draw(bill_lines())
    room = 0
    for line in lines:
        gross = int((line.quantity * line.unit_price).to_integral_value(rounding="ROUND_HALF_UP"))
        room += gross - line.line_discount
    bill_discount = draw(st.integers(min_value=0, max_value=room))
    return lines, bill_discount, draw(st.booleans()), draw(st.sampled_from(["intra", "inter"]))


def compute(bill: tuple[list[LineInput], int, bool, str]) -> InvoiceTotals:
    lines, bill_discount, inclusive, supply = bill
    return compute_invoice(
        lines, bill_discount=bill_discount, prices_include_tax=inclusive, supply_type=supply
    )


@settings(max_examples=300)
@given(bills())
def test_totals_are_sums_of_lines(bill: tuple[list[LineInput], int, bool, str]) -> None:
    totals = compute(bill)
    lines = totals.lines
    assert totals.subtotal == sum(x.gross for x in lines)
    assert totals.total_discount == sum(x.discount for x in lines)
    assert totals.total_taxable == sum(x.taxable for x in lines)
    assert totals.total_cgst == sum(x.cgst for x in lines)
    assert totals.total_sgst == sum(x.sgst for x in lines)
    assert totals.total_igst == sum(x.igst for x in lines)
    assert totals.total_amount == sum(x.line_total for x in lines)
    assert totals.total_tax == sum(r.tax for r in totals.tax_summary)
    assert totals.total_taxable == sum(r.taxable for r in totals.tax_summary)


@settings(max_examples=300)
@given(bills())
def test_invoice_identities(bill: tuple[list[LineInput], int, bool, str]) -> None:
    totals = compute(bill)
    assert totals.total_amount == totals.subtotal - totals.total_discount + totals.total_tax
    assert totals.total_cgst + totals.total_sgst + totals.total_igst == totals.total_tax
    for line in totals.lines:
        assert line.gross - line.discount == line.taxable
        assert line.taxable + line.cgst + line.sgst + line.igst == line.line_total
        assert line.discount >= 0 and line.taxable >= 0
        if totals.supply_type == "inter":
            assert line.cgst == line.sgst == 0
        else:
            assert line.igst == 0
            assert 0 <= line.cgst - line.sgst <= (0 if totals.prices_include_tax else 1)


@settings(max_examples=300)
@given(bills())
def test_discounts_and_amounts_due_are_exact(bill: tuple[list[LineInput], int, bool, str]) -> None:
    lines, bill_discount, inclusive, _ = bill
    totals = compute(bill)
    entered_gross = [
        int((x.quantity * x.unit_price).to_integral_value(rounding="ROUND_HALF_UP")) for x in lines
    ]
    entered_discounts = sum(x.line_discount for x in lines) + bill_discount
    if inclusive:
        # The customer pays exactly what was entered, less the discounts.
        assert totals.total_amount == sum(entered_gross) - entered_discounts
    else:
        assert totals.subtotal == sum(entered_gross)
        assert totals.total_discount == entered_discounts


ARBITRARY = st.one_of(
    st.none(),
    st.booleans(),
    st.text(),
    st.text(alphabet="0123456789+-. ()%,₹eE", max_size=30),
    st.integers(),
    st.floats(),
    st.decimals(),
    st.lists(st.integers(), max_size=2),
)

HELPERS: dict[str, Callable[[object], object]] = {
    "phone": lambda x: v.phone(x),
    "optional phone": lambda x: v.phone(x, required=False),
    "name": lambda x: v.name(x),
    "optional name": lambda x: v.optional_name(x),
    "optional text": lambda x: v.optional_text(x, "notes"),
    "email": lambda x: v.email(x),
    "gstin": lambda x: v.gstin(x),
    "hsn": lambda x: v.hsn_code(x),
    "unit": lambda x: v.unit(x),
    "payment method": lambda x: v.payment_method(x),
    "otp purpose": lambda x: v.otp_purpose(x),
    "order status": lambda x: v.dealer_order_status(x),
    "gst rate": lambda x: v.gst_rate(x),
    "amount": lambda x: v.amount(x, "price"),
    "positive amount": lambda x: v.amount(x, "amount", allow_zero=False),
    "quantity kg": lambda x: v.quantity(x, "kg"),
    "stock nos": lambda x: v.quantity(x, "nos", "stock", allow_zero=True),
    "quantity unit": lambda x: v.quantity(1, x),
    "object id": lambda x: v.object_id(x, "itemId"),
    "optional object id": lambda x: v.optional_object_id(x, "groupId"),
    "date": lambda x: v.parse_date(x, "invoiceDate"),
}


@pytest.mark.parametrize("helper", list(HELPERS.values()), ids=list(HELPERS))
@settings(max_examples=100)
@given(value=ARBITRARY)
def test_helpers_return_or_raise_validation_error(
    helper: Callable[[object], object], value: object
) -> None:
    try:
        helper(value)
    except ValidationError as err:
        assert err.field and err.message
        assert str(err) == f"{err.field}: {err.message}"


@given(st.integers(min_value=0, max_value=10**14))
def test_amount_in_words_is_plain_words(paise: int) -> None:
    text = amount_in_words(paise)
    assert text.startswith("Rupees ") and text.endswith(" Only")
    assert ("Paise" in text) == (paise % 100 > 1)
    assert ("One Paisa" in text) == (paise % 100 == 1)
    assert all(word.isalpha() for word in text.split())


@settings(max_examples=400, deadline=None)
@given(
    rupees=st.integers(min_value=1, max_value=10_000),
    rate=st.sampled_from(v.GST_RATES),
    paise=st.sampled_from([0, 0, 50, 99, 1]),
)
def test_price_including_tax_splits_cgst_and_sgst_equally(
    rupees: int, rate: object, paise: int
) -> None:
    """Every price from ₹1 to ₹10,000 at every notified rate: CGST = SGST, the halves and the
    taxable value add up to the price, and IGST is the same total as CGST + SGST."""
    price = rupees * 100 + (paise if rupees < 10_000 else 0)
    entry = LineInput(
        item_id=None,
        name="Part",
        group="",
        unit="nos",
        hsn_code="8708",
        gst_rate=rate,
        quantity=Decimal(1),
        unit_price=price,
    )
    intra = compute_invoice([entry], prices_include_tax=True).lines[0]
    inter = compute_invoice([entry], prices_include_tax=True, supply_type="inter").lines[0]
    assert intra.cgst == intra.sgst
    assert intra.taxable + intra.cgst + intra.sgst == price
    assert inter.igst == intra.cgst + intra.sgst and inter.taxable == intra.taxable
    # each half is the exact half-tax rounded once: off by at most half a paisa
    exact_half = Decimal(price) * Decimal(rate) / 2 / (100 + Decimal(rate))
    assert abs(intra.cgst - exact_half) <= Decimal("0.5")


def test_every_rupee_price_to_ten_thousand_splits_equally_at_every_rate() -> None:
    """The same rule checked exhaustively on whole-rupee prices (the MRPs shops enter)."""
    for rate in v.GST_RATES:
        for rupees in range(1, 10_001):
            entry = LineInput(
                item_id=None,
                name="Part",
                group="",
                unit="nos",
                hsn_code="",
                gst_rate=rate,
                quantity=Decimal(1),
                unit_price=rupees * 100,
            )
            only = compute_invoice([entry], prices_include_tax=True).lines[0]
            assert only.cgst == only.sgst, (rate, rupees)
            assert only.taxable + 2 * only.cgst == rupees * 100
