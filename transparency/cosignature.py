"""C2SP tlog-cosignature `cosignature/v1` (Ed25519): witness keys, cosigning, quorums.

A cosignature is a signed-note signature line on a checkpoint:

    — <witness name> base64(key id || u64 big-endian timestamp || Ed25519 signature)

key id = SHA-256(name || 0x0A || 0x04 || public key)[:4]; the signed message is
"cosignature/v1\\ntime <timestamp>\\n" followed by the checkpoint's note text.
Witness keys use the vkey text form with signature type 0x04:
`<name>+<key id>+<base64(0x04 || public key)>`; a witness's private key file
is `PRIVATE+KEY+<name>+<key id>+<base64(0x04 || seed)>`.

This module also holds the pure halves of the tlog-witness exchange (the
add-checkpoint request body, the 409 size body, the 200 cosignature lines),
so the log's side needs only an HTTP POST around them.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from transparency import note
from transparency.note import EM_DASH, NoteError

COSIGNATURE_V1 = 0x04
HEADER = "cosignature/v1\n"
MAX_TIMESTAMP = 2**63 - 1
MAX_PROOF_LINES = 63
SIZE_CONTENT_TYPE = "text/x.tlog.size"
_SIZE = re.compile(r"0|[1-9][0-9]{0,18}")


def cosigner_key_id(name: str, public_key: bytes) -> int:
    material = name.encode("utf-8") + b"\n" + bytes([COSIGNATURE_V1]) + public_key
    return int.from_bytes(hashlib.sha256(material).digest()[:4], "big")


def signed_message(checkpoint_text: str, timestamp: int) -> bytes:
    """What a cosignature/v1 signs: header line, time line, the checkpoint's note text."""
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise NoteError(f"cosignature timestamp {timestamp} is out of range")
    return f"{HEADER}time {timestamp}\n{checkpoint_text}".encode()


@dataclass(frozen=True)
class WitnessKey:
    """A witness's public key (what a log, auditor or monitor is configured with)."""

    name: str
    public_key: bytes

    @property
    def key_id(self) -> int:
        return cosigner_key_id(self.name, self.public_key)

    @property
    def vkey(self) -> str:
        encoded = base64.b64encode(bytes([COSIGNATURE_V1]) + self.public_key).decode("ascii")
        return f"{self.name}+{self.key_id:08x}+{encoded}"

    def verify(self, checkpoint_text: str, blob: bytes) -> int:
        """The timestamp of cosignature `blob` (key id || timestamp || signature) on
        `checkpoint_text`; NoteError if it is not this key's or does not verify."""
        if len(blob) != 4 + 8 + 64 or int.from_bytes(blob[:4], "big") != self.key_id:
            raise NoteError(f"not a cosignature/v1 by {self.name}+{self.key_id:08x}")
        timestamp = int.from_bytes(blob[4:12], "big")
        message = signed_message(checkpoint_text, timestamp)
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(blob[12:], message)
        except InvalidSignature as error:
            raise NoteError(f"the cosignature by {self.name} does not verify") from error
        return timestamp


@dataclass(frozen=True)
class Cosigner:
    """A witness's private key."""

    name: str
    seed: bytes

    @property
    def key(self) -> WitnessKey:
        public = Ed25519PrivateKey.from_private_bytes(self.seed).public_key()
        return WitnessKey(self.name, public.public_bytes(Encoding.Raw, PublicFormat.Raw))

    @property
    def skey(self) -> str:
        encoded = base64.b64encode(bytes([COSIGNATURE_V1]) + self.seed).decode("ascii")
        return f"PRIVATE+KEY+{self.name}+{self.key.key_id:08x}+{encoded}"

    def cosign(self, checkpoint_text: str, timestamp: int) -> str:
        """The signature line (newline-terminated) cosigning `checkpoint_text`."""
        message = signed_message(checkpoint_text, timestamp)
        signature = Ed25519PrivateKey.from_private_bytes(self.seed).sign(message)
        blob = self.key.key_id.to_bytes(4, "big") + timestamp.to_bytes(8, "big") + signature
        return f"{EM_DASH} {self.name} {base64.b64encode(blob).decode('ascii')}\n"


def parse_witness_vkey(text: str) -> WitnessKey:
    name, claimed_id, public_key = note.parse_key_text(
        text.strip(), "", "witness key", COSIGNATURE_V1
    )
    key = WitnessKey(name, public_key)
    if key.key_id != claimed_id:
        raise NoteError("witness key id does not match its name and key")
    return key


def parse_cosigner_skey(text: str) -> Cosigner:
    name, claimed_id, seed = note.parse_key_text(
        text.strip(), "PRIVATE+KEY+", "witness signer key", COSIGNATURE_V1
    )
    cosigner = Cosigner(name, seed)
    if cosigner.key.key_id != claimed_id:
        raise NoteError("witness signer key id does not match its name and key")
    return cosigner


