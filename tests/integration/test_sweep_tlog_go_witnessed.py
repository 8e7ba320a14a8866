"""The witness's cosignatures on a running log, checked by a verifier we did
not write: tests/interop_go verifies `cosignature/v1` lines with Go's
crypto/ed25519 from the C2SP tlog-cosignature text alone (key id, timestamp,
signed message), beside x/mod's check of the log's own signature. The
witness is `labledger witness serve`, the log `labledger serve` asking it."""

from __future__ import annotations

import base64
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.helpers import wait_for
from tests.integration.conftest import Server, stop_server
from tests.integration.interop_support import (
    WITNESS_NAME,
    Witness,
    serve,
    settings_for,
    start_witness,
    stop_witness,
)
from transparency import cosignature, note


@pytest.fixture(scope="module")
def witnessed(tmp_path_factory) -> Iterator[tuple[Server, Witness, note.Signer]]:
    tmp_path = tmp_path_factory.mktemp("go_witnessed")
    settings = settings_for(tmp_path)
    signer = note.load_or_create_signer(settings.signing_key_file, settings.log_name)
    witness = start_witness(tmp_path, signer.verifier.vkey)
    server = None
    try:
        server, signer, _ = serve(tmp_path, settings, witness)
        yield server, witness, signer
    finally:
        if server is not None:
            stop_server(server.process)
        stop_witness(witness)


def go(client: Path, prefix: str, vkey: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(client), "-key", vkey, *args, prefix], capture_output=True, text=True, timeout=60
    )


def cosigned_checkpoint(server: Server) -> str:
    return wait_for(
        "/log/checkpoint cosigned",
        lambda: (
            WITNESS_NAME in (text := requests.get(f"{server.base}/log/checkpoint").text) and text
        ),
    )


def test_go_verifies_the_witness_cosignature_the_log_serves(go_client, witnessed, tmp_path):
    server, witness, signer = witnessed
    signed = cosigned_checkpoint(server)
    (tmp_path / "w1.vkey").write_text(witness.vkey + "\n")
    before = int(time.time())
    ok = go(
        go_client, f"{server.base}/log", signer.verifier.vkey, "-witness", str(tmp_path / "w1.vkey")
    )
    assert ok.returncode == 0, ok.stderr
    line = next(s for s in ok.stdout.splitlines() if s.startswith("cosigned by "))
    stamp = int(line.rsplit(" ", 1)[1])
    assert line == f"cosigned by {WITNESS_NAME} at {stamp}"
    assert before - 600 <= stamp <= before + 5  # when the witness cosigned: now, or a moment ago
    assert "not checked" not in ok.stdout  # the one other line is the witness's, now checked
    # the same line, as our own verifier reads it
    opened = cosignature.open_cosigned(
        signed, signer.verifier, [cosignature.parse_witness_vkey(witness.vkey)]
    )
    opened.require(1)


def test_go_refuses_a_tampered_cosignature_and_a_missing_quorum(go_client, witnessed, tmp_path):
    server, witness, signer = witnessed
    signed = cosigned_checkpoint(server)
    log_line, witness_line = [s for s in signed.split("\n\n", 1)[1].splitlines()]
    dash, name, blob = witness_line.split(" ")
    raw = bytearray(base64.b64decode(blob))
    raw[11] ^= 1  # the timestamp's last byte: the signed message changes with it
    forged = f"{dash} {name} {base64.b64encode(bytes(raw)).decode()}"
    (tmp_path / "forged.txt").write_text(signed.replace(witness_line, forged))
    prefix = f"{server.base}/log"
    refused = go(
        go_client,
        prefix,
        signer.verifier.vkey,
        "-checkpoint",
        str(tmp_path / "forged.txt"),
        "-witness",
        witness.vkey,
    )
    assert refused.returncode == 1
    assert refused.stderr == f"FAIL: cosignature by {WITNESS_NAME} does not verify\n"
    (tmp_path / "bare.txt").write_text(signed.split("\n\n", 1)[0] + "\n\n" + log_line + "\n")
    other = cosignature.Cosigner("witness.test/other", bytes(32)).key.vkey
    for checkpoint, witnesses in (("bare.txt", [witness.vkey]), ("forged.txt", [other])):
        args = ["-checkpoint", str(tmp_path / checkpoint)]
        for w in witnesses:
            args += ["-witness", w]
        short = go(go_client, prefix, signer.verifier.vkey, *args)
        assert short.returncode == 1, short.stdout
        assert short.stderr == (
            "FAIL: the checkpoint carries 0 valid cosignature(s) by the witnesses given, "
            "1 required\n"
        )
    assert (
        go(go_client, prefix, signer.verifier.vkey, "-witness", other, "-quorum", "0").returncode
        == 0
    )
