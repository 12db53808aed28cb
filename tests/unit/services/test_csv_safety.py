"""CSV files a spreadsheet opens safely, and CSV input that cannot crash the import."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from viveka_pos.domain.entities.item import Item
from viveka_pos.services.csv_io import (
    FORMULA_STARTS,
    export_items,
    from_spreadsheet,
    import_items_text,
    to_spreadsheet,
    write_csv,
)
from viveka_pos.services.facade import ShopServices
from viveka_pos.services.item_list import ItemListing, ItemView


def _listed(svc: ShopServices) -> list[Item]:
    """The shop's active items as the Inventory list shows them, by name."""
    return ItemListing(svc.scope).page(ItemView(), 0, 1000)


@given(st.text(max_size=40))
def test_every_text_survives_the_round_trip(value: str) -> None:
    assert from_spreadsheet(to_spreadsheet(value)) == value


@given(st.text(max_size=40))
def test_no_written_text_starts_a_formula(value: str) -> None:
    written = to_spreadsheet(value)
    if written.startswith(FORMULA_STARTS):  # only plain numbers may, and they are no formula
        float(written)


def test_numbers_and_plain_texts_are_left_alone() -> None:
    for value in ("-5", "+12.50", "-0.5", "Carburetor", "'90s jeans", "a=b", "", 42, None):
        assert to_spreadsheet(value) == value
    assert to_spreadsheet("=1+1") == "'=1+1"
    assert to_spreadsheet("-2+3") == "'-2+3"
    assert to_spreadsheet("'=x") == "''=x"


def test_write_csv_neutralises_every_column(tmp_path: Path) -> None:
    out = write_csv(tmp_path / "r.csv", ["=h"], [["@x", 5, "-1"], ["\tcmd", "ok", "+"]])
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows == [["'=h"], ["'@x", "5", "-1"], ["'\tcmd", "ok", "'+"]]


def test_an_export_imports_back_into_the_same_items(svc: ShopServices, tmp_path: Path) -> None:
    group = svc.catalog.create_group("+Offers")
    for number, name in enumerate(["=cmd|' /C calc'!A0", "@SUM(1)", "-1+1", "Nut"]):
        svc.catalog.create_item(
            name=name,
            price=5,
            code=f"C{number}",
            group_id=group.id,
            description='=HYPERLINK("x")',
        )
    before = {i.code: (i.name, i.description) for i in _listed(svc)}
    out = tmp_path / "items.csv"
    export_items(svc.scope, out)
    assert "'=cmd" in out.read_text(encoding="utf-8")
    report = import_items_text(svc.scope, out.read_text(encoding="utf-8"))
    assert report.ok and report.updated == 4 and report.created == 0
    assert {i.code: (i.name, i.description) for i in _listed(svc)} == before
    assert [g.name for g in svc.catalog.groups()] == ["+Offers"]


def test_broken_csv_records_are_refused_by_line(svc: ShopServices) -> None:
    huge = 'code,name,price\nA1,Nut,5\nA2,Bolt,6\nA3,"' + "y" * 300_000 + '",7\n'
    report = import_items_text(svc.scope, huge)
    assert [str(r) for r in report.rejected] == [
        "line 4: file: has a value longer than 131,072 characters (the longest any column "
        "takes is 500): check the file; nothing was imported"
    ]
    report = import_items_text(svc.scope, "code,name,price\nA1,Nut\x00,5\n")
    assert [str(r) for r in report.rejected] == ["line 2: name: contains a control character"]
    assert _listed(svc) == []


def test_a_csv_for_spreadsheets_starts_with_a_byte_order_mark(tmp_path: Path) -> None:
    out = write_csv(tmp_path / "r.csv", ["name"], [["₹ =5"]], bom=True)
    assert out.read_bytes().startswith(b"\xef\xbb\xbfname\r\n")
    assert out.read_text(encoding="utf-8-sig").splitlines()[1] == "₹ =5"
