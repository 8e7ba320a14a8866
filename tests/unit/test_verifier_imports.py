"""The verifier has no server inside: its modules load with eventsourcing, psycopg and
Flask blocked, `labledger-verify` starts fast, and the witness stays an adapter."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.unit.tlog_support import certificate_with
from transparency import cosignature, note

ROOT = Path(__file__).resolve().parents[2]
LIGHT = ["merkle", "note", "cosignature", "tiles", "certificate", "monitor", "verify_cli"]
BLOCKED = [
    "eventsourcing",
    "psycopg",
    "flask",
    "werkzeug",
    "marshmallow",
    "ledger",
    "api",
    "projections",
    "webhooks",
]

BLOCKER = textwrap.dedent("""
    import importlib.abc, sys, types

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"{name} is blocked: the verifier must not need it")
            return None

    sys.meta_path.insert(0, Block())
""")


def run(code: str) -> subprocess.CompletedProcess:
    script = f"BLOCKED = {BLOCKED!r}\n{BLOCKER}\n{textwrap.dedent(code)}"
    return subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def test_the_verification_modules_load_without_server_packages():
    # The package's __init__ is bypassed: this checks the modules themselves.
    result = run(f"""
        pkg = types.ModuleType("transparency")
        pkg.__path__ = [{str(ROOT / "transparency")!r}]
        sys.modules["transparency"] = pkg
        import importlib
        for name in {LIGHT!r}:
            importlib.import_module("transparency." + name)
        print("ok")
    """)
    assert result.returncode == 0 and result.stdout == "ok\n", result.stderr


def test_the_verification_package_imports_without_server_packages():
    result = run(f"""
        import importlib
        for name in {LIGHT!r}:
            importlib.import_module("transparency." + name)
    """)
    assert result.returncode == 0, result.stderr


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_the_witness_is_an_adapter_that_imports_no_other_adapter_or_the_ledger():
    forbidden = {"api", "projections", "webhooks", "ledger", "eventsourcing", "psycopg"}
    offenders = {
        str(p.relative_to(ROOT)): sorted(imported_roots(p) & forbidden)
        for p in (ROOT / "witness").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}
    light = {"transparency." + name for name in LIGHT}
    for path in (ROOT / "witness").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("transparency"):
                modules = (
                    {f"transparency.{a.name}" for a in node.names}
                    if node.module == "transparency"
                    else {node.module}
                )
                assert modules <= light, f"{path.name} imports {modules - light}"


def test_labledger_verify_checks_a_certificate_without_loading_the_server(tmp_path):
    """What keeps it fast: none of the server's packages is imported. The time
    itself is measured by bench/bench_verify.py, not asserted here (a loaded
    CI machine would make a timed test flaky)."""
    log = note.Signer("fast.test/log", bytes(range(32)))
    witness = cosignature.Cosigner("fast.test/witness", bytes([3] * 32))
    cert = tmp_path / "work.cert.json"
    cert.write_bytes(certificate_with(log, [witness]))
    code = f"""
        import time
        start = time.perf_counter()
        from transparency.verify_cli import main
        try:
            main(["certificate", {str(cert)!r}, "--key", {log.verifier.vkey!r}, "--witness",
                  {witness.key.vkey!r}], standalone_mode=False)
        finally:
            elapsed = time.perf_counter() - start
            import json, sys
            print(json.dumps({{"ms": elapsed * 1000, "modules": sorted(sys.modules)}}))
    """
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("VALID: work 27f9e854-09ea-5fc2-af82-65c54926c658")
    assert lines[1] == "cosigned by 1 witness(es): fast.test/witness"
    measured = json.loads(lines[-1])
    heavy = sorted(
        {m.split(".")[0] for m in measured["modules"]} & {"eventsourcing", "psycopg", "flask"}
    )
    print(f"labledger-verify import + certificate check: {measured['ms']:.1f} ms")
    assert heavy == []
