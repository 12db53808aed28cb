"""Fixtures of the printing tests; the documents come from ``documents.py`` beside this."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.printing.documents import make_invoice, make_shop


@pytest.fixture
def shop() -> dict[str, Any]:
    return make_shop()


@pytest.fixture
def intra_invoice() -> dict[str, Any]:
    return make_invoice(paid=1_000_00)


@pytest.fixture
def inter_invoice() -> dict[str, Any]:
    return make_invoice(inter=True)
