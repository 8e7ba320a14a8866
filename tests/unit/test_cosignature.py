"""cosignature/v1: the byte layout as C2SP tlog-cosignature writes it, keys, quorums."""

from __future__ import annotations

import base64
import hashlib
import stat
import struct

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tests.unit.tlog_support import certificate_with
from transparency import certificate, cosignature, note

# The spec's example checkpoint, and its example cosignature line by witness.example.com/w1.
SPEC_CHECKPOINT = (
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
)
SPEC_COSIGNATURE = (
    "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0"
    "xUe+mbIUBkBIfZ+qnA=="
)
SPEC_TIME = 1679315147  # "time 1679315147" in the spec's signed-message example

LOG = note.Signer("example.com/behind-the-sofa", bytes(range(32)))
W1 = cosignature.Cosigner("witness.example.com/w1", bytes([7] * 32))
W2 = cosignature.Cosigner("witness.example.com/w2", bytes([8] * 32))


def public_key(cosigner: cosignature.Cosigner) -> bytes:
    return cosigner.key.public_key


def test_the_spec_example_has_the_layout_we_write():
    blob = base64.b64decode(SPEC_COSIGNATURE)
    key_id, timestamp = struct.unpack(">IQ", blob[:12])
    assert len(blob) == 4 + 8 + 64 and timestamp == SPEC_TIME
    line = W1.cosign(SPEC_CHECKPOINT, SPEC_TIME)
    ours = base64.b64decode(line.split(" ")[2])
    assert len(ours) == len(blob) and ours[4:12] == blob[4:12]


def test_cosignature_bytes_follow_the_spec_text():
    line = W1.cosign(SPEC_CHECKPOINT, SPEC_TIME)
    # "— <key name> base64(32-bit key ID || signature)", newline-terminated
    assert line.startswith("\u2014 witness.example.com/w1 ") and line.endswith("\n")
    blob = base64.b64decode(line.rstrip("\n").split(" ")[2], validate=True)
    # key ID = SHA-256(<name> || "\n" || 0x04 || 32-byte Ed25519 public key)[:4]
    expected_id = hashlib.sha256(b"witness.example.com/w1\n\x04" + public_key(W1)).digest()[:4]
    assert blob[:4] == expected_id
    # timestamped_signature: u64 big-endian timestamp, then the 64-byte Ed25519 signature
    assert blob[4:12] == SPEC_TIME.to_bytes(8, "big") and len(blob) == 76
    message = b"cosignature/v1\ntime 1679315147\n" + SPEC_CHECKPOINT.encode()
    Ed25519PublicKey.from_public_bytes(public_key(W1)).verify(blob[12:], message)  # raises if not


def test_witness_vkey_uses_signature_type_4_and_round_trips():
    vkey = W1.key.vkey
    expected_id = hashlib.sha256(b"witness.example.com/w1\n\x04" + public_key(W1)).digest()[:4]
    encoded = base64.b64encode(b"\x04" + public_key(W1)).decode()
    assert vkey == f"witness.example.com/w1+{expected_id.hex()}+{encoded}"
    assert cosignature.parse_witness_vkey(vkey) == W1.key
    assert cosignature.parse_cosigner_skey(W1.skey) == W1
    with pytest.raises(note.NoteError):  # a log key (type 0x01) is not a witness key
        cosignature.parse_witness_vkey(LOG.verifier.vkey)
    with pytest.raises(note.NoteError):
        note.parse_vkey(vkey)
    with pytest.raises(note.NoteError, match="id"):
        cosignature.parse_witness_vkey(vkey.replace(expected_id.hex(), "00000000"))


def cosigned(*cosigners: cosignature.Cosigner, time: int = SPEC_TIME) -> str:
    text = note.Checkpoint(LOG.name, 5, hashlib.sha256(b"r").digest()).text()
    return LOG.sign(text) + "".join(c.cosign(text, time) for c in cosigners)


def test_open_cosigned_counts_each_known_witness_and_ignores_unknown_ones():
    signed = cosigned(W1, W2)
    opened = cosignature.open_cosigned(signed, LOG.verifier, [W1.key])
    assert opened.cosigned_by == {W1.key.vkey: SPEC_TIME} and opened.checkpoint.size == 5
    opened.require(1)
    with pytest.raises(note.NoteError, match="1 valid witness cosignature"):
        opened.require(2)
    both = cosignature.open_cosigned(signed, LOG.verifier, [W1.key, W2.key])
    assert set(both.cosigned_by) == {W1.key.vkey, W2.key.vkey}
    # The log's own key still opens a cosigned note: cosignature lines are unknown keys to it.
    assert note.open_note(signed, LOG.verifier).endswith("\n")


