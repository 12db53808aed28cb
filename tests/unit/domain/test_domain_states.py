"""GST state codes and their lookups."""

from __future__ import annotations

import pytest

from viveka_pos.domain.errors import ValidationError
from viveka_pos.domain.states import (
    STATES,
    current_states,
    normalize_state_code,
    require_state_code,
    state_by_code,
    state_by_name,
    state_code_of_gstin,
)


def test_codes_are_unique_and_two_digits() -> None:
    codes = [s.code for s in STATES]
    assert len(codes) == len(set(codes))
    assert all(len(c) == 2 and c.isdigit() for c in codes)
    assert codes[0] == "01" and codes[-1] == "97"


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("01", "Jammu and Kashmir"),
        ("07", "Delhi"),
        ("27", "Maharashtra"),
        ("29", "Karnataka"),
        ("36", "Telangana"),
        ("37", "Andhra Pradesh"),
        ("38", "Ladakh"),
        ("97", "Other Territory"),
    ],
)
def test_lookup_by_code(code: str, name: str) -> None:
    state = state_by_code(code)
    assert state is not None and state.name == name


def test_code_forms() -> None:
    assert state_by_code(7) == state_by_code("07") == state_by_code(" 7 ")
    assert normalize_state_code(True) is None
    assert normalize_state_code("123") is None
    assert state_by_code("39") is None
    assert state_by_code("00") is None
    assert state_by_code(None) is None


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("karnataka", "29"),
        ("  TAMIL NADU ", "33"),
        ("Tamilnadu", "33"),
        ("Jammu & Kashmir", "01"),
        ("J&K", "01"),
        ("Orissa", "21"),
        ("Pondicherry", "34"),
        ("New Delhi", "07"),
        ("Uttaranchal", "05"),
        ("Andaman & Nicobar Islands", "35"),
        ("Daman and Diu", "26"),
        ("Andhra Pradesh", "37"),
        ("Chattisgarh", "22"),
    ],
)
def test_lookup_by_name(name: str, code: str) -> None:
    state = state_by_name(name)
    assert state is not None and state.code == code


def test_unknown_names() -> None:
    assert state_by_name("Atlantis") is None
    assert state_by_name("") is None
    assert state_by_name("!!") is None


def test_current_states_leave_out_legacy_codes() -> None:
    codes = {s.code for s in current_states()}
    assert "25" not in codes and "28" not in codes
    assert {"26", "37", "38"} <= codes
    names = [s.name for s in current_states()]
    assert names == sorted(names)


def test_require_state_code() -> None:
    assert require_state_code("9") == "09"
    with pytest.raises(ValidationError) as info:
        require_state_code("40", "placeOfSupply")
    assert info.value.field == "placeOfSupply"


def test_state_code_of_gstin() -> None:
    assert state_code_of_gstin("27AAPFU0939F1ZV") == "27"
    assert state_code_of_gstin(" 29abcde1234f1zw") == "29"
    for bad in ("", "4", "40AAPFU0939F1ZV", "XXAAPFU0939F1ZV"):
        with pytest.raises(ValidationError) as info:
            state_code_of_gstin(bad)
        assert info.value.field == "gstin"


@pytest.mark.parametrize(
    ("raw", "code"),
    [("Maharashtra", "27"), ("27", "27"), (27, "27"), (" tamil nadu ", "33"), ("Orissa", "21")],
)
def test_state_given_by_name_or_code(raw: object, code: str) -> None:
    from viveka_pos.domain.states import state_code_from_text

    assert state_code_from_text(raw) == code


def test_unknown_state_names_the_field() -> None:
    from viveka_pos.domain.states import state_code_from_text

    with pytest.raises(ValidationError) as info:
        state_code_from_text("Atlantis", "stateCode")
    assert info.value.field == "stateCode" and "state name" in info.value.message
