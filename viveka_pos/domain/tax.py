"""GST invoice arithmetic, exact to the paisa.

Every figure is computed per line, rounded half-up once, and the invoice totals are plain sums
of the lines, so what is printed always adds up:

    gross − discount = taxable          (per line)
    taxable + cgst + sgst + igst = line_total
    total_amount = subtotal − total_discount + total_tax = Σ line_total

A bill-level discount is spread over the lines with :func:`money.allocate`, in proportion to
each line's value after its own discount, so the line discounts add up to exactly what was
entered.

With ``prices_include_tax`` the entered prices (and discounts) include GST. The customer pays
exactly the entered amount after discounts. One half of the tax, ``amount × (rate / 2) / (100 +
rate)``, is rounded half-up once and doubled: CGST and SGST are always equal (IGST is the same
total), and the taxable value is the amount less the tax. ``gross`` and ``discount`` of such a line
are then reported *without* tax (gross rounded the same way, discount = gross − taxable), as a
tax invoice shows values before tax; ``unit_price`` keeps the price as entered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Literal

from bson import ObjectId

from viveka_pos.domain import validation
from viveka_pos.domain.errors import ValidationError
from viveka_pos.domain.money import allocate, format_inr, percent_of, round_half_up
from viveka_pos.domain.states import require_state_code

SupplyType = Literal["intra", "inter"]
Rate = int | Decimal
"""A GST rate in percent: ``int`` when whole, else an exact ``Decimal`` (0.25, 1.5)."""
SUPPLY_TYPES: tuple[str, ...] = ("intra", "inter")


@dataclass(frozen=True, slots=True)
class LineSnapshot:
    """What a bill line copies of its item when it is added (so later edits of the item never
    change the bill), its quantity and its price in paise."""

    item_id: ObjectId | str | None
    name: str
    group: str
    unit: str
    hsn_code: str
    gst_rate: Rate
    quantity: Decimal
    unit_price: int


@dataclass(frozen=True, slots=True)
class LineInput(LineSnapshot):
    """One bill line as entered: the snapshot and the line's own discount in paise."""

    line_discount: int = 0


class SplitTax:
    """The ``tax`` of anything carrying its GST as CGST, SGST and IGST (paise): a bill's
    lines, the summaries of its rates and HSN codes, a return's rows."""

    __slots__ = ()
    cgst: int
    sgst: int
    igst: int

    @property
    def tax(self) -> int:
        return self.cgst + self.sgst + self.igst


@dataclass(frozen=True, slots=True)
class LineTotals(LineSnapshot, SplitTax):
    """One computed line; every amount is in paise."""

    gross: int
    discount: int
    taxable: int
    cgst: int
    sgst: int
    igst: int
    line_total: int


@dataclass(frozen=True, slots=True)
class TaxSummaryRow(SplitTax):
    """Taxable value and tax of all lines sharing an HSN code and rate (paise)."""

    hsn_code: str
    gst_rate: Rate
    taxable: int
    cgst: int
    sgst: int
    igst: int


@dataclass(frozen=True, slots=True)
class InvoiceTotals:
    lines: list[LineTotals]
    subtotal: int
    total_discount: int
    total_taxable: int
    total_cgst: int
    total_sgst: int
    total_igst: int
    total_tax: int
    total_amount: int
    tax_summary: list[TaxSummaryRow]
    bill_discount: int
    prices_include_tax: bool
    supply_type: SupplyType


def supply_type_for(shop_state_code: str, customer_state_code: str | None) -> SupplyType:
    """'intra' when the customer is in the shop's state or their state is unknown, else 'inter'."""
    shop = require_state_code(shop_state_code, "stateCode")
    if customer_state_code is None or (
        isinstance(customer_state_code, str) and not customer_state_code.strip()
    ):
        return "intra"
    customer = require_state_code(customer_state_code, "placeOfSupply")
    return "intra" if customer == shop else "inter"


