"""The witness, per C2SP tlog-witness: what it cosigns and what it refuses, with which status."""

from __future__ import annotations

import base64
import concurrent.futures
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tests.integration.conftest import free_port
from tests.unit.tlog_support import MemoryTree
from transparency import cosignature, merkle, note
from witness.app import create_app
from witness.config import WitnessConfig, parse_log
from witness.core import SizeConflict, Witness
from witness.state import Known, Transaction, WitnessState

LOG = note.Signer("log.example/ledger", bytes(range(32)))


class Log:
    """A log the test grows and signs, as our tree builder would."""

    def __init__(self, tag: str = "a", signer: note.Signer = LOG) -> None:
        self.tree, self.signer, self.tag = MemoryTree(), signer, tag

    def grow(self, n: int) -> None:
        for _ in range(n):
            self.tree.append(f"{self.tag} {self.tree.size}".encode())

    def signed(self, size: int | None = None) -> str:
        size = self.tree.size if size is None else size
        checkpoint = note.Checkpoint(self.signer.name, size, self.tree.root(size))
        return self.signer.sign(checkpoint.text())

    def body(self, old: int, size: int | None = None) -> bytes:
        size = self.tree.size if size is None else size
        proof = (
            merkle.prove(
                merkle.consistency_ranges(old, size), lambda ns: self.tree.fetch_nodes(ns, size)
            )
            if 0 < old < size
            else []
        )
        return cosignature.add_checkpoint_body(old, proof, self.signed(size))


def config(tmp_path: Path, *vkeys: str) -> WitnessConfig:
    logs: dict[str, tuple[note.Verifier, ...]] = {}
    for vkey in vkeys or (LOG.verifier.vkey,):
        origin, verifier = parse_log(vkey)
        logs[origin] = (*logs.get(origin, ()), verifier)
    return WitnessConfig(
        "witness.test/w1", tmp_path / "witness.key", tmp_path / "witness.sqlite3", logs
    )


@pytest.fixture
def client(tmp_path):
    return create_app(config(tmp_path)).test_client()


def witness_key(client) -> cosignature.WitnessKey:
    return client.application.extensions["witness"].cosigner.key


def cosigns(client, log: Log, old: int) -> list[str]:
    response = client.post("/add-checkpoint", data=log.body(old))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_data(as_text=True).startswith("\u2014 witness.test/w1 ")
    text = note.open_note(log.signed(), LOG.verifier)
    return cosignature.cosignatures_from_response(response.get_data(), text, witness_key(client))


def test_it_cosigns_a_consistent_sequence_of_checkpoints(client):
    log = Log()
    old = 0
    for growth in (1, 4, 251, 1, 300):
        log.grow(growth)
        lines = cosigns(client, log, old)
        cosigned = cosignature.with_cosignatures(log.signed(), lines)
        opened = cosignature.open_cosigned(cosigned, LOG.verifier, [witness_key(client)])
        assert opened.checkpoint.size == log.tree.size and opened.cosigned_by
        old = log.tree.size
    assert cosigns(client, log, old)  # the same checkpoint again is still cosigned


def test_its_cosignature_has_the_spec_byte_layout(client):
    log = Log()
    log.grow(3)
    before = int(time.time())
    line = cosigns(client, log, 0)[0]
    blob = base64.b64decode(line.split(" ")[2])
    key = witness_key(client)
    assert blob[:4] == key.key_id.to_bytes(4, "big") and len(blob) == 76
    timestamp = int.from_bytes(blob[4:12], "big")
    assert before <= timestamp <= time.time()
    body = log.signed().split("\n\n")[0] + "\n"  # the note text, with its final newline
    message = f"cosignature/v1\ntime {timestamp}\n{body}".encode()
    Ed25519PublicKey.from_public_bytes(key.public_key).verify(blob[12:], message)


