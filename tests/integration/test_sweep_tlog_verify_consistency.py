"""The auditor's step 5 (docs/transparency.md) with the server-less tool alone:
`labledger-verify consistency EARLIER LATER PROOF --key log.vkey` checks that a
running log only grew between two checkpoints the auditor kept, as
`labledger verify consistency` does. `labledger-verify` had `certificate` and
`monitor` only, so an auditor who installed just the verifier could not do it."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.integration.conftest import BIN, Server, labledger, stop_server
from tests.integration.interop_support import apply_many, serve, settings_for


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    tmp_path = tmp_path_factory.mktemp("verify_consistency")
    served, _, _ = serve(tmp_path, settings_for(tmp_path), None)
    try:
        yield served
    finally:
        stop_server(served.process)


def verifier(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    return subprocess.run(
        [str(BIN / "labledger-verify"), *args], env=env, capture_output=True, text=True, timeout=60
    )


def save(path: Path, url: str) -> Path:
    answer = requests.get(url)
    assert answer.status_code == 200, answer.text
    path.write_bytes(answer.content)
    return path


def test_labledger_verify_checks_the_log_only_grew(server, tmp_path):
    base = server.base
    key = save(tmp_path / "log.vkey", f"{base}/v1/transparency/public-key")
    early = save(tmp_path / "early.txt", f"{base}/v1/transparency/checkpoint")
    first = int(early.read_text().split("\n")[1])
    position = apply_many(server, 1)["position"]
    later = save(
        tmp_path / "later.txt", f"{base}/v1/transparency/checkpoint?min_position={position}"
    )
    second = int(later.read_text().split("\n")[1])
    proof = save(
        tmp_path / "proof.json",
        f"{base}/v1/transparency/proofs/consistency?first={first}&second={second}",
    )
    args = ["consistency", str(early), str(later), str(proof), "--key", str(key)]
    grew = verifier(*args)
    assert grew.returncode == 0, grew.stderr
    assert grew.stdout.startswith(f"CONSISTENT: tree size {first} (")
    assert f"is a prefix of tree size {second} (" in grew.stdout
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    assert labledger(env, "verify", *args).stdout == grew.stdout  # the same command in both
    swapped = verifier("consistency", str(later), str(early), str(proof), "--key", str(key))
    assert swapped.returncode == 1
    assert swapped.stderr == (
        f"INCONSISTENT: the proof is from {first} to {second}, "
        f"the checkpoints are sizes {second} and {first}\n"
    )
