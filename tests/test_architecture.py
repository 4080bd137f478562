"""The layout rules of docs/architecture.md, checked on the source:

- imports run down the layers `crm` -> `alignment` -> {`metrics`, `integrations`, `imports`,
  `scoring`} -> `handoff` -> `notifications` -> `leads`: a lower app never imports a higher one, and
  apps on the same layer never import each other;
- no import circle between modules, inside one app or across apps (lazy imports inside
  functions count: they hide a circle, they do not remove it);
- no module outside migrations and tests is over 600 lines; `crm/` defines no model.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Lowest first; apps in one tuple share a layer and must not import each other.
LAYERS: list[tuple[str, ...]] = [
    ("leads",),
    ("notifications",),
    ("handoff",),
    ("metrics", "integrations", "imports", "scoring"),
    ("alignment",),
    ("crm",),
]
RANK = {app: rank for rank, apps in enumerate(LAYERS) for app in apps}
APPS = tuple(RANK)
MAX_LINES = 600


def source_files(*, include_migrations: bool = False) -> Iterator[Path]:
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if include_migrations or "migrations" not in path.parts:
                yield path


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(path): path for path in source_files()}


def _resolve(name: str) -> str | None:
    """The most specific project module a dotted name refers to (a module, or the package
    that holds the imported attribute); None for third-party names."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(module: str) -> set[str]:
    """The project modules `module` imports, lazily or not."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                prefix = ".".join([*base, node.module] if node.module else base)
            else:
                prefix = node.module or ""
            targets = [f"{prefix}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            resolved = _resolve(target)
            if resolved is not None and resolved != module:
                found.add(resolved)
    return found


GRAPH = {module: imports_of(module) for module in MODULES}


def app_of(module: str) -> str:
    return module.split(".")[0]


@pytest.mark.parametrize("app", APPS)
def test_an_app_imports_only_apps_on_lower_layers(app: str):
    offenders = {
        module: sorted(
            target
            for target in targets
            if app_of(target) != app and RANK[app_of(target)] >= RANK[app]
        )
        for module, targets in GRAPH.items()
        if app_of(module) == app
    }
    assert {module: bad for module, bad in offenders.items() if bad} == {}


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative: every group of modules that import each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def test_no_two_modules_import_each_other():
    assert strongly_connected(GRAPH) == []


def test_the_circle_finder_finds_circles():
    """The check above could fail: a circle of three and a pair are found, a chain is not."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"e"}, "e": {"d"}, "f": {"a"}}
    assert sorted(strongly_connected(graph)) == [["a", "b", "c"], ["d", "e"]]
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_no_module_is_over_600_lines():
    long = {
        str(path.relative_to(ROOT)): lines
        for path in source_files()
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def test_the_project_package_defines_no_model():
    offenders = []
    for path in (ROOT / "crm").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and any(
                ast.unparse(base) in {"models.Model", "Model"} for base in node.bases
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.name}")
    assert offenders == []
