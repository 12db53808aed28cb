"""Imports point one way only, down the layers of ARCHITECTURE.md: a module never imports
from a layer above its own (a layer may reach any layer below it)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "viveka_pos"

#: Top to bottom. ``app``/``__main__``/``config`` are the composition root, over all.
LAYERS = ("ui", "cli", "services", "sync", "printing", "gateways", "store", "domain")


def _layer(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) < 2 or parts[0] != "viveka_pos":
        return None
    return parts[1] if parts[1] in LAYERS else None


def _imported(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) of every import in a file of the package."""
    module_parts = ["viveka_pos", *path.relative_to(PACKAGE).with_suffix("").parts]
    if module_parts[-1] == "__init__":
        module_parts.pop()
        package = module_parts
    else:
        package = module_parts[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found.append((node.lineno, name))
    return found


@pytest.mark.parametrize("layer", LAYERS)
def test_no_module_imports_from_a_layer_above_its_own(layer: str) -> None:
    above = set(LAYERS[: LAYERS.index(layer)])
    wrong = []
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        for line, name in _imported(path):
            target = _layer(name)
            if target in above:
                wrong.append(f"{path.relative_to(PACKAGE)}:{line} imports {name}")
    assert wrong == []


def test_the_check_resolves_relative_imports() -> None:
    """The check itself: a relative import from sync/ to services/ is seen as one."""
    probe = PACKAGE / "sync" / "engine.py"
    names = {name for _, name in _imported(probe)}
    assert "viveka_pos.sync.pull" in names and "viveka_pos.store" in names