def test_a_forked_log_is_refused_with_422(client, tmp_path):
    honest, fork = Log("honest"), Log("fork")  # same key and origin, different leaves
    honest.grow(5)
    cosigns(client, honest, 0)
    fork.grow(8)
    response = client.post("/add-checkpoint", data=fork.body(5))
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    refusals = client.application.extensions["witness"].state.refusals()
    assert refusals and refusals[0][0] == LOG.name and "old 5" in refusals[0][2]
    honest.grow(3)
    cosigns(client, honest, 5)  # the witness still follows the honest history


def test_the_same_size_with_another_root_is_a_409_conflict_not_a_size_hint(client):
    honest, fork = Log("honest"), Log("fork")
    honest.grow(5)
    fork.grow(5)
    cosigns(client, honest, 0)
    response = client.post("/add-checkpoint", data=fork.body(5))
    assert response.status_code == 409
    assert response.content_type != cosignature.SIZE_CONTENT_TYPE


def test_a_stale_old_size_gets_409_with_the_witness_size(client):
    log = Log()
    log.grow(10)
    cosigns(client, log, 0)
    log.grow(5)
    for stale in (0, 3, 12):
        response = client.post("/add-checkpoint", data=log.body(stale))
        assert response.status_code == 409
        assert response.headers["Content-Type"] == "text/x.tlog.size"
        assert response.get_data() == b"10\n"
        assert cosignature.parse_size_body(response.get_data()) == 10
    cosigns(client, log, 10)


def test_unknown_logs_and_bad_signatures_are_refused(client):
    stranger = Log(signer=note.Signer("other.example/log", bytes([3] * 32)))
    stranger.grow(2)
    assert client.post("/add-checkpoint", data=stranger.body(0)).status_code == 404
    impostor = Log(signer=note.Signer(LOG.name, bytes([4] * 32)))  # our origin, another key
    impostor.grow(2)
    assert client.post("/add-checkpoint", data=impostor.body(0)).status_code == 403
    log = Log()
    log.grow(2)
    body = log.body(0)
    tampered = body.replace(b"\n2\n", b"\n3\n", 1)  # the size changed after signing
    assert client.post("/add-checkpoint", data=tampered).status_code == 403
    cosigns(client, log, 0)  # none of the refusals moved the witness


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"old 1\n",
        b"old x\n\n",
        b"old 01\n\nsomething",
        b"new 0\n\n",
        b"old 0\nAAAA\n\n",
        b"old 0\n\nnot a note\n",
        b"\xff\xfe",
    ],
)
def test_malformed_requests_get_400(client, body):
    response = client.post("/add-checkpoint", data=body)
    assert response.status_code == 400
    assert response.content_type == "application/problem+json"


def test_old_size_beyond_the_checkpoint_and_proof_lines_with_old_0_are_400(client):
    log = Log()
    log.grow(4)
    head, signed = log.body(0).split(b"\n\n", 1)
    assert client.post("/add-checkpoint", data=b"old 5\n\n" + signed).status_code == 400
    proof_line = base64.b64encode(bytes(32))
    assert (
        client.post("/add-checkpoint", data=b"old 0\n" + proof_line + b"\n\n" + signed).status_code
        == 400
    )
    too_long = b"old 2\n" + (proof_line + b"\n") * 64 + b"\n" + signed
    assert client.post("/add-checkpoint", data=too_long).status_code == 400


def test_other_routes_and_methods_answer_problems(client):
    assert client.get("/add-checkpoint").status_code == 405
    assert client.get("/").status_code == 404
    assert client.post("/add-checkpoint", data=b"x" * 300_000).status_code == 413


def test_logs_are_configured_by_vkey_or_origin_and_vkey(tmp_path):
    other = note.Signer("key-name.example", bytes([5] * 32))
    env = {
        "LEDGER_WITNESS_LOGS": f"{LOG.verifier.vkey} origin.example/x={other.verifier.vkey}",
        "LEDGER_WITNESS_NAME": "w.example/1",
    }
    loaded = WitnessConfig.from_env(env)
    assert loaded.logs == {LOG.name: (LOG.verifier,), "origin.example/x": (other.verifier,)}
    with pytest.raises(ValueError):
        WitnessConfig.from_env({"LEDGER_WITNESS_LOGS": "not-a-key"})


