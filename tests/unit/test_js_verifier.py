"""The in-browser verifier (web/static/js/verify.js) passes its Node tests
(tests/js/) and gives the Python verifier's verdicts on the demo's certificates.

Without Node 20+ these tests skip with the reason, except when CI is set.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.js.fixtures.make_certificates import write_fixtures

ROOT = Path(__file__).parents[2]
JS_TESTS = sorted((ROOT / "tests" / "js").glob("*.test.mjs"))
MIN_NODE = 20  # WebCrypto Ed25519 without a flag
# What Python says when it refuses a case that the JS side must refuse at `check`.
PYTHON_REASONS = {
    "file": "the file's SHA-256 is not the declared one",
    "log-key": "not the trusted key",
    "signature": "signature by .* does not verify",
    "inclusion": "^inclusion proof: ",
    "declaration": "not the ownership declaration of this work",
    "proof-copy": "^tlog_proof does not match",
    "witnesses": "cosignature",
    "credit": "do not open the commitment",
}


def _node() -> str:
    """A usable `node`, else skip with the reason (fail when CI is set)."""
    node = shutil.which("node")
    if node is None:
        reason = "node is not installed (Debian: apt-get install nodejs)"
    else:
        version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout
        major = re.match(r"v(\d+)\.", version)
        reason = (
            None
            if major and int(major[1]) >= MIN_NODE
            else (f"node {version.strip()} is older than {MIN_NODE} (WebCrypto Ed25519)")
        )
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set, so the JS verifier's tests must run: {reason}")
        pytest.skip(f"the JS verifier's tests need Node {MIN_NODE}+: {reason}")
    return node


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("js-fixtures")
    return out, write_fixtures(out)


def test_python_refuses_each_tampered_case_for_the_reason_js_must_name(fixtures):
    _, manifest = fixtures
    for case in manifest["cases"]:
        verdict = case["python"]
        if case["python_differs"]:
            assert not verdict["ok"] and "canonical" in verdict["reason"], case
        elif case["check"] is None:
            assert verdict["ok"], case
        else:
            assert not verdict["ok"] and re.search(
                PYTHON_REASONS[case["check"]], verdict["reason"]
            ), case
    assert {case["check"] for case in manifest["cases"]} >= set(PYTHON_REASONS)
    assert manifest["every_byte"]["python_accepted"] == []


def test_node_tests_pass_and_agree_with_the_python_verifier(fixtures):
    node = _node()
    out, _ = fixtures
    result = subprocess.run(
        [node, "--test", "--test-reporter=tap", *map(str, JS_TESTS)],
        cwd=ROOT,
        env={**os.environ, "LEDGER_JS_FIXTURES": str(out)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = result.stdout[-6000:] + result.stderr[-2000:]
    assert result.returncode == 0, report
    counts = dict(re.findall(r"^# (pass|fail|skipped|cancelled|todo) (\d+)$", result.stdout, re.M))
    assert counts["fail"] == counts["cancelled"] == counts["skipped"] == "0", report
    assert int(counts["pass"]) >= 30, report
