"""The transparency endpoints: checkpoints, key, proofs, leaves, certificates."""

from __future__ import annotations

import base64
import json
import threading

import pytest
from click.testing import CliRunner

from tests.helpers import post, seed, sha
from transparency import merkle, note
from transparency.certificate import verify_certificate
from transparency.cli import verify
from transparency.follower import TreeBuilder


@pytest.fixture
def built(settings, system, client, tokens):
    seeded = seed(client, tokens)
    head = TreeBuilder(system.log, system.db, settings).catch_up()
    return seeded, head


def _verifier(client) -> note.Verifier:
    response = client.get("/v1/transparency/public-key")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    return note.parse_vkey(response.get_data(as_text=True))


def _checkpoint(client, verifier, **query) -> note.Checkpoint:
    response = client.get("/v1/transparency/checkpoint", query_string=query)
    assert response.status_code == 200, response.get_json()
    assert response.content_type == "text/plain; charset=utf-8"
    return note.parse_checkpoint(note.open_note(response.get_data(), verifier))


def test_checkpoint_is_signed_for_the_current_tree_and_cached(client, settings, built):
    _, head = built
    verifier = _verifier(client)
    assert verifier.name == settings.log_name
    first = client.get("/v1/transparency/checkpoint").get_data()
    assert client.get("/v1/transparency/checkpoint").get_data() == first
    checkpoint = _checkpoint(client, verifier)
    assert (checkpoint.origin, checkpoint.size, checkpoint.root) == (
        settings.log_name,
        head.size,
        head.root,
    )


def test_a_checkpoint_is_signed_once_per_tree_size(
    client, tokens, settings, system, built, monkeypatch
):
    signed: list[str] = []
    sign = note.Signer.sign
    monkeypatch.setattr(
        note.Signer, "sign", lambda self, text: signed.append(text) or sign(self, text)
    )
    for _ in range(3):
        assert client.get("/v1/transparency/checkpoint").status_code == 200
    assert len(signed) == 1
    seed(client, tokens, slug="busan-2026", declare=False)
    TreeBuilder(system.log, system.db, settings).catch_up()
    for _ in range(2):
        assert client.get("/v1/transparency/checkpoint").status_code == 200
    assert len(signed) == 2 and signed[0] != signed[1]


def test_a_later_checkpoint_is_provably_consistent_with_an_earlier_one(
    client, tokens, settings, system, built
):
    verifier = _verifier(client)
    earlier = _checkpoint(client, verifier)
    seed(client, tokens, slug="busan-2026")
    TreeBuilder(system.log, system.db, settings).catch_up()
    later = _checkpoint(client, verifier)
    assert later.size > earlier.size
    body = client.get(
        "/v1/transparency/proofs/consistency",
        query_string={"first": earlier.size, "second": later.size},
    ).get_json()
    assert (body["first"], body["second"]) == (earlier.size, later.size)
    merkle.verify_consistency(
        earlier.size,
        later.size,
        [bytes.fromhex(h) for h in body["proof"]],
        earlier.root,
        later.root,
    )


def test_checkpoint_waits_for_min_position_then_answers_503(client, tokens, settings, system):
    slug = seed(client, tokens, declare=False).slug
    written = post(
        client,
        f"/v1/programs/{slug}/tools",
        tokens.staff,
        {
            "tool": "image",
            "name": "Still",
            "provider": "P",
            "version": "1",
            "capabilities": [],
            "limitations": [],
        },
        201,
    ).get_json()["position"]
    late = client.get("/v1/transparency/checkpoint", query_string={"min_position": written})
    assert late.status_code == 503 and late.headers["Retry-After"]
    assert late.mimetype == "application/problem+json"

    stop = threading.Event()
    builder = threading.Thread(
        target=TreeBuilder(system.log, system.db, settings).run, args=(stop,)
    )
    builder.start()
    try:
        checkpoint = _checkpoint(client, _verifier(client), min_position=written)
    finally:
        stop.set()
        builder.join()
    assert checkpoint.size == written  # SQLite positions are gap-free


def test_inclusion_proofs_verify_for_every_leaf(client, built):
    _, head = built
    for index in range(head.size):
        leaf = client.get(f"/v1/transparency/leaves/{index}").get_json()
        data = base64.b64decode(leaf["leaf"])
        proof = client.get(
            "/v1/transparency/proofs/inclusion", query_string={"index": index}
        ).get_json()
        assert proof["leaf_hash"] == merkle.leaf_hash(data).hex() == leaf["leaf_hash"]
        assert proof["tree_size"] == head.size and proof["root_hash"] == head.root.hex()
        merkle.verify_inclusion(
            merkle.leaf_hash(data),
            index,
            head.size,
            [bytes.fromhex(h) for h in proof["audit_path"]],
            head.root,
        )


