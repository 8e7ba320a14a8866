"""Issue 14's "done when", with real processes: `labledger serve` publishes its
log as tlog-tiles that a client written here from the specs reads and
verifies; `labledger witness serve` on another port cosigns it, so the
server's checkpoints and certificates carry that cosignature and
`labledger verify certificate --witness` checks it offline; the witness
refuses a fork of the log; `labledger monitor` follows the server and
catches a rewritten history."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import pytest
import requests

from ledger.settings import Settings, WitnessSetting
from tests.helpers import open_system, wait_for
from tests.integration.conftest import Server, labledger, stop_server
from tests.integration.interop_support import (
    WITNESS_NAME,
    Witness,
    apply_many,
    monitor,
    read_log,
    rewrite_first_leaf,
    serve,
    settings_for,
    start_witness,
    stop_witness,
)
from transparency import cosignature, note
from transparency.cosigning import Cosigning
from transparency.store import LeafRecord
from witness.state import WitnessState


@pytest.fixture(scope="module")
def witnessed(tmp_path_factory) -> Iterator[tuple[Server, Witness, note.Signer, Settings]]:
    """A witness, then `serve --demo` asking it to cosign (quorum 1)."""
    tmp_path = tmp_path_factory.mktemp("interop")
    settings = settings_for(tmp_path)
    # The witness trusts the log's key before either starts: create the key first.
    signer = note.load_or_create_signer(settings.signing_key_file, settings.log_name)
    witness = start_witness(tmp_path, signer.verifier.vkey)
    server = None
    try:
        server, signer, settings = serve(tmp_path, settings, witness)
        yield server, witness, signer, settings
    finally:
        if server is not None:
            stop_server(server.process)
        stop_witness(witness)


def test_a_spec_client_reads_and_verifies_the_log_through_its_tiles(witnessed):
    server, _, signer, settings = witnessed
    last = apply_many(server, 100)["position"]  # past 256 leaves: a level-1 tile too
    requests.get(f"{server.base}/v1/transparency/checkpoint?min_position={last}")
    vkey = requests.get(f"{server.base}/v1/transparency/public-key").text.strip()
    assert vkey == signer.verifier.vkey
    prefix = f"{server.base}/log"
    origin, size, entries = wait_for(
        "a witnessed checkpoint past 256 leaves",
        lambda: (found := read_log(prefix, vkey))[1] > 256 and found,
    )
    assert origin == prefix.removeprefix("http://")  # the origin is the prefix, schemeless
    assert origin == settings.log_name
    event = json.loads(entries[0])
    assert event["type"] == "program.opened" and event["aggregate_version"] == 1


def test_checkpoints_and_certificates_carry_the_witness_cosignature(witnessed, tmp_path):
    server, witness, signer, _ = witnessed
    key = cosignature.parse_witness_vkey(witness.vkey)
    for path in ("/log/checkpoint", "/v1/transparency/checkpoint"):
        signed = wait_for(
            f"{path} cosigned",
            lambda p=path: WITNESS_NAME in (text := requests.get(server.base + p).text) and text,
        )
        opened = cosignature.open_cosigned(signed, signer.verifier, [key])
        opened.require(1)
    work = requests.get(f"{server.base}/v1/works").json()["items"][0]["id"]
    cert = wait_for(
        "a cosigned certificate",
        lambda: (
            WITNESS_NAME.encode()
            in (body := requests.get(f"{server.base}/v1/works/{work}/certificate").content)
            and body
        ),
    )
    (tmp_path / "work.cert.json").write_bytes(cert)
    (tmp_path / "log.vkey").write_text(signer.verifier.vkey + "\n")
    (tmp_path / "w1.vkey").write_text(witness.vkey + "\n")
    base = ["verify", "certificate", str(tmp_path / "work.cert.json")]
    base += ["--key", str(tmp_path / "log.vkey")]
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    ok = labledger(env, *base, "--witness", str(tmp_path / "w1.vkey"))
    assert ok.stdout.startswith("VALID: work " + work)
    assert f"cosigned by 1 witness(es): {WITNESS_NAME}" in ok.stdout
    other = cosignature.Cosigner("witness.test/other", bytes(32)).key.vkey
    refused = labledger(env, *base, "--witness", other, check=False)
    assert refused.returncode == 1
    assert "INVALID: the checkpoint carries 0 valid witness cosignature(s), 1 required" in (
        refused.stderr
    )


def test_the_witness_refuses_a_fork_sharing_the_log_key_and_origin(witnessed, tmp_path):
    server, witness, _, settings = witnessed
    wait_for(
        "a cosigned checkpoint",
        lambda: WITNESS_NAME in requests.get(f"{server.base}/log/checkpoint").text,
    )
    fork = open_system(
        Settings(
            database_url=f"sqlite:///{tmp_path / 'fork.sqlite3'}",
            signing_key_file=settings.signing_key_file,  # the same key, the same origin
            log_name=settings.log_name,
            witnesses=(WitnessSetting(witness.url, witness.vkey),),
        )
    )
    try:
        store = fork.transparency.store
        size = int(requests.get(f"{server.base}/log/checkpoint").text.split("\n")[1])
        records = [
            LeafRecord(i + 1, "fork", i + 1, "fork.leaf", f"another history {i}".encode())
            for i in range(size + 50)
        ]
        store.append(store.head(), records)
        fork.transparency.checkpoint()
        (policy,) = fork.witness_policy.witnesses
        assert Cosigning(fork.db, policy, 0.1, 5.0).step() == "refused"
        assert fork.transparency.cosignatures.cosigned_size(witness.vkey) is None
    finally:
        fork.close()
    reason, request = WitnessState(witness.database).refusals()[-1][1:]
    assert "does not verify" in reason and request.startswith("old ")
    # The honest log is still followed: a new event is cosigned.
    staff = server.token("staff")
    requests.post(f"{server.base}/v1/programs/seoul-2026/close", headers=staff)
    before = size
    wait_for(
        "the honest log cosigned past the fork's attempt",
        lambda: int(requests.get(f"{server.base}/log/checkpoint").text.split("\n")[1]) > before,
    )


def test_the_monitor_follows_the_witnessed_log(witnessed, tmp_path):
    server, witness, signer, _ = witnessed
    prefix, state = f"{server.base}/log", tmp_path / "monitor.json"
    first = monitor(prefix, signer.verifier.vkey, state, witness.vkey)
    assert first.returncode == 0, first.stderr
    assert "first run: the whole log" in first.stdout and "cosigned by 1 witness" in first.stdout
    size = json.loads(state.read_text())["size"]
    staff = server.token("staff")
    program = {
        "slug": "busan-2026",
        "name": "Busan",
        "city": "Busan",
        "starts_on": "2026-03-02",
        "ends_on": "2026-03-31",
        "capacity": 3,
    }
    assert requests.post(f"{server.base}/v1/programs", json=program, headers=staff).ok
    wait_for(
        "the new event witnessed",
        lambda: int(requests.get(f"{prefix}/checkpoint").text.split("\n")[1]) > size,
    )
    later = monitor(prefix, signer.verifier.vkey, state, witness.vkey)
    assert later.returncode == 0, later.stderr
    assert f"consistent with size {size}" in later.stdout


def test_the_monitor_catches_a_rewritten_history(tmp_path):
    settings = settings_for(tmp_path)
    server, signer, settings = serve(tmp_path, settings, None)
    try:
        prefix, state = f"{server.base}/log", tmp_path / "monitor.json"
        vkey = signer.verifier.vkey
        assert monitor(prefix, vkey, state).returncode == 0
        # The operator rewrites leaf 0 and rebuilds the tree, signed with the same key.
        rewrite_first_leaf(settings)
        staff = server.token("staff")
        requests.post(f"{server.base}/v1/programs/seoul-2026/close", headers=staff)
        old = json.loads(state.read_text())["size"]
        wait_for(
            "a checkpoint of the rewritten tree",
            lambda: int(requests.get(f"{prefix}/checkpoint").text.split("\n")[1]) > old,
        )
        caught = monitor(prefix, vkey, state)
        assert caught.returncode == 1, caught.stdout + caught.stderr
        assert caught.stderr.startswith("INCONSISTENT: ")
        assert f"does not extend the tree of size {old}" in caught.stderr
        assert (tmp_path / "monitor.json.rejected").exists()
        assert json.loads(state.read_text())["size"] == old  # the last good state is kept
        # A tampered stored leaf (no re-signing): its bundle no longer hashes to its tile.
        store = open_system(settings)
        try:
            store.db.execute("UPDATE {t}tlog_leaves SET leaf = ? WHERE idx = 1", ('{"x":1}',))
        finally:
            store.close()
        fresh = monitor(prefix, vkey, tmp_path / "fresh.json")
        assert fresh.returncode == 1
        assert "does not hash to its leaf hash" in fresh.stderr
    finally:
        stop_server(server.process)
