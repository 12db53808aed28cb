"""GST invoice arithmetic with concrete numbers (all amounts in paise)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from viveka_pos.domain.errors import ValidationError
from viveka_pos.domain.tax import LineInput, compute_invoice, supply_type_for


def line(
    price: int,
    quantity: str | int = 1,
    rate: int = 18,
    *,
    discount: int = 0,
    hsn: str = "8708",
    unit: str = "nos",
    name: str = "Carburetor",
) -> LineInput:
    return LineInput(
        item_id=None,
        name=name,
        group="Engine Parts",
        unit=unit,
        hsn_code=hsn,
        gst_rate=rate,
        quantity=Decimal(quantity),
        unit_price=price,
        line_discount=discount,
    )


def test_two_carburetors_at_18_percent_within_the_state() -> None:
    totals = compute_invoice([line(250000, 2, 18)], supply_type="intra")
    (only,) = totals.lines
    assert (only.gross, only.discount, only.taxable) == (500000, 0, 500000)
    assert (only.cgst, only.sgst, only.igst, only.line_total) == (45000, 45000, 0, 590000)
    assert totals.subtotal == 500000
    assert totals.total_taxable == 500000
    assert (totals.total_cgst, totals.total_sgst, totals.total_igst) == (45000, 45000, 0)
    assert totals.total_tax == 90000
    assert totals.total_amount == 590000


def test_inter_state_sale_charges_igst() -> None:
    totals = compute_invoice([line(9999, 3, 12)], supply_type="inter")
    (only,) = totals.lines
    # 12% of ₹299.97 = ₹35.9964, rounded half-up to ₹36.00
    assert (only.taxable, only.cgst, only.sgst, only.igst) == (29997, 0, 0, 3600)
    assert totals.total_amount == 33597
    assert totals.supply_type == "inter"


def test_half_rates_within_the_state() -> None:
    # 5% within the state is 2.5% CGST + 2.5% SGST, each rounded on its own:
    # 2.5% of ₹10.20 = 25.5 paise -> 26 paise each.
    totals = compute_invoice([line(1020, 1, 5)])
    assert (totals.total_cgst, totals.total_sgst) == (26, 26)
    assert totals.total_amount == 1072


def test_zero_rated_line_has_no_tax() -> None:
    totals = compute_invoice([line(4550, 2, 0)])
    assert totals.total_tax == 0
    assert totals.total_amount == 9100


def test_fractional_quantity_is_rounded_per_line() -> None:
    # 1.255 kg at ₹33.33 = ₹41.82915 -> ₹41.83
    totals = compute_invoice([line(3333, "1.255", 0, unit="kg")])
    assert totals.lines[0].gross == 4183


def test_prices_including_tax() -> None:
    totals = compute_invoice([line(11800, 1, 18)], prices_include_tax=True)
    (only,) = totals.lines
    assert (only.gross, only.taxable, only.cgst, only.sgst, only.line_total) == (
        10000,
        10000,
        900,
        900,
        11800,
    )


def test_prices_including_tax_split_into_equal_halves() -> None:
    # ₹100 including 18%: each half 100 × 9 / 118 = ₹7.627... -> ₹7.63; taxable ₹100 − ₹15.26
    totals = compute_invoice([line(10000, 1, 18)], prices_include_tax=True)
    (only,) = totals.lines
    assert only.taxable == 8474
    assert (only.cgst, only.sgst) == (763, 763)
    assert only.line_total == 10000
    assert totals.total_amount == 10000
    assert totals.total_amount == totals.subtotal - totals.total_discount + totals.total_tax


def test_prices_including_tax_inter_state_with_discount() -> None:
    # ₹118 incl. 18% less ₹11.80 incl. = ₹106.20 paid; taxable ₹90.00, IGST ₹16.20.
    totals = compute_invoice(
        [line(11800, 1, 18, discount=1180)], prices_include_tax=True, supply_type="inter"
    )
    (only,) = totals.lines
    assert (only.gross, only.discount, only.taxable, only.igst) == (10000, 1000, 9000, 1620)
    assert only.line_total == 10620
    assert only.unit_price == 11800


def test_bill_discount_is_spread_in_proportion_and_adds_up() -> None:
    lines = [line(10000, hsn="8708"), line(20000, hsn="8714"), line(30001, hsn="4011")]
    totals = compute_invoice(lines, bill_discount=1000)
    # 1000 × 10000/60001 = 166.66, × 20000/60001 = 333.32, × 30001/60001 = 500.008:
    # 166 + 333 + 500 = 999; the leftover paisa goes to the largest remainder (the first).
    assert [x.discount for x in totals.lines] == [167, 333, 500]
    assert totals.total_discount == 1000
    assert totals.bill_discount == 1000
    assert [x.taxable for x in totals.lines] == [9833, 19667, 29501]


def test_bill_discount_is_shared_after_line_discounts() -> None:
    lines = [line(10000, discount=10000), line(10000)]
    totals = compute_invoice(lines, bill_discount=500)
    assert [x.discount for x in totals.lines] == [10000, 500]
    assert [x.taxable for x in totals.lines] == [0, 9500]


def test_tax_summary_groups_by_hsn_and_rate() -> None:
    lines = [
        line(10000, 1, 18, hsn="8708"),
        line(5000, 2, 18, hsn="8708"),
        line(10000, 1, 28, hsn="8708"),
        line(30000, 1, 5, hsn="4011"),
    ]
    totals = compute_invoice(lines)
    rows = [(r.hsn_code, r.gst_rate, r.taxable, r.cgst, r.sgst, r.igst) for r in totals.tax_summary]
    assert rows == [
        ("4011", 5, 30000, 750, 750, 0),
        ("8708", 18, 20000, 1800, 1800, 0),
        ("8708", 28, 10000, 1400, 1400, 0),
    ]
    assert sum(r.tax for r in totals.tax_summary) == totals.total_tax


def test_empty_bill_is_all_zero() -> None:
    totals = compute_invoice([])
    assert (totals.subtotal, totals.total_tax, totals.total_amount) == (0, 0, 0)
    assert totals.lines == [] and totals.tax_summary == []


@pytest.mark.parametrize(
    ("kwargs", "lines", "field"),
    [
        ({}, [line(1000, discount=1001)], "discount"),
        ({"bill_discount": 1001}, [line(1000)], "discount"),
        ({"bill_discount": 1}, [], "discount"),
        ({"bill_discount": -1}, [line(1000)], "discount"),
        ({}, [line(1000, discount=-1)], "discount"),
        ({}, [line(1000, 0)], "quantity"),
        ({}, [line(1000, -2)], "quantity"),
        ({}, [line(1000, "1.5")], "quantity"),
        ({}, [line(-1)], "price"),
        ({}, [line(1000, rate=7)], "gstRate"),
        ({"supply_type": "export"}, [line(1000)], "supplyType"),
    ],
)
def test_rule_failures(kwargs: dict, lines: list[LineInput], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        compute_invoice(lines, **kwargs)
    assert info.value.field == field


def test_discount_message_names_the_amounts() -> None:
    with pytest.raises(ValidationError) as info:
        compute_invoice([line(1000)], bill_discount=1500)
    assert info.value.message == (
        "the bill discount (₹15.00) cannot be more than the bill amount (₹10.00)"
    )


def test_float_price_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        compute_invoice([line(10.5)])  # type: ignore[arg-type]
    assert info.value.field == "price"


def test_supply_type_for() -> None:
    assert supply_type_for("29", "29") == "intra"
    assert supply_type_for("29", None) == "intra"
    assert supply_type_for("29", "") == "intra"
    assert supply_type_for("7", "07") == "intra"
    assert supply_type_for("29", "27") == "inter"
    with pytest.raises(ValidationError) as info:
        supply_type_for("40", "29")
    assert info.value.field == "stateCode"
    with pytest.raises(ValidationError) as info:
        supply_type_for("29", "40")
    assert info.value.field == "placeOfSupply"


def test_lines_keep_snapshots_and_a_clean_unit() -> None:
    totals = compute_invoice([line(3333, "0.5", 5, unit=" KG ", name="Grease", hsn="3403")])
    (only,) = totals.lines
    assert (only.name, only.group, only.hsn_code, only.unit) == (
        "Grease",
        "Engine Parts",
        "3403",
        "kg",
    )
    assert (only.quantity, only.unit_price, only.gst_rate) == (Decimal("0.5"), 3333, 5)


def test_cached_line_checks_keep_types_apart_and_take_unhashable_input() -> None:
    """Line checks are cached (a bill is recomputed after every change); a cached good
    line must not let an equal-but-wrong value through, nor an unhashable one crash."""
    from bson import ObjectId

    item = ObjectId()

    def line(price: object, quantity: object = Decimal(1)) -> LineInput:
        return LineInput(item, "Bolt", "", "nos", "7318", 18, quantity, price, 0)  # type: ignore[arg-type]

    assert compute_invoice([line(1)]).total_amount == 1  # 1 paisa + 18% rounds to 1
    with pytest.raises(ValidationError, match="price"):
        compute_invoice([line(True)])  # equal to 1, but not paise
    with pytest.raises(ValidationError, match="quantity"):
        compute_invoice([line(100, [1])])