def test_proofs_at_past_tree_sizes_carry_the_roots_of_those_sizes(client, built):
    _, head = built
    leaves = [
        bytes.fromhex(client.get(f"/v1/transparency/leaves/{i}").get_json()["leaf_hash"])
        for i in range(head.size)
    ]
    for size in range(1, head.size + 1):
        root = merkle.root_of(leaves[:size])
        proof = client.get(
            "/v1/transparency/proofs/inclusion",
            query_string={"index": size // 2, "tree_size": size},
        ).get_json()
        assert (proof["tree_size"], proof["root_hash"]) == (size, root.hex())
        assert proof["leaf_hash"] == leaves[size // 2].hex()
        merkle.verify_inclusion(
            leaves[size // 2],
            size // 2,
            size,
            [bytes.fromhex(h) for h in proof["audit_path"]],
            root,
        )
        body = client.get(
            "/v1/transparency/proofs/consistency", query_string={"first": size}
        ).get_json()
        assert (body["first"], body["second"]) == (size, head.size)
        assert (body["first_root"], body["second_root"]) == (root.hex(), head.root.hex())
        merkle.verify_consistency(
            size, head.size, [bytes.fromhex(h) for h in body["proof"]], root, head.root
        )


def test_leaves_show_the_redacted_event_they_commit_to(client, built):
    _, head = built
    texts = [
        client.get(f"/v1/transparency/leaves/{i}").get_data(as_text=True) for i in range(head.size)
    ]
    submitted = next(t for t in texts if "application.submitted" in t)
    assert "kim@example.org" not in submitted and "moving image" not in submitted
    body = client.get("/v1/transparency/leaves/0").get_json()
    assert body["event"]["position"] == body["position"]
    assert body["event"]["type"] == "program.opened"


@pytest.mark.parametrize(
    ("path", "query", "status"),
    [
        ("/v1/transparency/proofs/inclusion", {"index": 99}, 422),
        ("/v1/transparency/proofs/inclusion", {"index": 0, "tree_size": 999}, 404),
        ("/v1/transparency/proofs/inclusion", {"index": -1}, 422),
        ("/v1/transparency/proofs/inclusion", {"index": "x"}, 422),
        ("/v1/transparency/proofs/inclusion", {"index": 10**30}, 422),
        ("/v1/transparency/proofs/inclusion", {}, 422),
        ("/v1/transparency/proofs/inclusion", {"index": 0, "tree_size": 0}, 422),
        ("/v1/transparency/proofs/consistency", {"first": 0, "second": 2}, 422),
        ("/v1/transparency/proofs/consistency", {"first": 3, "second": 2}, 422),
        ("/v1/transparency/proofs/consistency", {"first": 1, "second": 999}, 404),
        ("/v1/transparency/checkpoint", {"min_position": -1}, 422),
        ("/v1/transparency/leaves/999", {}, 404),
        ("/v1/transparency/leaves/99999999999999999999999", {}, 404),
    ],
)
def test_out_of_range_arguments_are_problems(client, built, path, query, status):
    response = client.get(path, query_string=query)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == status


def test_certificate_verifies_offline_with_the_cli(client, built, tmp_path):
    seeded, _ = built
    response = client.get(f"/v1/works/{seeded.work}/certificate")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) >= {
        "work_id",
        "leaf_index",
        "leaf",
        "inclusion_proof",
        "checkpoint",
        "verifier_key",
        "tlog_proof",
    }
    path = tmp_path / "work.cert.json"
    path.write_bytes(response.get_data())
    vkey = client.get("/v1/transparency/public-key").get_data(as_text=True).strip()

    runner = CliRunner()
    ok = runner.invoke(verify, ["certificate", str(path), "--key", vkey])
    assert ok.exit_code == 0, ok.output
    assert f"VALID: work {seeded.work}" in ok.output and "Han River" in ok.output
    key_file = tmp_path / "log.vkey"
    key_file.write_text(vkey + "\n")
    assert runner.invoke(verify, ["certificate", str(path), "--key", str(key_file)]).exit_code == 0

    other = note.Signer(vkey.split("+")[0], bytes(32)).verifier.vkey
    wrong = runner.invoke(verify, ["certificate", str(path), "--key", other])
    assert wrong.exit_code == 1 and "INVALID" in wrong.output

    data = response.get_data()
    for position in range(0, len(data), 97):  # through the CLI; every byte: test_certificate
        changed = bytearray(data)
        changed[position] ^= 0x01
        path.write_bytes(bytes(changed))
        result = runner.invoke(verify, ["certificate", str(path)])
        assert result.exit_code == 1, (position, result.output)
    assert verify_certificate(data, vkey).work_id == seeded.work


def test_certificate_of_an_unknown_work_is_404_and_of_a_pending_one_503(
    client, tokens, settings, system, built
):
    missing = client.get(f"/v1/works/{'0' * 8}-0000-4000-8000-{'0' * 12}/certificate")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    seeded, _ = built
    pending = post(
        client,
        "/v1/works",
        seeded.artist_headers,
        {
            "title": "Later",
            "content_sha256": sha("later"),
            "generation_ids": [seeded.generation],
            "statement": "x",
        },
        201,
    ).get_json()
    response = client.get(f"/v1/works/{pending['id']}/certificate")
    assert response.status_code == 503 and response.headers["Retry-After"]
    TreeBuilder(system.log, system.db, settings).catch_up()
    assert client.get(f"/v1/works/{pending['id']}/certificate").status_code == 200


def test_certificate_of_an_id_that_is_not_a_work_is_404_not_503(client, tokens, built):
    seeded, _ = built
    program = client.get(f"/v1/programs/{seeded.slug}", headers=tokens.staff).get_json()
    others = {
        "program": program["id"],
        "application": seeded.participant,
        "generation": seeded.generation,
    }
    for kind, other in others.items():
        response = client.get(f"/v1/works/{other}/certificate")
        assert response.status_code == 404, (kind, response.get_json())
        assert "Retry-After" not in response.headers, kind


def test_readiness_reports_the_tree_lag(client, built, tokens):
    body = client.get("/readyz").get_json()
    assert body["checks"]["transparency"]["lag"] == 0
    seed(client, tokens, slug="busan-2026", declare=False)
    lagging = client.get("/readyz").get_json()["checks"]["transparency"]
    assert lagging["lag"] > 0 and lagging["ok"] is True


def test_verify_consistency_cli_accepts_a_true_proof_and_rejects_a_forged_one(
    client, tokens, settings, system, built, tmp_path
):
    seeded, _ = built
    vkey = client.get("/v1/transparency/public-key").get_data(as_text=True)
    (tmp_path / "log.vkey").write_text(vkey)
    certificate = tmp_path / "work.cert.json"
    certificate.write_bytes(client.get(f"/v1/works/{seeded.work}/certificate").get_data())
    earlier_size = note.parse_checkpoint(
        note.open_note(json.loads(certificate.read_bytes())["checkpoint"], note.parse_vkey(vkey))
    ).size
    seed(client, tokens, slug="busan-2026")
    TreeBuilder(system.log, system.db, settings).catch_up()
    later = tmp_path / "later.checkpoint"
    later.write_bytes(client.get("/v1/transparency/checkpoint").get_data())
    proof = client.get(
        "/v1/transparency/proofs/consistency", query_string={"first": earlier_size}
    ).get_json()
    (tmp_path / "proof.json").write_text(json.dumps(proof))
    args = [
        "consistency",
        str(certificate),
        str(later),
        str(tmp_path / "proof.json"),
        "--key",
        str(tmp_path / "log.vkey"),
    ]

    runner = CliRunner()
    ok = runner.invoke(verify, args)
    assert ok.exit_code == 0, ok.output
    assert f"CONSISTENT: tree size {earlier_size} " in ok.output

    proof["proof"][0] = "00" * 32
    (tmp_path / "proof.json").write_text(json.dumps(proof))
    forged = runner.invoke(verify, args)
    assert forged.exit_code == 1 and "INCONSISTENT" in forged.output


@pytest.mark.parametrize("proof", ["[]", '"proof"', "7", "not json", '{"first": 1}'])
def test_verify_consistency_cli_reports_a_malformed_proof_file(tmp_path, proof):
    signer = note.Signer("test.local/log", bytes(32))
    checkpoint = tmp_path / "checkpoint"
    checkpoint.write_text(signer.sign(note.Checkpoint(signer.name, 1, bytes(32)).text()))
    (tmp_path / "proof.json").write_text(proof)
    result = CliRunner().invoke(
        verify,
        [
            "consistency",
            str(checkpoint),
            str(checkpoint),
            str(tmp_path / "proof.json"),
            "--key",
            signer.verifier.vkey,
        ],
    )
    assert isinstance(result.exception, SystemExit), result.exception  # no traceback
    assert result.exit_code == 1 and "INCONSISTENT" in result.output
