"""The shop profile (a stored ``clients`` document) as the documents print it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from viveka_pos.domain.states import state_by_code


def state_label(code: object, fallback_name: str = "") -> str:
    """``Karnataka (29)``; the bare code when it is unknown; ``fallback_name`` without a code."""
    text = str(code or "").strip()
    if not text:
        return fallback_name
    state = state_by_code(text)
    if state is None:
        return f"State code {text}"
    return f"{state.name} ({state.code})"


@dataclass(frozen=True, slots=True)
class ShopView:
    name: str
    legal_name: str
    address_lines: tuple[str, ...]
    phone: str
    gstin: str
    state_code: str
    state: str
    terms: str
    upi_id: str
    logo: Path | None
    time_zone: str

    @classmethod
    def from_document(cls, shop: dict[str, Any]) -> ShopView:
        settings = shop.get("clientSettings") or {}
        business = str(shop.get("businessName") or "").strip()
        name = str(shop.get("shopName") or "").strip() or business
        gstin = str(shop.get("gstin") or "").strip().upper()
        state_code = str(settings.get("stateCode") or "").strip()
        if not state_code and state_by_code(gstin[:2]) is not None:
            state_code = gstin[:2]  # a GSTIN begins with the code of the state it was issued in
        state_name = str(shop.get("state") or "").strip()
        city = str(shop.get("city") or "").strip()
        address = [line.strip() for line in str(shop.get("location") or "").splitlines()]
        place = ", ".join(part for part in (city, state_name) if part)
        if place:
            address.append(place)
        logo_text = str(settings.get("logoPath") or "").strip()
        logo = Path(logo_text) if logo_text and Path(logo_text).is_file() else None
        return cls(
            name=name,
            legal_name=business if business and business != name else "",
            address_lines=tuple(line for line in address if line),
            phone=str(shop.get("phoneNumber") or "").strip(),
            gstin=gstin,
            state_code=state_code,
            state=state_label(state_code, state_name),
            terms=str(settings.get("termsText") or "").strip(),
            upi_id=str(settings.get("upiId") or "").strip(),
            logo=logo,
            time_zone=str(settings.get("timeZone") or ""),
        )