def _paise(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(field, "must be a whole number of paise")
    if value < 0:
        raise ValidationError(field, "cannot be negative")
    return value


def _included_tax(amount: int, rate: Rate) -> tuple[int, int]:
    """(taxable, one half of the tax) of an amount that includes tax at ``rate``.

    The half is rounded once and doubled, so CGST = SGST always; the taxable value is the
    amount less the whole tax.
    """
    half = round_half_up(Decimal(amount) * Decimal(rate) / 2 / (100 + Decimal(rate)))
    return amount - 2 * half, half


# A bill is recomputed after every change to it, each time over all its lines: the checks
# and tax of a line that did not change come from these caches (pure functions of their
# arguments; ``typed`` keeps ``True`` apart from ``1``).
@lru_cache(maxsize=4096, typed=True)
def _checked_line(
    gst_rate: object,
    unit: object,
    quantity: object,
    unit_price: object,
    line_discount: object,
    name: str,
) -> tuple[str, Decimal, Rate, int]:
    """(unit, quantity, rate, gross) of a line, or ValidationError."""
    rate = validation.gst_rate(gst_rate)
    checked_unit = validation.unit(unit)
    checked_quantity = validation.quantity(quantity, checked_unit)
    price = _paise(unit_price, "price")
    discount = _paise(line_discount, "discount")
    gross = round_half_up(checked_quantity * price)
    if discount > gross:
        raise ValidationError(
            "discount",
            f"the discount on {name} ({format_inr(discount)}) cannot be more "
            f"than its amount ({format_inr(gross)})",
        )
    return checked_unit, checked_quantity, rate, gross


@lru_cache(maxsize=4096, typed=True)
def _line_tax(
    net: int, gross: int, rate: Rate, kind: SupplyType, prices_include_tax: bool
) -> tuple[int, int, int, int, int]:
    """(taxable, shown gross, cgst, sgst, igst) of a line worth ``net`` after discounts."""
    if prices_include_tax:
        taxable, half = _included_tax(net, rate)
        # Rounding each half can make a smaller amount's taxable value larger by a paisa
        # (3 paise at 40 % has no tax, 4 paise has 2): the shown gross is never below it.
        shown_gross = max(_included_tax(gross, rate)[0], taxable)
        if kind == "inter":
            return taxable, shown_gross, 0, 0, 2 * half
        return taxable, shown_gross, half, half, 0
    if kind == "inter":
        return net, gross, 0, 0, percent_of(net, rate)
    half = percent_of(net, Decimal(rate) / 2)
    return net, gross, half, half, 0


def compute_invoice(
    lines: Sequence[LineInput],
    *,
    bill_discount: int = 0,
    prices_include_tax: bool = False,
    supply_type: str = "intra",
) -> InvoiceTotals:
    """Totals of a bill. Raises ValidationError for a bad quantity, price, rate or discount."""
    if supply_type not in SUPPLY_TYPES:
        raise ValidationError("supplyType", "must be intra or inter")
    kind: SupplyType = "inter" if supply_type == "inter" else "intra"
    bill_discount = _paise(bill_discount, "discount")

    checked: list[tuple[LineInput, str, Decimal, Rate, int]] = []
    for line in lines:
        values = (
            line.gst_rate,
            line.unit,
            line.quantity,
            line.unit_price,
            line.line_discount,
            line.name,
        )
        try:
            unit, quantity, rate, gross = _checked_line(*values)
        except TypeError:  # unhashable (malformed) input: check it without the cache
            unit, quantity, rate, gross = _checked_line.__wrapped__(*values)
        checked.append((line, unit, quantity, rate, gross))

    after_line_discounts = [gross - line.line_discount for line, _, _, _, gross in checked]
    if bill_discount > sum(after_line_discounts):
        raise ValidationError(
            "discount",
            f"the bill discount ({format_inr(bill_discount)}) cannot be more than the bill "
            f"amount ({format_inr(sum(after_line_discounts))})",
        )
    shares = allocate(bill_discount, after_line_discounts)

    results: list[LineTotals] = []
    for (line, unit, quantity, rate, gross), net, share in zip(
        checked, after_line_discounts, shares, strict=True
    ):
        totals_of = (line, unit, quantity, rate, gross, net - share, kind, prices_include_tax)
        try:
            results.append(_line_totals(*totals_of))
        except TypeError:  # an unhashable item id: compute it without the cache
            results.append(_line_totals.__wrapped__(*totals_of))
    return _totals(results, bill_discount, prices_include_tax, kind)


@lru_cache(maxsize=4096, typed=True)
def _line_totals(
    line: LineInput,
    unit: str,
    quantity: Decimal,
    rate: Rate,
    gross: int,
    net: int,
    kind: SupplyType,
    prices_include_tax: bool,
) -> LineTotals:
    """A checked line worth ``net`` after its discounts, with its tax (immutable: shared)."""
    taxable, shown_gross, cgst, sgst, igst = _line_tax(net, gross, rate, kind, prices_include_tax)
    return LineTotals(
        item_id=line.item_id,
        name=line.name,
        group=line.group,
        unit=unit,
        hsn_code=line.hsn_code,
        gst_rate=rate,
        quantity=quantity,
        unit_price=line.unit_price,
        gross=shown_gross,
        discount=shown_gross - taxable,
        taxable=taxable,
        cgst=cgst,
        sgst=sgst,
        igst=igst,
        line_total=taxable + cgst + sgst + igst,
    )


def _totals(
    lines: list[LineTotals], bill_discount: int, prices_include_tax: bool, kind: SupplyType
) -> InvoiceTotals:
    summary: dict[tuple[str, Rate], list[int]] = {}
    for line in lines:
        row = summary.setdefault((line.hsn_code, line.gst_rate), [0, 0, 0, 0])
        row[0] += line.taxable
        row[1] += line.cgst
        row[2] += line.sgst
        row[3] += line.igst
    total_cgst = sum(line.cgst for line in lines)
    total_sgst = sum(line.sgst for line in lines)
    total_igst = sum(line.igst for line in lines)
    return InvoiceTotals(
        lines=lines,
        subtotal=sum(line.gross for line in lines),
        total_discount=sum(line.discount for line in lines),
        total_taxable=sum(line.taxable for line in lines),
        total_cgst=total_cgst,
        total_sgst=total_sgst,
        total_igst=total_igst,
        total_tax=total_cgst + total_sgst + total_igst,
        total_amount=sum(line.line_total for line in lines),
        tax_summary=[
            TaxSummaryRow(hsn, rate, *values) for (hsn, rate), values in sorted(summary.items())
        ],
        bill_discount=bill_discount,
        prices_include_tax=prices_include_tax,
        supply_type=kind,
    )
