"""Ownership certificates as served, and the offline `verify` CLI on certificates and on
consistency proofs."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tests.api.transparency_support import seed_and_build
from tests.helpers import post, seed, sha
from transparency import note
from transparency.certificate import verify_certificate
from transparency.cli import verify
from transparency.follower import TreeBuilder


@pytest.fixture
def built(settings, system, client, tokens):
    return seed_and_build(settings, system, client, tokens)


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
