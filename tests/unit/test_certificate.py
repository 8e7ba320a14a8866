"""Ownership certificates verify offline by their facts: any re-encoding of the
JSON verifies, any changed byte of the served file or any changed fact fails."""

from __future__ import annotations

import base64
import json
import uuid

import pytest
import rfc8785

from ledger.events import commitment
from transparency import certificate, merkle, note

WORK = str(uuid.uuid4())


SALT = "5a" * 32
NAME = "김서연 (Kim Seo-yeon)"
CREDIT = {"name": NAME, "salt": SALT}


def declaration_leaf(work_id: str, version: int = 1, type_: str = "work.ownership_declared"):
    return rfc8785.dumps(
        {
            "position": 9,
            "event_id": str(uuid.uuid4()),
            "aggregate_id": work_id,
            "aggregate_version": version,
            "type": type_,
            "timestamp": "2026-03-10T12:00:00.000000Z",
            "actor": {"id": "tok", "role": "artist"},
            "data": {
                "title": "Han River",
                "content_sha256": "ab" * 32,
                "artist": str(uuid.uuid4()),
                "statement_commitment": "cd" * 32,
                "credit_name_commitment": commitment(SALT, "credit_name", NAME),
            },
        }
    )


def make(
    leaf: bytes,
    index: int = 5,
    size: int = 11,
    signer: note.Signer | None = None,
    credit: dict[str, str] | None = CREDIT,
):
    signer = signer or note.Signer("test.local/log", bytes(range(32)))
    leaves = [merkle.leaf_hash(f"other {i}".encode()) for i in range(size)]
    leaves[index] = merkle.leaf_hash(leaf)
    nodes = {}
    for level in range(size.bit_length()):
        width = 1 << level
        for i in range(size // width):
            nodes[(level, i)] = merkle.root_of(leaves[i * width : (i + 1) * width])
    path = merkle.prove(merkle.inclusion_ranges(index, size), lambda ns: {n: nodes[n] for n in ns})
    signed = signer.sign(note.Checkpoint(signer.name, size, merkle.root_of(leaves)).text())
    cert = certificate.build_certificate(
        WORK, index, leaf, size, path, signed, signer.verifier.vkey, credit
    )
    return certificate.certificate_bytes(cert), signer


def test_a_genuine_certificate_verifies_with_and_without_a_pinned_key():
    data, signer = make(declaration_leaf(WORK))
    result = certificate.verify_certificate(data)
    assert (result.work_id, result.leaf_index, result.tree_size) == (WORK, 5, 11)
    assert not result.key_pinned
    pinned = certificate.verify_certificate(data, signer.verifier.vkey)
    assert pinned.key_pinned and pinned.event["data"]["title"] == "Han River"


def test_the_tlog_proof_text_follows_c2sp():
    data, signer = make(declaration_leaf(WORK))
    cert = json.loads(data)
    lines = cert["tlog_proof"].split("\n")
    assert lines[0] == "c2sp.org/tlog-proof@v1"
    assert lines[1] == "extra " + cert["leaf"]
    assert lines[2] == "index 5"
    hashes = lines[3 : 3 + len(cert["inclusion_proof"]["audit_path"])]
    assert [base64.b64decode(h).hex() for h in hashes] == cert["inclusion_proof"]["audit_path"]
    assert cert["tlog_proof"].endswith("\n\n" + cert["checkpoint"])


def test_changing_any_byte_makes_the_certificate_fail():
    data, signer = make(declaration_leaf(WORK))
    for position in range(len(data)):
        for flip in (0x01, 0x20):
            changed = bytearray(data)
            changed[position] ^= flip
            with pytest.raises(certificate.CertificateError):
                certificate.verify_certificate(bytes(changed))


def _reencodings(cert: dict) -> list[bytes]:
    reordered = dict(reversed(list(cert.items())))
    return [
        (json.dumps(cert, indent=2, ensure_ascii=False) + "\n").encode(),  # jq .
        json.dumps(reordered, separators=(",", ":"), ensure_ascii=False).encode(),
        json.dumps(cert, ensure_ascii=True).encode(),  # \uXXXX escapes
        json.dumps(reordered, indent="\t", ensure_ascii=True).encode(),
        b"\r\n  " + json.dumps(cert).encode() + b"\r\n\r\n",
    ]


def test_any_re_encoding_of_the_json_verifies():
    leaf = declaration_leaf(WORK).replace(b'"Han River"', '"한강의 푸른 시간"'.encode())
    data, signer = make(leaf)
    for encoded in _reencodings(json.loads(data)):
        assert encoded != data
        result = certificate.verify_certificate(encoded, signer.verifier.vkey)
        assert result.work_id == WORK and result.event["data"]["title"] == "한강의 푸른 시간"
        assert result.credited_name == NAME


def _changed_facts(cert: dict, other_vkey: str) -> list[tuple[str, dict]]:
    path = cert["inclusion_proof"]["audit_path"]
    leaf = base64.b64decode(cert["leaf"])
    return [
        ("work_id", cert | {"work_id": str(uuid.uuid4())}),
        ("leaf_index", cert | {"leaf_index": cert["leaf_index"] + 1}),
        ("leaf", cert | {"leaf": base64.b64encode(leaf.replace(b"Han", b"Hal")).decode()}),
        ("leaf re-encoded", cert | {"leaf": base64.b64encode(leaf + b" ").decode()}),
        ("tree_size", cert | {"inclusion_proof": {"tree_size": 12, "audit_path": path}}),
        ("audit_path", cert | {"inclusion_proof": {"tree_size": 11, "audit_path": path[::-1]}}),
        ("checkpoint", cert | {"checkpoint": cert["checkpoint"].replace("11\n", "12\n", 1)}),
        ("verifier_key", cert | {"verifier_key": other_vkey}),
        ("tlog_proof", cert | {"tlog_proof": cert["tlog_proof"].replace("index 5", "index 6")}),
        ("a field missing", {k: v for k, v in cert.items() if k != "tlog_proof"}),
        ("an unknown field", cert | {"note": "trust me"}),
        ("a repeated field", None),
    ]


def test_every_changed_fact_fails_however_the_json_is_encoded():
    data, signer = make(declaration_leaf(WORK))
    other = note.Signer("test.local/log", bytes(32)).verifier.vkey
    for name, changed in _changed_facts(json.loads(data), other):
        if changed is None:  # which copy would a reader take?
            encoded = data[:-2] + b',"work_id":"' + str(uuid.uuid4()).encode() + b'"}'
        else:
            encoded = json.dumps(changed, indent=2).encode()
        with pytest.raises(certificate.CertificateError):
            certificate.verify_certificate(encoded)
            pytest.fail(f"{name}: verified")


@pytest.mark.parametrize(
    ("leaf", "reason"),
    [
        (declaration_leaf(str(uuid.uuid4())), "not the ownership declaration of this work"),
        (declaration_leaf(WORK, version=2), "not the ownership declaration of this work"),
        (declaration_leaf(WORK, type_="work.exhibited"), "not a work.ownership_declared"),
    ],
)
def test_a_proof_of_some_other_leaf_is_not_a_certificate(leaf, reason):
    data, _ = make(leaf)
    with pytest.raises(certificate.CertificateError, match=reason):
        certificate.verify_certificate(data)


def test_a_certificate_signed_by_another_key_fails_against_the_pinned_key():
    data, _ = make(declaration_leaf(WORK), signer=note.Signer("test.local/log", bytes(32)))
    trusted = note.Signer("test.local/log", bytes(range(32))).verifier.vkey
    with pytest.raises(certificate.CertificateError, match="not the trusted key"):
        certificate.verify_certificate(data, trusted)


def test_the_credit_opening_proves_the_credited_name():
    data, _ = make(declaration_leaf(WORK))
    assert certificate.verify_certificate(data).credited_name == NAME
    assert json.loads(data)["credit"] == CREDIT


def test_without_an_opening_a_certificate_verifies_and_proves_no_name():
    data, _ = make(declaration_leaf(WORK), credit=None)  # as served after an erasure
    assert json.loads(data)["credit"] is None
    assert certificate.verify_certificate(data).credited_name is None


@pytest.mark.parametrize(
    ("credit", "reason"),
    [
        ({"name": "Someone Else", "salt": SALT}, "do not open the commitment"),
        ({"name": NAME, "salt": "00" * 32}, "do not open the commitment"),
        ({"name": NAME, "salt": "5A" * 32}, "credit is not null or"),
        ({"name": NAME}, "credit is not null or"),
        ({"name": NAME, "salt": SALT, "extra": 1}, "credit is not null or"),
        ("Kim", "credit is not null or"),
    ],
)
def test_a_wrong_or_malformed_credit_fails(credit, reason):
    data, _ = make(declaration_leaf(WORK), credit=credit)
    with pytest.raises(certificate.CertificateError, match=reason):
        certificate.verify_certificate(data)


def test_a_credit_needs_a_committed_name_and_the_field_is_required():
    leaf = json.loads(declaration_leaf(WORK))
    del leaf["data"]["credit_name_commitment"]
    data, _ = make(rfc8785.dumps(leaf))
    with pytest.raises(certificate.CertificateError, match="no credit_name_commitment"):
        certificate.verify_certificate(data)
    cert = json.loads(make(declaration_leaf(WORK))[0])
    del cert["credit"]
    with pytest.raises(certificate.CertificateError, match="exactly the fields"):
        certificate.verify_certificate(certificate.certificate_bytes(cert))


def test_the_verifier_commits_as_the_ledger_does():
    for salt, name in ((SALT, NAME), ("00" * 32, ""), ("ff" * 32, "Nul\x00Artist")):
        assert certificate.credit_commitment(salt, name) == commitment(salt, "credit_name", name)
