"""The witness, per C2SP tlog-witness: what it cosigns and what it refuses, with which status."""

from __future__ import annotations

import base64
import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tests.integration.witness_support import LOG, Log, config
from transparency import cosignature, note
from witness.app import create_app
from witness.config import WitnessConfig


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
