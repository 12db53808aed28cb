"""Amounts in words, Indian style (thousand, lakh, crore), as printed on a tax invoice."""

from __future__ import annotations

from viveka_pos.domain.errors import ValidationError

_ONES = (
    "Zero",
    "One",
    "Two",
    "Three",
    "Four",
    "Five",
    "Six",
    "Seven",
    "Eight",
    "Nine",
    "Ten",
    "Eleven",
    "Twelve",
    "Thirteen",
    "Fourteen",
    "Fifteen",
    "Sixteen",
    "Seventeen",
    "Eighteen",
    "Nineteen",
)
_TENS = ("", "", "Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety")


def _below_hundred(number: int) -> list[str]:
    if number < 20:
        return [_ONES[number]]
    tens, ones = divmod(number, 10)
    return [_TENS[tens]] + ([_ONES[ones]] if ones else [])


def _below_thousand(number: int) -> list[str]:
    hundreds, rest = divmod(number, 100)
    words = [_ONES[hundreds], "Hundred"] if hundreds else []
    return words + (_below_hundred(rest) if rest else [])


def number_in_words(number: int) -> str:
    """A whole number in Indian words: 1234567 -> "Twelve Lakh Thirty Four Thousand ..."."""
    if isinstance(number, bool) or not isinstance(number, int) or number < 0:
        raise ValidationError("amount", "must be a whole number that is not negative")
    if number == 0:
        return "Zero"
    return " ".join(_indian_words(number))


def _indian_words(number: int) -> list[str]:
    """Words of a positive number; counts of crores above 99 are themselves spelled in full."""
    crores, rest = divmod(number, 10_000_000)
    lakhs, rest = divmod(rest, 100_000)
    thousands, rest = divmod(rest, 1000)
    words = [*_indian_words(crores), "Crore"] if crores else []
    if lakhs:
        words += [*_below_hundred(lakhs), "Lakh"]
    if thousands:
        words += [*_below_hundred(thousands), "Thousand"]
    if rest:
        words += _below_thousand(rest)
    return words


def amount_in_words(paise: int) -> str:
    """520000 -> "Rupees Five Thousand Two Hundred Only"; 75 -> "Rupees Zero and Seventy Five
    Paise Only"; one paisa is "One Paisa"."""
    if isinstance(paise, bool) or not isinstance(paise, int) or paise < 0:
        raise ValidationError("amount", "must be a whole number of paise that is not negative")
    rupees, fraction = divmod(paise, 100)
    text = f"Rupees {number_in_words(rupees)}"
    if fraction:
        unit = "Paisa" if fraction == 1 else "Paise"
        text += f" and {number_in_words(fraction)} {unit}"
    return f"{text} Only"
