"""An item added with a new group's name: all checked first, then saved together or not at
all (a refused item once left its new group behind, with an outbox record to sync)."""

from __future__ import annotations

import pytest

from viveka_pos.domain.errors import ValidationError
from viveka_pos.services.facade import ShopServices


def _state(svc: ShopServices) -> tuple[int, int, int]:
    store = svc.scope.store
    return store.count("itemgroups"), store.count("items"), store.outbox_size()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"price": "nan"}, "price"),
        ({"price": "1e400"}, "price"),
        ({"name": "x"}, "name"),
        ({"gst_rate": 7}, "gstRate"),
        ({"stock": "-1"}, "stock"),
        ({"code": "A B"}, "code"),
        ({"group_name": " "}, "group"),
        ({"group_name": "g" * 101}, "group"),
    ],
)
def test_a_refused_item_saves_nothing(svc: ShopServices, fields: dict, field: str) -> None:
    before = _state(svc)
    values = {"name": "Wiper", "price": 5, "group_name": "New group", **fields}
    with pytest.raises(ValidationError) as caught:
        svc.catalog.create_item(**values)
    assert caught.value.field == field
    assert _state(svc) == before


def test_a_taken_code_saves_nothing(svc: ShopServices) -> None:
    svc.catalog.create_item(name="Carburetor", price=2500, code="CARB")
    before = _state(svc)
    with pytest.raises(ValidationError, match="already used by Carburetor"):
        svc.catalog.create_item(name="Wiper", price=5, code="CARB", group_name="New group")
    assert _state(svc) == before


def test_the_group_is_made_once_and_then_reused(svc: ShopServices) -> None:
    first = svc.catalog.create_item(name="Wiper", price=5, group_name="Rubber parts")
    second = svc.catalog.create_item(name="Gasket", price=9, group_name="rubber PARTS")
    groups = svc.catalog.groups()
    assert [g.name for g in groups] == ["Rubber parts"]
    assert first.group_id == second.group_id == groups[0].id
    with pytest.raises(ValidationError, match="not both"):
        svc.catalog.create_item(name="Seal", price=1, group_name="X", group_id=groups[0].id)
