"""Signed notes: the Go sumdb/note vector byte for byte, the checkpoint format, keys."""

from __future__ import annotations

import base64
import hashlib
import json
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from transparency import note

VECTOR = json.loads((Path(__file__).parents[1] / "data" / "signed-note-vectors.json").read_text())


def test_go_sumdb_note_example_is_reproduced_byte_for_byte():
    signer = note.parse_skey(VECTOR["signer_key"])
    assert signer.skey == VECTOR["signer_key"]
    assert signer.verifier.vkey == VECTOR["verifier_key"]
    signed = signer.sign(VECTOR["text"])
    assert signed.encode("utf-8") == VECTOR["signed_note"].encode("utf-8")
    verifier = note.parse_vkey(VECTOR["verifier_key"])
    assert note.open_note(VECTOR["signed_note"].encode("utf-8"), verifier) == VECTOR["text"]


def test_checkpoint_note_has_the_exact_byte_format():
    signer = note.Signer("example.com/log", bytes(range(32)))
    root = hashlib.sha256(b"root").digest()
    signed = signer.sign(note.Checkpoint("example.com/log", 42, root).text()).encode("utf-8")

    public = signer.verifier.public_key
    expected_id = hashlib.sha256(b"example.com/log\n\x01" + public).digest()[:4]
    body = b"example.com/log\n42\n" + base64.b64encode(root) + b"\n"
    assert signed.startswith(body + b"\n\xe2\x80\x94 example.com/log ")  # blank line, em dash
    assert signed.endswith(b"\n") and signed.count(b"\n") == 5
    blob = base64.b64decode(signed[len(body) + 1 :].split(b" ")[2])
    assert blob[:4] == expected_id and len(blob) == 68
    Ed25519PublicKey.from_public_bytes(public).verify(blob[4:], body)  # raises if wrong
    assert signer.verifier.vkey == (
        "example.com/log+" + expected_id.hex() + "+" + base64.b64encode(b"\x01" + public).decode()
    )


def test_altered_notes_are_rejected():
    signer = note.Signer("example.com/log", bytes(32))
    signed = signer.sign("example.com/log\n1\n" + base64.b64encode(bytes(32)).decode() + "\n")
    verifier = signer.verifier
    assert note.open_note(signed, verifier).startswith("example.com/log\n1\n")
    for bad in (
        signed.replace("\n1\n", "\n2\n"),
        signed.replace("— example.com/log", "— example.com/other"),
        signed[:-1],
        signed.replace("\n\n", "\n"),
    ):
        with pytest.raises(note.NoteError):
            note.open_note(bad, verifier)
    other = note.Signer("example.com/log", bytes([1] * 32)).verifier
    with pytest.raises(note.NoteError, match="no signature"):
        note.open_note(signed, other)


def test_checkpoint_text_is_parsed_strictly():
    root = base64.b64encode(bytes(32)).decode()
    assert note.parse_checkpoint(f"o\n7\n{root}\n") == note.Checkpoint("o", 7, bytes(32))
    for bad in (f"o\n07\n{root}\n", f"o\n7\n{root}", f"o\n\n{root}\n", "o\n7\nAAAA\n"):
        with pytest.raises(note.NoteError):
            note.parse_checkpoint(bad)


def test_key_file_is_created_private_and_reused(tmp_path):
    path = tmp_path / "keys" / "log.key"
    first = note.load_or_create_signer(path, "test.local/log")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().startswith("PRIVATE+KEY+test.local/log+")
    again = note.load_or_create_signer(path, "test.local/log")
    assert again == first
    assert note.parse_vkey(first.verifier.vkey) == first.verifier


def test_verifier_key_with_a_wrong_id_is_rejected():
    vkey = VECTOR["verifier_key"]
    with pytest.raises(note.NoteError, match="id"):
        note.parse_vkey(vkey.replace("+c74f20a3+", "+c74f20a4+"))
