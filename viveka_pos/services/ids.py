"""Ids that every device computes alike (they live in :mod:`viveka_pos.domain.ids`)."""

from __future__ import annotations

from ..domain.ids import derived_id, opening_movement_id, purchase_history_id

__all__ = ["derived_id", "opening_movement_id", "purchase_history_id"]
