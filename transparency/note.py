"""C2SP signed notes (Ed25519) and tlog-checkpoint note texts.

Keys use the text forms of Go's golang.org/x/mod/sumdb/note, which the C2SP
signed-note spec grew out of:

    verifier key  <name>+<key id, 8 hex>+<base64(0x01 || 32-byte public key)>
    signer key    PRIVATE+KEY+<name>+<key id>+<base64(0x01 || 32-byte seed)>

key id = SHA-256(name || 0x0A || 0x01 || public key)[:4], big-endian.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519 = 0x01
EM_DASH = "\u2014"
_NAME = re.compile(r"[^\s+]+")


class NoteError(ValueError):
    """A malformed or unverifiable note, key or checkpoint."""


def b64decode_strict(text: str, what: str) -> bytes:
    """Standard base64 whose re-encoding is exactly `text` (no slack bits, no padding games)."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as error:
        raise NoteError(f"{what} is not valid base64") from error
    if base64.b64encode(raw).decode("ascii") != text:
        raise NoteError(f"{what} is not in canonical base64")
    return raw


def key_id(name: str, public_key: bytes) -> int:
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([ED25519]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise NoteError(f"key name {name!r} must be non-empty, without spaces or '+'")
    return name


@dataclass(frozen=True)
class Verifier:
    name: str
    public_key: bytes

    @property
    def key_id(self) -> int:
        return key_id(self.name, self.public_key)

    @property
    def vkey(self) -> str:
        encoded = base64.b64encode(bytes([ED25519]) + self.public_key).decode("ascii")
        return f"{self.name}+{self.key_id:08x}+{encoded}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class Signer:
    name: str
    seed: bytes

    @cached_property  # an Ed25519 key derivation: once per signer, not per page
    def verifier(self) -> Verifier:
        public = Ed25519PrivateKey.from_private_bytes(self.seed).public_key()
        return Verifier(self.name, public.public_bytes(Encoding.Raw, PublicFormat.Raw))

    @property
    def skey(self) -> str:
        encoded = base64.b64encode(bytes([ED25519]) + self.seed).decode("ascii")
        return f"PRIVATE+KEY+{self.name}+{self.verifier.key_id:08x}+{encoded}"

    def sign(self, text: str) -> str:
        """The signed note: text, a blank line, one signature line."""
        if not text.endswith("\n"):
            raise NoteError("note text must end with a newline")
        _check_text(text)
        signature = Ed25519PrivateKey.from_private_bytes(self.seed).sign(text.encode("utf-8"))
        blob = self.verifier.key_id.to_bytes(4, "big") + signature
        return f"{text}\n{EM_DASH} {self.name} {base64.b64encode(blob).decode('ascii')}\n"


def parse_key_text(
    text: str, prefix: str, what: str, algorithm: int = ED25519
) -> tuple[str, int, bytes]:
    """(name, claimed key id, 32-byte key) of `<prefix><name>+<id>+<base64(alg || key)>`."""
    if not text.startswith(prefix):
        raise NoteError(f"not a {what}")
    parts = text[len(prefix) :].split("+", 2)  # base64 may hold "+"
    if len(parts) != 3 or not re.fullmatch(r"[0-9a-f]{8}", parts[1]):
        raise NoteError(f"malformed {what}")
    name = check_name(parts[0])
    raw = b64decode_strict(parts[2], what)
    if len(raw) != 33 or raw[0] != algorithm:
        raise NoteError(f"{what} is not an Ed25519 key of signature type 0x{algorithm:02x}")
    return name, int(parts[1], 16), raw[1:]


def parse_vkey(text: str) -> Verifier:
    name, claimed_id, public_key = parse_key_text(text.strip(), "", "verifier key")
    verifier = Verifier(name, public_key)
    if verifier.key_id != claimed_id:
        raise NoteError("verifier key id does not match its name and key")
    return verifier


def parse_skey(text: str) -> Signer:
    name, claimed_id, seed = parse_key_text(text.strip(), "PRIVATE+KEY+", "signer key")
    signer = Signer(name, seed)
    if signer.verifier.key_id != claimed_id:
        raise NoteError("signer key id does not match its name and key")
    return signer


def _check_text(note: str) -> None:
    if any(ord(c) < 0x20 and c != "\n" for c in note):
        raise NoteError("notes must not contain control characters other than newline")


def split_note(note: str | bytes) -> tuple[str, list[tuple[str, bytes]]]:
    """The note's text and its signatures as (key name, key id || signature), unverified."""
    if isinstance(note, bytes):
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError as error:
            raise NoteError("the note is not valid UTF-8") from error
    _check_text(note)
    split = note.rfind("\n\n")
    if split < 0 or not note.endswith("\n"):
        raise NoteError("malformed note: no blank line before the signatures")
    signatures = []
    for line in note[split + 2 :].splitlines():
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != EM_DASH:
            raise NoteError(f"malformed signature line {line!r}")
        blob = b64decode_strict(parts[2], "signature")
        if len(blob) < 5:
            raise NoteError("signature too short")
        signatures.append((parts[1], blob))
    return note[: split + 1], signatures


def open_note(note: str | bytes, verifier: Verifier) -> str:
    """The note's text, if `verifier` signed it; NoteError otherwise."""
    text, signatures = split_note(note)
    verified = False
    for name, blob in signatures:
        if name != verifier.name or int.from_bytes(blob[:4], "big") != verifier.key_id:
            continue  # the spec says: ignore signatures by unknown keys
        if not verifier.verify(text.encode("utf-8"), blob[4:]):
            raise NoteError(f"the signature by {verifier.name} does not verify")
        verified = True
    if not verified:
        raise NoteError(f"the note carries no signature by {verifier.name}+{verifier.key_id:08x}")
    return text


# ---- tlog-checkpoint ---------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def text(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode('ascii')}\n"


def parse_checkpoint(text: str) -> Checkpoint:
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "" or any(not line for line in lines[:-1]):
        raise NoteError("a checkpoint is at least three non-empty lines, newline-terminated")
    origin, size, root = lines[0], lines[1], lines[2]
    if not re.fullmatch(r"0|[1-9][0-9]{0,18}", size):
        raise NoteError(f"checkpoint tree size {size!r} is not a decimal without leading zeros")
    digest = b64decode_strict(root, "checkpoint root hash")
    if len(digest) != 32:
        raise NoteError("checkpoint root hash is not 32 bytes")
    return Checkpoint(origin, int(size), digest)


# ---- the log's key file -------------------------------------------------------


def create_key_file(path: Path, make_key: Callable[[], str]) -> None:
    """Write `make_key()` to `path` (mode 0600) unless the file exists.

    Creation is atomic: of concurrent first starts, the one whose `link`
    wins provides the key every process then reads.
    """
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(make_key() + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
    finally:
        tmp.unlink(missing_ok=True)


def load_or_create_signer(path: Path, name: str) -> Signer:
    """The log's signer, created (mode 0600) if the file does not exist yet.

    Creation is atomic: concurrent first starts (several gunicorn workers)
    all end up with the one key that won the `link`.
    """
    check_name(name)
    path = Path(path)
    create_key_file(path, lambda: Signer(name, secrets.token_bytes(32)).skey)
    return load_signer(path, name)


def load_signer(path: Path, name: str) -> Signer:
    """The log's signer from an existing key file (OSError if there is none)."""
    signer = parse_skey(Path(path).read_text())
    # The key id covers the name: the configured log name wins over the stored one.
    return signer if signer.name == name else Signer(check_name(name), signer.seed)