class SlowState(WitnessState):
    """Every transaction pauses after reading the stored size: a race window, wide open."""

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        with super().transaction() as tx:
            read = tx.known

            def known_then_pause(origin: str) -> Known:
                found = read(origin)
                time.sleep(0.3)
                return found

            tx.known = known_then_pause  # type: ignore[method-assign]
            yield tx


def test_concurrent_submissions_cannot_roll_the_witness_back(tmp_path):
    loaded = config(tmp_path)
    cosigner = cosignature.load_or_create_cosigner(loaded.key_file, loaded.name)
    witness = Witness(cosigner, loaded.logs or {}, SlowState(loaded.database))
    log = Log()
    log.grow(17)
    witness.add_checkpoint(log.body(0, 10))

    def submit(size: int) -> str:
        try:
            return witness.add_checkpoint(log.body(10, size))
        except SizeConflict as conflict:
            return f"conflict {conflict.known_size}"

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        results = list(pool.map(submit, [17, 15]))
    assert sorted(r.startswith("conflict") for r in results) == [False, True]
    winner = 17 if not results[0].startswith("conflict") else 15
    with witness.state.transaction() as tx:
        assert tx.known(LOG.name).size == winner


# ---- the real process --------------------------------------------------------------


def start_witness(tmp_path: Path, logs: str) -> tuple[str, subprocess.Popen, dict[str, str]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env.update(
        LEDGER_WITNESS_NAME="witness.test/w1",
        LEDGER_WITNESS_KEY_FILE=str(tmp_path / "w.key"),
        LEDGER_WITNESS_DB=str(tmp_path / "w.sqlite3"),
        LEDGER_WITNESS_LOGS=logs,
    )
    out = open(tmp_path / "witness.log", "w")  # noqa: SIM115 (closed with the process)
    process = subprocess.Popen(
        [sys.executable, "-m", "witness", "serve", "--bind", f"127.0.0.1:{port}", "--workers", "3"],
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((tmp_path / "witness.log").read_text())
        try:
            requests.get(base, timeout=5)  # 404 once a worker answers
            return base, process, env
        except requests.RequestException:  # not bound yet, or workers still booting
            time.sleep(0.1)
    raise RuntimeError("the witness did not start")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


def test_witness_serve_cosigns_and_never_rolls_back_under_concurrent_submissions(tmp_path):
    base, process, env = start_witness(tmp_path, LOG.verifier.vkey)
    try:
        vkey = subprocess.run(
            [sys.executable, "-m", "witness", "vkey"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        key = cosignature.parse_witness_vkey(vkey)
        log = Log()
        log.grow(20)
        first = requests.post(f"{base}/add-checkpoint", data=log.body(0, 10), timeout=10)
        assert first.status_code == 200
        text = note.open_note(log.signed(10), LOG.verifier)
        assert cosignature.cosignatures_from_response(first.content, text, key)
        # Eleven submissions from size 10 at once, to sizes 10..20: at most one may move the
        # witness forward from 10; the others must see its new size.
        with concurrent.futures.ThreadPoolExecutor(11) as pool:
            results = list(
                pool.map(
                    lambda size: (
                        size,
                        requests.post(
                            f"{base}/add-checkpoint", data=log.body(10, size), timeout=30
                        ),
                    ),
                    range(10, 21),
                )
            )
        advanced = [size for size, r in results if r.status_code == 200 and size > 10]
        assert len(advanced) == 1
        assert all(r.status_code in (200, 409) for _, r in results)
        final = requests.post(f"{base}/add-checkpoint", data=log.body(0), timeout=10)
        assert final.status_code == 409 and final.text == f"{advanced[0]}\n"
    finally:
        stop(process)
