"""Item search follows every write; CSV import is all or nothing."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from viveka_pos.domain.entities.item import Item
from viveka_pos.services.csv_io import export_items, import_items, import_items_text
from viveka_pos.services.facade import ShopServices


def _names(results: list[Item]) -> list[str]:
    return [item.name for item in results]


def test_search_ranking_and_updates(svc: ShopServices) -> None:
    svc.catalog.create_item(name="Brake pad set front (Pulsar)", price=420, code="8902001")
    svc.catalog.create_item(name="Rear brake shoe", price=260, code="8902002")
    svc.catalog.create_item(name="Disc brake rotor", price=1650, code="BR240")
    svc.catalog.create_item(name="Spark plug", price=185, code="SP")
    search = svc.search
    assert _names(search.search("8902002")) == ["Rear brake shoe"]
    assert _names(search.search("BRAKE")) == [
        "Brake pad set front (Pulsar)",
        "Disc brake rotor",
        "Rear brake shoe",
    ]
    assert _names(search.search("rak")) == [
        "Brake pad set front (Pulsar)",
        "Disc brake rotor",
        "Rear brake shoe",
    ]
    assert _names(search.search("brake puls")) == ["Brake pad set front (Pulsar)"]
    assert _names(search.search("sp")) == ["Spark plug"]  # code, then name prefix
    assert _names(search.search("p")) == ["Brake pad set front (Pulsar)", "Spark plug"]
    found = search.by_code("br240")
    assert found is not None and found.name == "Disc brake rotor" and found.price == 165000
    # follows writes made anywhere
    item = svc.catalog.create_item(name="Brake cable", price=145, code="BC")
    assert "Brake cable" in _names(search.search("brake"))
    svc.catalog.update_item(item.id, name="Clutch cable")
    assert "Brake cable" not in _names(search.search("brake"))
    assert _names(search.search("clutch")) == ["Clutch cable"]
    svc.catalog.set_active(item.id, False)
    assert search.search("clutch") == [] and search.by_code("BC") is None
    assert search.search("   ") == [] and search.search("zzz") == []


def test_csv_round_trip(svc: ShopServices, tmp_path: Path) -> None:
    csv_text = (
        "code,name,price,stock,unit,gstRate,hsnCode,group,lowStockQuantity,description\n"
        "8901001,Carburetor,2500,40,nos,28,84099199,Engine Parts,5,2-barrel\n"
        "8903004,Copper wire 1.5 sq mm,28.50,500.5,meter,18,85444999,Electricals,50,\n"
    )
    report = import_items_text(svc.scope, csv_text)
    assert report.ok and report.created == 2
    wire = svc.catalog.item_by_code("8903004")
    assert (wire.price, wire.stock, wire.unit) == (2850, Decimal("500.5"), "meter")
    target = tmp_path / "items.csv"
    assert export_items(svc.scope, target) == 2
    # re-import of the export updates, changes nothing
    report = import_items(svc.scope, target)
    assert report.ok and report.updated == 2 and report.created == 0
    assert svc.catalog.item_by_code("8903004").stock == Decimal("500.5")
    assert [g.name for g in svc.catalog.groups()] == ["Electricals", "Engine Parts"]


def test_csv_with_bad_rows_imports_nothing(svc: ShopServices) -> None:
    before = svc.ctx.store.counts()
    report = import_items_text(
        svc.scope,
        (
            "code,name,price,stock,unit\n"
            "A1,Good item,10,1,nos\n"
            "A2,X,10,1,nos\n"
            "A3,Bad price,-4,1,nos\n"
            "A1,Duplicate code,1,1,nos\n"
            "A5,Half bolt,1,1.5,pcs\n"
        ),
    )
    assert not report.ok and report.created == 0
    assert [(r.line, r.field) for r in report.rejected] == [
        (3, "name"),
        (4, "price"),
        (5, "code"),
        (6, "stock"),
    ]
    assert svc.ctx.store.counts() == before
    assert "line 4: price" in str(report.rejected[1])


def test_csv_unknown_column_and_missing_required(svc: ShopServices) -> None:
    report = import_items_text(svc.scope, "sku,title\nx,y\n")
    fields = {r.field for r in report.rejected}
    assert {"sku", "title", "name", "price"} <= fields
