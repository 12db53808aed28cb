"""Items to and from CSV. An import is all or nothing: every row is checked first, and
if any row is rejected nothing is imported and the report says which rows and why.

Columns (header names are case-insensitive; only ``name`` and ``price`` are required):
code, name, price, stock, unit, gstRate, hsnCode, group, lowStockQuantity, description.
A row whose code matches an existing item updates that item (stock is then adjusted to the
given value with a stock movement); other rows create items.

Spreadsheets run a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula (an item
named ``=cmd|' /C calc'!A0`` would start a program on the owner's PC). Every CSV written
here therefore starts such a text with an apostrophe, which spreadsheets read as "this is
text"; the import takes that one apostrophe off again, so an export imports back unchanged.
Plain numbers (``-5``, ``+12.50``) are left as they are.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..domain import validation as v
from ..domain.entities.item import Item
from ..domain.errors import ValidationError
from ..domain.money import to_decimal
from ..files import write_file
from ..store import new_id
from .catalog import CatalogService
from .context import ShopScope
from .convert import quantity_of, stored_quantity
from .item_list import ItemListing, ItemView
from .stock import ensure_opening, record_movement

COLUMNS = [
    "code",
    "name",
    "price",
    "stock",
    "unit",
    "gstRate",
    "hsnCode",
    "group",
    "lowStockQuantity",
    "description",
]
_LOWER = {c.lower(): c for c in COLUMNS}
MAX_ROWS = 200_000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def to_spreadsheet(value: Any) -> Any:
    """A cell value as written to CSV: texts a spreadsheet would run as a formula get an
    apostrophe in front (see the module docstring); anything else is unchanged."""
    if (
        isinstance(value, str)
        and value.lstrip("'").startswith(FORMULA_STARTS)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def from_spreadsheet(value: str) -> str:
    """A CSV cell as read: undoes :func:`to_spreadsheet` (one apostrophe less)."""
    if value.startswith("'") and value.lstrip("'").startswith(FORMULA_STARTS):
        return value[1:]
    return value


def write_csv(
    target: str | Path,
    header: list[str],
    rows: Iterable[Iterable[Any]],
    *,
    example: str = "items.csv",
    bom: bool = False,
) -> Path:
    """Write a CSV file (UTF-8; with a byte-order mark when ``bom``, which spreadsheet
    programs need to read ₹ and Indian scripts right) whole or not at all, formula-safe,
    through a link (:func:`viveka_pos.files.write_file`); returns the file written."""

    def write(handle: Any) -> None:
        text = io.TextIOWrapper(handle, encoding="utf-8-sig" if bom else "utf-8", newline="")
        writer = csv.writer(text)
        writer.writerow([to_spreadsheet(c) for c in header])
        for row in rows:
            writer.writerow([to_spreadsheet(c) for c in row])
        text.flush()
        text.detach()

    return write_file(target, write, example=example)


@dataclass
class RejectedRow:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.message}"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected


@dataclass
class _Row:
    line: int
    values: dict[str, Any]
    existing: Item | None
    stock: Decimal | None
    group: str


def _read_rows(text: str) -> tuple[list[tuple[int, dict[str, str]]], list[RejectedRow]]:
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None:
        return [], [RejectedRow(1, "file", "is empty")]
    headers = {}
    problems = []
    for name in reader.fieldnames:
        key = _LOWER.get((name or "").strip().lower())
        if key is None:
            problems.append(
                RejectedRow(
                    1, name or "(blank)", f"is not a known column (known: {', '.join(COLUMNS)})"
                )
            )
        else:
            headers[name] = key
    for required in ("name", "price"):
        if required not in headers.values():
            problems.append(RejectedRow(1, required, "column is missing"))
    rows = []
    number = 1
    while True:
        number += 1
        try:
            raw = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # the reader cannot go on past a broken record
            problems.append(RejectedRow(number, "file", _csv_problem(exc)))
            break
        if number - 1 > MAX_ROWS:
            problems.append(RejectedRow(number, "file", f"has more than {MAX_ROWS} rows"))
            break
        row = {
            headers[k]: from_spreadsheet((val or "").strip())
            for k, val in raw.items()
            if k in headers and isinstance(val, str | None)
        }
        if any(row.values()):
            rows.append((number, row))
    return rows, problems


def _csv_problem(exc: csv.Error) -> str:
    text = str(exc)
    if "field larger than field limit" in text:
        return (
            f"has a value longer than {csv.field_size_limit():,} characters (the longest "
            "any column takes is 500): check the file; nothing was imported"
        )
    return f"cannot be read as CSV here ({text}); nothing was imported"


def import_items(
    scope: ShopScope, path: str | Path, *, progress: Callable[[int, int], None] | None = None
) -> ImportReport:
    """Import items from a CSV file (UTF-8, with or without a byte-order mark)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        return ImportReport(
            rejected=[RejectedRow(1, "file", "is not UTF-8 text; save the sheet as 'CSV UTF-8'")]
        )
    return import_items_text(scope, text, progress=progress)