def load_or_create_cosigner(path: Path, name: str) -> Cosigner:
    """The witness's key, created (mode 0600) on first use; the configured name wins."""
    note.check_name(name)
    path = Path(path)
    note.create_key_file(path, lambda: Cosigner(name, secrets.token_bytes(32)).skey)
    cosigner = parse_cosigner_skey(path.read_text())
    return cosigner if cosigner.name == name else Cosigner(name, cosigner.seed)


def quorum_of(
    witnesses: Sequence[str | WitnessKey], quorum: int | None
) -> tuple[list[WitnessKey], int]:
    """The witness keys (vkey texts parsed) and how many of them must have cosigned
    (default: all); ValueError for a malformed key or an impossible quorum."""
    try:
        keys = [w if isinstance(w, WitnessKey) else parse_witness_vkey(w) for w in witnesses]
    except NoteError as error:
        raise ValueError(f"witness key: {error}") from error
    needed = len(keys) if quorum is None else quorum
    if not 0 <= needed <= len(keys):
        raise ValueError(f"a quorum of {needed} out of {len(keys)} witness key(s) is impossible")
    return keys, needed


# ---- reading cosigned checkpoints ---------------------------------------------


@dataclass(frozen=True)
class CosignedCheckpoint:
    text: str
    checkpoint: note.Checkpoint
    cosigned_by: dict[str, int]  # witness vkey -> cosignature timestamp

    def require(self, quorum: int) -> None:
        if len(self.cosigned_by) < quorum:
            raise NoteError(
                f"the checkpoint carries {len(self.cosigned_by)} valid witness cosignature(s), "
                f"{quorum} required"
            )


def open_cosigned(
    signed: str | bytes, log: note.Verifier, witnesses: Iterable[WitnessKey] = ()
) -> CosignedCheckpoint:
    """Verify the log's signature and every cosignature by a known witness.

    Lines by unknown keys are ignored (signed-note); a line that matches a
    known witness's name and key id but does not verify rejects the note.
    """
    text = note.open_note(signed, log)
    checkpoint = note.parse_checkpoint(text)
    if checkpoint.origin != log.name:
        raise NoteError(f"checkpoint origin {checkpoint.origin!r} is not the key's log")
    known = {(w.name, w.key_id): w for w in witnesses}
    cosigned_by: dict[str, int] = {}
    for name, blob in note.split_note(signed)[1]:
        witness = known.get((name, int.from_bytes(blob[:4], "big")))
        if witness is not None:
            cosigned_by[witness.vkey] = witness.verify(text, blob)
    return CosignedCheckpoint(text, checkpoint, cosigned_by)


def with_cosignatures(signed: str, lines: Iterable[str]) -> str:
    """The signed note with signature lines appended, one per key (name and key id):
    a key that already signed keeps its line."""
    signers = {(name, blob[:4]) for name, blob in note.split_note(signed)[1]}
    for line in lines:
        line = line if line.endswith("\n") else line + "\n"
        ((name, blob),) = note.split_note("x\n\n" + line)[1]
        if (name, blob[:4]) not in signers:
            signers.add((name, blob[:4]))
            signed += line
    return signed


# ---- the tlog-witness exchange, without the HTTP ---------------------------------


def add_checkpoint_body(old_size: int, proof: Sequence[bytes], signed: str) -> bytes:
    """The POST <witness>/add-checkpoint request body."""
    if old_size == 0 and proof:
        raise ValueError("a proof from size 0 must be empty")
    if len(proof) > MAX_PROOF_LINES:
        raise ValueError(f"more than {MAX_PROOF_LINES} consistency proof lines")
    lines = [f"old {old_size}"] + [base64.b64encode(h).decode("ascii") for h in proof]
    return ("\n".join(lines) + "\n\n" + signed).encode("utf-8")


def parse_size_body(body: bytes) -> int:
    """The witness's size from a 409 `text/x.tlog.size` body."""
    text = body.decode("ascii", "replace")
    if not text.endswith("\n") or not _SIZE.fullmatch(text[:-1]):
        raise NoteError(f"malformed {SIZE_CONTENT_TYPE} body {text[:40]!r}")
    return int(text[:-1])


def cosignatures_from_response(body: bytes, checkpoint_text: str, witness: WitnessKey) -> list[str]:
    """The lines of a 200 add-checkpoint response that are valid cosignatures by
    `witness` of `checkpoint_text` (other keys' lines are ignored); NoteError if
    the body is malformed or holds none."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NoteError("the witness response is not UTF-8") from error
    if not text.endswith("\n"):
        raise NoteError("the witness response does not end with a newline")
    _, signatures = note.split_note(checkpoint_text + "\n" + text)
    lines = []
    for (name, blob), line in zip(signatures, text.splitlines(), strict=True):
        if name == witness.name and int.from_bytes(blob[:4], "big") == witness.key_id:
            witness.verify(checkpoint_text, blob)
            lines.append(line + "\n")
    if not lines:
        raise NoteError(f"the response holds no cosignature by {witness.vkey}")
    return lines