def test_a_cosignature_that_does_not_verify_rejects_the_note():
    signed = cosigned(W1)
    line = signed.splitlines()[-1]
    blob = bytearray(base64.b64decode(line.split(" ")[2]))
    blob[11] ^= 1  # another timestamp: the signature no longer covers the message
    forged = signed.replace(line.split(" ")[2], base64.b64encode(bytes(blob)).decode())
    with pytest.raises(note.NoteError, match="does not verify"):
        cosignature.open_cosigned(forged, LOG.verifier, [W1.key])
    other_text = note.Checkpoint(LOG.name, 6, hashlib.sha256(b"r").digest()).text()
    moved = LOG.sign(other_text) + W1.cosign(other_text.replace("6", "5"), SPEC_TIME)
    with pytest.raises(note.NoteError):
        cosignature.open_cosigned(moved, LOG.verifier, [W1.key])


def test_the_log_signature_is_still_required():
    text = note.Checkpoint(LOG.name, 5, hashlib.sha256(b"r").digest()).text()
    impostor = note.Signer(LOG.name, bytes([9] * 32))
    with pytest.raises(note.NoteError, match="no signature"):
        cosignature.open_cosigned(impostor.sign(text) + W1.cosign(text, 1), LOG.verifier, [W1.key])


def test_witness_protocol_bodies():
    signed = cosigned()
    proof = [hashlib.sha256(b"a").digest(), hashlib.sha256(b"b").digest()]
    body = cosignature.add_checkpoint_body(3, proof, signed)
    lines = body.decode().split("\n")
    assert lines[0] == "old 3" and base64.b64decode(lines[1]) == proof[0]
    assert lines[3] == "" and body.decode().endswith(signed)
    assert cosignature.add_checkpoint_body(0, [], signed) == b"old 0\n\n" + signed.encode()
    with pytest.raises(ValueError):
        cosignature.add_checkpoint_body(0, proof, signed)
    assert cosignature.parse_size_body(b"20852014\n") == 20852014
    for bad in (b"12", b"012\n", b"-1\n", b"1 2\n", b""):
        with pytest.raises(note.NoteError):
            cosignature.parse_size_body(bad)


def test_cosignatures_are_taken_from_a_witness_response():
    text = note.Checkpoint(LOG.name, 5, hashlib.sha256(b"r").digest()).text()
    response = (W2.cosign(text, 10) + W1.cosign(text, 11)).encode()
    lines = cosignature.cosignatures_from_response(response, text, W1.key)
    assert lines == [W1.cosign(text, 11)]
    merged = cosignature.with_cosignatures(LOG.sign(text), lines + lines)
    assert merged.count(lines[0]) == 1
    assert cosignature.open_cosigned(merged, LOG.verifier, [W1.key]).cosigned_by
    with pytest.raises(note.NoteError, match="no cosignature"):
        cosignature.cosignatures_from_response(W2.cosign(text, 1).encode(), text, W1.key)
    with pytest.raises(note.NoteError):
        cosignature.cosignatures_from_response(b"not a signature\n", text, W1.key)


def test_witness_key_file_is_created_private_and_reused(tmp_path):
    path = tmp_path / "w" / "witness.key"
    first = cosignature.load_or_create_cosigner(path, "witness.test/w")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().startswith("PRIVATE+KEY+witness.test/w+")
    assert cosignature.load_or_create_cosigner(path, "witness.test/w") == first


# ---- certificates carrying cosigned checkpoints ----------------------------------


def cosigned_certificate(*cosigners: cosignature.Cosigner) -> bytes:
    signer = note.Signer("test.local/log", bytes(range(32)))
    return certificate_with(signer, cosigners)


def test_a_certificate_verifies_with_the_quorum_of_witnesses_it_carries():
    data = cosigned_certificate(W1, W2)
    plain = certificate.verify_certificate(data)  # the old call still works
    assert plain.cosigned_by == () and plain.leaf_index == 2
    both = certificate.verify_certificate(data, witnesses=[W1.key.vkey, W2.key.vkey])
    assert set(both.cosigned_by) == {W1.key.vkey, W2.key.vkey}
    one = certificate.verify_certificate(data, witnesses=[W1.key.vkey], quorum=1)
    assert one.cosigned_by == (W1.key.vkey,)


def test_a_certificate_without_enough_cosignatures_is_invalid():
    w3 = cosignature.Cosigner("witness.example.com/w3", bytes([9] * 32))
    data = cosigned_certificate(W1)
    with pytest.raises(certificate.CertificateError, match="1 valid witness cosignature"):
        certificate.verify_certificate(data, witnesses=[W1.key, w3.key])  # default: all
    assert certificate.verify_certificate(data, witnesses=[W1.key, w3.key], quorum=1)
    with pytest.raises(certificate.CertificateError, match="0 valid"):
        certificate.verify_certificate(cosigned_certificate(), witnesses=[W1.key])
    with pytest.raises(ValueError, match="quorum"):
        certificate.verify_certificate(data, witnesses=[W1.key], quorum=2)
    with pytest.raises(ValueError, match="witness key"):
        certificate.verify_certificate(data, witnesses=[LOG.verifier.vkey])
