"""Imports point down the layers docs/architecture.md draws; a test fails when one points the wrong way.

Every import counts, at the top of a module or inside a function, type-only
or not: a lazy import is still a dependency.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Lowest first. A package may import its own modules and any package of a lower
# layer; within a layer only where `shared` says so.
LAYERS: list[tuple[set[str], bool]] = [
    ({"settings", "errors"}, False),
    ({"relay", "observability"}, False),
    ({"auth", "limits"}, False),
    ({"schema", "planned", "realtime"}, True),  # the execution core: the schema runs the planner and the hub
    ({"http", "rest"}, False),  # the two doors never reach into each other
    ({"cli", "app", "__main__"}, True),
]
LAYER_OF = {package: index for index, (packages, _) in enumerate(LAYERS) for package in packages}


def _package(module: str) -> str | None:
    """`graph.schema.types.user` → `schema`; `graph.app` → `app`; None outside graph."""
    parts = module.split(".")
    if parts[0] != "graph" or len(parts) == 1:
        return None
    return parts[1]


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "graph":
                found += [(node.lineno, f"graph.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, node.module))
    return found


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _allowed(importer: str, imported: str) -> bool:
    if importer == imported:
        return True
    own, other = LAYER_OF[importer], LAYER_OF[imported]
    return other < own or (other == own and LAYERS[own][1])


def test_every_package_of_graph_has_a_layer():
    packages = {p.name for p in (ROOT / "graph").iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    modules = {p.stem for p in (ROOT / "graph").glob("*.py") if p.stem != "__init__"}
    assert packages | modules <= set(LAYER_OF), (packages | modules) - set(LAYER_OF)


@pytest.mark.parametrize("path", sorted((ROOT / "graph").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_graph_imports_point_down(path):
    importer = _package(_module_name(path))
    if importer is None:  # graph/__init__.py
        return
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for line, module in _imports(path)
        if (imported := _package(module)) is not None and not _allowed(importer, imported)
    ]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("path", sorted((ROOT / "db").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_db_never_imports_graph(path):
    wrong = [f"line {line}: {module}" for line, module in _imports(path) if module.split(".")[0] == "graph"]
    assert not wrong, wrong


def test_the_check_catches_an_upward_import(tmp_path):
    upward = tmp_path / "x.py"
    upward.write_text("from graph.http.endpoint import graphql_post\n")
    assert [module for _, module in _imports(upward)] == ["graph.http.endpoint"]
    assert not _allowed("schema", "http")
    assert not _allowed("http", "rest")
    assert _allowed("http", "schema") and _allowed("schema", "planned")
