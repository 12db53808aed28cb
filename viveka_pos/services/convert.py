"""Conversions at the store boundary, as the services name them (they live in
:mod:`viveka_pos.domain.stored`, below sync, which needs them too)."""

from __future__ import annotations

from ..domain.stored import (
    paise_of,
    quantity_of,
    rate_of,
    rupees,
    stored_quantity,
    stored_rate,
)

__all__ = ["paise_of", "quantity_of", "rate_of", "rupees", "stored_quantity", "stored_rate"]
