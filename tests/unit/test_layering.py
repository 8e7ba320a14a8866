"""Dependencies point one way, and no module imports itself round a cycle.

adapters (api/, the witness/, the site's web/) -> projections, transparency,
webhooks (siblings that never import each other) -> ledger. The site reads
the same read models as the API through the process's System, and only the
composition root (api/app.py) registers it. The console (web/console) is
an adapter beside the API: its forms run the API's own input schemas and
commands, so it may take those from the API's modules, never the API's
bearer-token auth (it signs people in with sessions of its own). The domain
(aggregates, rules, commands) does no I/O of its own.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("ledger", "projections", "transparency", "webhooks", "witness", "api", "web")
WEB = {"flask", "flask_smorest", "marshmallow", "werkzeug"}
ADAPTERS = {"api", "witness", "web"}
FORBIDDEN = {
    "ledger": ADAPTERS | WEB | {"projections", "transparency", "webhooks", "click"},
    "projections": ADAPTERS | WEB | {"transparency", "webhooks"},
    "transparency": ADAPTERS | WEB | {"projections", "webhooks"},
    "webhooks": ADAPTERS | WEB | {"projections", "transparency"},
    "witness": {"api", "web", "ledger", "projections", "webhooks"},
    "web": {"witness", "webhooks", "click"},
}
# What the site may take from the API's package: the process's System, and
# the API's problem+json for a wrong address asked by a client that is not a
# browser (web/errors.py), so it is answered as the API answers it.
WEB_FROM_API = {"api.services", "api.errors"}
# The console also takes the API's schemas, error statuses, read helpers, CSV exports and
# who-sees-what rules, so a form and a request meet the same rules (and the
# in-memory System its example webhook payloads are made in).
CONSOLE = "web/console"
CONSOLE_FROM_API = {
    "api.applications",
    "api.bootstrap",
    "api.errors",
    "api.exhibitions",
    "api.exports",
    "api.metrics",
    "api.people",
    "api.programs",
    "api.reads",
    "api.schemas",
    "api.webhooks",
    "api.works",
}
# Modules that decide and do no I/O: unit tests run them in memory.
PURE = ["ledger/domain", "ledger/rules.py", "ledger/commands.py", "ledger/actors.py"]
IO = {"ledger.database", "ledger.store", "ledger.recorders", "psycopg", "sqlite3", "requests"}


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imported(path: Path) -> Iterator[str]:
    """Every module named by an import statement (function-level ones too)."""
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def forbidden(package: str, path: Path) -> set[str]:
    # Partners manage their webhooks in the console, through the same stores
    # and deliveries as the API's views.
    if path.is_relative_to(ROOT / CONSOLE):
        return FORBIDDEN[package] - {"webhooks"}
    return FORBIDDEN[package]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_does_not_import_upward_or_sideways(package):
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            {m.split(".")[0] for m in imported(path)} & forbidden(package, path)
        )
        for path in (ROOT / package).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_site_reads_through_the_system_and_only_the_composition_root_registers_it():
    def allowed(path: Path) -> set[str]:
        modules = WEB_FROM_API
        if path.is_relative_to(ROOT / CONSOLE):
            modules = WEB_FROM_API | CONSOLE_FROM_API
        # A module, or a name imported from one (`from api.services import system`).
        return {m for m in imported(path) if m in modules or m.rsplit(".", 1)[0] in modules}

    site = {
        str(path.relative_to(ROOT)): sorted(
            {m for m in imported(path) if m.split(".")[0] == "api"} - allowed(path)
        )
        for path in (ROOT / "web").rglob("*.py")
    }
    assert {k: v for k, v in site.items() if v} == {}
    registering = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "api").rglob("*.py")
        if any(m.split(".")[0] == "web" for m in imported(path))
    )
    assert registering == ["api/app.py"]


def test_the_domain_does_no_io():
    paths = [
        p
        for spec in PURE
        for p in ((ROOT / spec).rglob("*.py") if (ROOT / spec).is_dir() else [ROOT / spec])
    ]
    assert paths
    offenders = {
        str(p.relative_to(ROOT)): sorted(m for m in imported(p) if m.split(".")[0] in IO or m in IO)
        for p in paths
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def import_graph() -> dict[str, set[str]]:
    known = modules()
    return {
        name: {target for target in imported(path) if target in known and target != name}
        for name, path in known.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_round_a_cycle():
    assert cycles(import_graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
