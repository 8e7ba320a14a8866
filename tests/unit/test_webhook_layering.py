"""The webhooks package depends on the ledger only: never on Flask or api/."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "webhooks"
FORBIDDEN = ("flask", "flask_smorest", "marshmallow", "api")


def imported_modules(source: str) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


def test_webhooks_never_imports_the_http_layer() -> None:
    files = sorted(PACKAGE.glob("*.py"))
    assert files, PACKAGE
    for path in files:
        for module in imported_modules(path.read_text()):
            assert module.split(".")[0] not in FORBIDDEN, f"{path.name} imports {module}"
