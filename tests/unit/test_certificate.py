"""Ownership certificates verify offline, and any changed byte breaks them."""

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
    with pytest.raises(certificate.CertificateError):
        certificate.verify_certificate(data[:-2] + b" }\n")  # valid JSON, not canonical


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
