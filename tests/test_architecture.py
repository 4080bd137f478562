"""The layering rule: imports flow crm -> metrics -> handoff -> leads, never back up."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["leads", "notifications", "handoff", "metrics", "crm"]  # lowest first


def imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names & set(LAYERS)


@pytest.mark.parametrize("app", LAYERS[:-1])
def test_an_app_never_imports_a_higher_one(app: str):
    higher = set(LAYERS[LAYERS.index(app) + 1 :])
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_apps(path) & higher)
        for path in (ROOT / app).rglob("*.py")
        if imported_apps(path) & higher
    }
    assert offenders == {}
