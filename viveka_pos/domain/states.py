"""Indian states and union territories with their GST state codes.

The code is the first two digits of every GSTIN and the "place of supply" printed on a tax
invoice. Two codes are kept only so that old GSTINs and invoices still resolve: 25 (Daman and
Diu, merged into 26 in 2020) and 28 (Andhra Pradesh before 2014; the state now uses 37).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from viveka_pos.domain.errors import ValidationError


@dataclass(frozen=True, slots=True)
class State:
    code: str
    name: str
    is_union_territory: bool = False
    legacy: bool = False


STATES: tuple[State, ...] = (
    State("01", "Jammu and Kashmir", is_union_territory=True),
    State("02", "Himachal Pradesh"),
    State("03", "Punjab"),
    State("04", "Chandigarh", is_union_territory=True),
    State("05", "Uttarakhand"),
    State("06", "Haryana"),
    State("07", "Delhi", is_union_territory=True),
    State("08", "Rajasthan"),
    State("09", "Uttar Pradesh"),
    State("10", "Bihar"),
    State("11", "Sikkim"),
    State("12", "Arunachal Pradesh"),
    State("13", "Nagaland"),
    State("14", "Manipur"),
    State("15", "Mizoram"),
    State("16", "Tripura"),
    State("17", "Meghalaya"),
    State("18", "Assam"),
    State("19", "West Bengal"),
    State("20", "Jharkhand"),
    State("21", "Odisha"),
    State("22", "Chhattisgarh"),
    State("23", "Madhya Pradesh"),
    State("24", "Gujarat"),
    State("25", "Daman and Diu", is_union_territory=True, legacy=True),
    State("26", "Dadra and Nagar Haveli and Daman and Diu", is_union_territory=True),
    State("27", "Maharashtra"),
    State("28", "Andhra Pradesh (Before Division)", legacy=True),
    State("29", "Karnataka"),
    State("30", "Goa"),
    State("31", "Lakshadweep", is_union_territory=True),
    State("32", "Kerala"),
    State("33", "Tamil Nadu"),
    State("34", "Puducherry", is_union_territory=True),
    State("35", "Andaman and Nicobar Islands", is_union_territory=True),
    State("36", "Telangana"),
    State("37", "Andhra Pradesh"),
    State("38", "Ladakh", is_union_territory=True),
    State("97", "Other Territory", is_union_territory=True),
)

_BY_CODE: dict[str, State] = {state.code: state for state in STATES}

# Other spellings seen on addresses and older documents, mapped to the current code.
_ALIASES: dict[str, str] = {
    "jk": "01",
    "jandk": "01",
    "nctofdelhi": "07",
    "newdelhi": "07",
    "delhinct": "07",
    "nationalcapitalterritoryofdelhi": "07",
    "uttaranchal": "05",
    "orissa": "21",
    "chattisgarh": "22",
    "chhatisgarh": "22",
    "pondicherry": "34",
    "andamanandnicobar": "35",
    "andamanandnicobarisland": "35",
    "dadraandnagarhaveli": "26",
    "dnhanddd": "26",
    "damananddiu": "26",
    "telengana": "36",
}


def _name_key(name: str) -> str:
    """Lower case, '&' as 'and', all but letters dropped: "Tamil Nadu" -> "tamilnadu"."""
    text = name.casefold().replace("&", "and")
    return re.sub(r"[^a-z]", "", text)


_BY_NAME: dict[str, State] = {_name_key(state.name): state for state in STATES if not state.legacy}
_BY_NAME.update({alias: _BY_CODE[code] for alias, code in _ALIASES.items()})


def current_states() -> list[State]:
    """States and territories a shop or customer can be in today (no legacy codes), by name."""
    return sorted((s for s in STATES if not s.legacy), key=lambda s: s.name)


def normalize_state_code(code: object) -> str | None:
    """'7', 7 or ' 07 ' -> '07'; None when it is not a one- or two-digit number."""
    if isinstance(code, bool):
        return None
    if isinstance(code, int):
        text = str(code)
    elif isinstance(code, str):
        text = code.strip()
    else:
        return None
    if not re.fullmatch(r"[0-9]{1,2}", text):
        return None
    return text.zfill(2)


def state_by_code(code: object) -> State | None:
    """The state with this GST code, or None."""
    normalized = normalize_state_code(code)
    return _BY_CODE.get(normalized) if normalized else None


def state_name(code: object) -> str:
    """The state's name for a code, or '' when the code is empty or unknown."""
    state = state_by_code(code) if code else None
    return state.name if state else ""


def state_by_name(name: str) -> State | None:
    """The state with this name, ignoring case, spaces and punctuation; common spellings work."""
    if not isinstance(name, str):
        return None
    key = _name_key(name)
    return _BY_NAME.get(key) if key else None


def require_state_code(value: object, field: str = "stateCode") -> str:
    """A known two-digit state code, or a ValidationError naming ``field``."""
    state = state_by_code(value)
    if state is None:
        raise ValidationError(field, "must be a known two-digit GST state code")
    return state.code


def state_code_from_text(value: object, field: str = "stateCode") -> str:
    """A state given by its GST code ("27", 27) or its name ("Maharashtra", "orissa")."""
    state = state_by_code(value)
    if state is None and isinstance(value, str):
        state = state_by_name(value)
    if state is None:
        raise ValidationError(field, "is not an Indian state name or its two-digit GST code")
    return state.code


def state_code_of_gstin(gstin: str) -> str:
    """The state code a GSTIN was issued in (its first two digits).

    Only the prefix is checked here; use ``validation.gstin`` for the full format and checksum.
    """
    if not isinstance(gstin, str):
        raise ValidationError("gstin", "must be text")
    text = gstin.strip()
    state = state_by_code(text[:2]) if len(text) >= 2 else None
    if state is None:
        raise ValidationError("gstin", "must start with a known two-digit state code")
    return state.code