def import_items_text(
    scope: ShopScope, text: str, *, progress: Callable[[int, int], None] | None = None
) -> ImportReport:
    """Import items from CSV text."""
    catalog = CatalogService(scope)
    report = ImportReport()
    rows, report.rejected = _read_rows(text)
    checked: list[_Row] = []
    seen_codes: dict[str, int] = {}
    for number, raw in rows:
        try:
            checked.append(_check_row(catalog, number, raw, seen_codes))
        except ValidationError as exc:
            report.rejected.append(RejectedRow(number, exc.field, exc.message))
    if report.rejected:
        return report
    groups = {g.name.casefold(): g.id for g in catalog.groups()}
    total = len(checked)
    with scope.store.unit_of_work() as db:
        for done, row in enumerate(checked, start=1):
            group_id = _group_id(catalog, groups, row.group)
            if row.existing is None:
                doc = {
                    "_id": new_id(),
                    "clientId": scope.client_id,
                    **row.values,
                    "groupId": group_id,
                    "stock": stored_quantity(row.stock or Decimal(0)),
                    "isActive": True,
                    "dealerIds": [],
                    "createdAt": scope.now(),
                    "updatedAt": scope.now(),
                }
                db.items.insert_one(doc)
                ensure_opening(scope, doc)
                report.created += 1
            else:
                changes = {**row.values, "updatedAt": scope.now()}
                if row.group:
                    changes["groupId"] = group_id
                db.items.update_one({"_id": row.existing.id}, {"$set": changes})
                if row.stock is not None:
                    item = db.items.find_one({"_id": row.existing.id})
                    if item is None:  # updated a line above, in this unit of work
                        raise RuntimeError(f"item {row.existing.id} vanished during import")
                    change = row.stock - quantity_of(item.get("stock"))
                    if change:
                        record_movement(
                            scope,
                            item,
                            change,
                            "adjustment",
                            note="CSV import",
                            allow_negative=False,
                        )
                report.updated += 1
            if progress is not None and (done % 500 == 0 or done == total):
                progress(done, total)
    return report


def _group_id(catalog: CatalogService, groups: dict[str, Any], name: str) -> Any:
    if not name:
        return None
    key = name.casefold()
    if key not in groups:
        groups[key] = catalog.create_group(name).id
    return groups[key]


def _check_row(
    catalog: CatalogService, number: int, raw: dict[str, str], seen_codes: dict[str, int]
) -> _Row:
    code = raw.get("code", "")
    existing = catalog.find_by_code(code, include_inactive=True) if code else None
    if code:
        if code.casefold() in seen_codes:
            raise ValidationError(
                "code", f"{code!r} also appears on line {seen_codes[code.casefold()]}"
            )
        seen_codes[code.casefold()] = number
    unit = v.unit(raw.get("unit") or (existing.unit if existing else "nos"), "unit")
    fields: dict[str, Any] = {"name": raw.get("name", ""), "price": raw.get("price", "")}
    for key in ("code", "unit", "gstRate", "hsnCode", "lowStockQuantity", "description"):
        if raw.get(key, "") != "" or (key in ("code", "unit") and existing is None):
            fields[key] = raw.get(key, "") if key != "unit" else unit
    if "gstRate" not in fields and existing is None:
        fields["gstRate"] = catalog.scope.settings().get("defaultGstRate", 0)
    if "lowStockQuantity" not in fields and existing is None:
        fields["lowStockQuantity"] = 5
    values = catalog._clean_item_fields(fields, unit)
    stock = None
    if raw.get("stock", "") != "":
        stock = v.quantity(raw["stock"], unit, "stock", allow_zero=True)
    elif existing is None:
        stock = Decimal(0)
    group = raw.get("group", "")
    if group:
        group = v.name(group, "group", max_length=100)
    return _Row(number, values, existing, stock, group)


#: items read at once when the catalogue is exported
EXPORT_CHUNK = 2000


def export_items(scope: ShopScope, target: str | Path, *, include_inactive: bool = False) -> int:
    """Write the shop's items as CSV (same columns the import reads), by name, read from
    the store a chunk at a time. Returns the row count."""
    catalog = CatalogService(scope)
    groups: dict[Any, str] = {g.id: g.name for g in catalog.groups()}
    listing, view = ItemListing(scope), ItemView(include_inactive=include_inactive)
    written = 0

    def items() -> Iterator[Item]:
        nonlocal written
        offset = 0
        while page := listing.page(view, offset, EXPORT_CHUNK):
            written += len(page)
            yield from page
            offset += len(page)

    rows = (
        [
            item.code,
            item.name,
            f"{to_decimal(item.price)}",
            f"{item.stock:f}",
            item.unit,
            item.gst_rate,
            item.hsn_code,
            groups.get(item.group_id, ""),
            f"{item.low_stock_quantity:f}",
            item.description,
        ]
        for item in items()
    )
    write_csv(target, COLUMNS, rows)
    return written
