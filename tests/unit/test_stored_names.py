"""The UI and the CLI read typed views (``domain/entities``), never stored documents: no
``doc["fieldName"]`` or ``doc.get("fieldName")`` with a field name of the spec's schema in
``viveka_pos/ui`` or ``viveka_pos/cli``. Spelling stored names there ties the screens to the
stored schema where no type checker can follow them."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from viveka_pos.sync.validate import SCHEMAS

PACKAGE = Path(__file__).resolve().parents[2] / "viveka_pos"

#: Stored names that are also everyday words of other dicts (CLI argument maps, the JSON a
#: report exports, Qt's own). A read of one of these is not evidence of a stored document.
_GENERIC = frozenset({"_id", "name", "code", "unit", "price", "label", "description"})


def _stored_names() -> frozenset[str]:
    names: set[str] = set()
    for schema in SCHEMAS.values():
        names.update(schema.fields)
    return frozenset(names - _GENERIC)


def _reads(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.ctx, ast.Load)
            and isinstance(node.slice, ast.Constant)
        ):
            if isinstance(node.slice.value, str):
                yield node.lineno, node.slice.value
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.lineno, node.args[0].value


def test_ui_and_cli_read_no_stored_field_names() -> None:
    stored = _stored_names()
    found = []
    for layer in ("ui", "cli"):
        for path in sorted((PACKAGE / layer).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for line, key in _reads(tree):
                if key in stored:
                    found.append(f"{path.relative_to(PACKAGE)}:{line} reads {key!r}")
    assert not found, "stored field names read above services:\n" + "\n".join(found)
