"""Amounts in words, Indian style."""

from __future__ import annotations

import pytest

from viveka_pos.domain.errors import ValidationError
from viveka_pos.domain.words import amount_in_words, number_in_words


@pytest.mark.parametrize(
    ("paise", "words"),
    [
        (500000, "Rupees Five Thousand Only"),
        (520000, "Rupees Five Thousand Two Hundred Only"),
        (
            12345678950,
            "Rupees Twelve Crore Thirty Four Lakh Fifty Six Thousand Seven Hundred Eighty Nine "
            "and Fifty Paise Only",
        ),
        (0, "Rupees Zero Only"),
        (75, "Rupees Zero and Seventy Five Paise Only"),
        (100, "Rupees One Only"),
        (1101, "Rupees Eleven and One Paisa Only"),
        (590000, "Rupees Five Thousand Nine Hundred Only"),
        (10000000, "Rupees One Lakh Only"),
        (1000000000, "Rupees One Crore Only"),
        (10100500, "Rupees One Lakh One Thousand Five Only"),
        (
            9999999999,
            "Rupees Nine Crore Ninety Nine Lakh Ninety Nine Thousand Nine Hundred "
            "Ninety Nine and Ninety Nine Paise Only",
        ),
    ],
)
def test_amount_in_words(paise: int, words: str) -> None:
    assert amount_in_words(paise) == words


def test_crores_above_ninety_nine_are_spelled_in_full() -> None:
    assert number_in_words(1234 * 10_000_000 + 5) == (
        "One Thousand Two Hundred Thirty Four Crore Five"
    )


def test_no_hyphens_or_commas() -> None:
    for paise in (2199, 4567800, 98765432101):
        text = amount_in_words(paise)
        assert "-" not in text and "," not in text
        assert all(word[0].isupper() for word in text.split() if word != "and")


@pytest.mark.parametrize("bad", [-1, True, 1.5])
def test_refuses_negative_and_non_integers(bad: object) -> None:
    with pytest.raises(ValidationError):
        amount_in_words(bad)  # type: ignore[arg-type]
