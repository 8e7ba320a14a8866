"""The offline verifier's cost: `labledger-verify certificate` (import and one
certificate check, witness cosignature included) in a fresh interpreter, the
median of several runs, against a bare `python -c pass` started the same way.
The goal (issue 14): well under 100 ms."""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.unit.test_verifier_imports import certificate_with  # noqa: E402
from transparency import cosignature, note  # noqa: E402


def _run(code: str) -> float:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(result.stdout.splitlines()[-1])["ms"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    log = note.Signer("bench.test/log", bytes(range(32)))
    witness = cosignature.Cosigner("bench.test/witness", bytes([3] * 32))
    with tempfile.TemporaryDirectory() as tmp:
        cert = Path(tmp) / "work.cert.json"
        cert.write_bytes(certificate_with(log, [witness]))
        check = f"""
            import time, json
            start = time.perf_counter()
            from transparency.verify_cli import main
            main(["certificate", {str(cert)!r}, "--key", {log.verifier.vkey!r},
                  "--witness", {witness.key.vkey!r}], standalone_mode=False)
            print(json.dumps({{"ms": (time.perf_counter() - start) * 1000}}))
        """
        bare = """
            import time, json
            start = time.perf_counter()
            print(json.dumps({"ms": (time.perf_counter() - start) * 1000}))
        """
        verify = statistics.median(_run(check) for _ in range(runs))
        baseline = statistics.median(_run(bare) for _ in range(runs))
    print(f"labledger-verify import + certificate check (median of {runs}): {verify:.1f} ms")
    print(f"baseline (the same timer around nothing): {baseline:.3f} ms")
    print(f"goal: well under 100 ms -> {'met' if verify < 100 else 'MISSED'}")


if __name__ == "__main__":
    main()
