"""add-checkpoint, as C2SP tlog-witness defines it: parse, verify, compare, cosign.

Each refusal is a `WitnessError` carrying the spec's status code; the HTTP
layer maps it and adds nothing of its own.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from transparency import cosignature, merkle, note
from witness.state import WitnessState

_SIZE = re.compile(r"0|[1-9][0-9]{0,18}")


class WitnessError(Exception):
    status = 400


class Malformed(WitnessError):
    status = 400


class BadSignature(WitnessError):
    status = 403


class UnknownLog(WitnessError):
    status = 404


class Conflict(WitnessError):
    """Equal sizes with another root hash: a fork, not a stale client."""

    status = 409


class SizeConflict(WitnessError):
    """The client's old size is not the witness's: the body tells it ours."""

    status = 409

    def __init__(self, known_size: int) -> None:
        super().__init__(f"the witness's latest cosigned size is {known_size}")
        self.known_size = known_size


class BadProof(WitnessError):
    status = 422


@dataclass(frozen=True)
class AddCheckpoint:
    old_size: int
    proof: list[bytes]
    signed: str


def parse_request(body: bytes) -> AddCheckpoint:
    """`old <size>`, up to 63 base64 proof lines, a blank line, the signed checkpoint."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Malformed("the request body is not UTF-8") from error
    head, blank, signed = text.partition("\n\n")
    lines = head.split("\n")
    if not blank or not lines[0].startswith("old "):
        raise Malformed("the body must start with an `old <size>` line and hold a blank line")
    size = lines[0][4:]
    if not _SIZE.fullmatch(size):
        raise Malformed(f"old size {size!r} is not a decimal without leading zeros")
    if len(lines) - 1 > cosignature.MAX_PROOF_LINES:
        raise Malformed(f"more than {cosignature.MAX_PROOF_LINES} consistency proof lines")
    try:
        proof = [note.b64decode_strict(line, "proof line") for line in lines[1:]]
    except note.NoteError as error:
        raise Malformed(str(error)) from error
    if any(len(h) != merkle.HASH_SIZE for h in proof):
        raise Malformed("a consistency proof line is not a 32-byte hash")
    if int(size) == 0 and proof:
        raise Malformed("the proof must be empty when the old size is 0")
    return AddCheckpoint(int(size), proof, signed)


class Witness:
    def __init__(
        self,
        cosigner: cosignature.Cosigner,
        logs: Mapping[str, tuple[note.Verifier, ...]],
        state: WitnessState,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.cosigner, self.logs, self.state, self.clock = cosigner, logs, state, clock

    def _open(self, signed: str) -> tuple[str, note.Checkpoint, note.Verifier]:
        """The note's text and checkpoint, and the trusted key that signed it."""
        try:
            text, signatures = note.split_note(signed)
            checkpoint = note.parse_checkpoint(text)
        except note.NoteError as error:
            raise Malformed(f"the checkpoint: {error}") from error
        keys = self.logs.get(checkpoint.origin)
        if not keys:
            raise UnknownLog(f"this witness does not witness the log {checkpoint.origin!r}")
        by_id = {(k.name, k.key_id): k for k in keys}
        signer = None
        for name, blob in signatures:
            key = by_id.get((name, int.from_bytes(blob[:4], "big")))
            if key is None:
                continue  # unknown keys are ignored (signed-note)
            if not key.verify(text.encode("utf-8"), blob[4:]):
                raise BadSignature(f"the signature by {key.vkey} does not verify")
            signer = key
        if signer is None:
            raise BadSignature(f"no signature by a key trusted for {checkpoint.origin!r}")
        return text, checkpoint, signer

    def add_checkpoint(self, body: bytes) -> str:
        """The cosignature line(s) for the submitted checkpoint, or a WitnessError."""
        request = parse_request(body)
        text, checkpoint, signer = self._open(request.signed)
        if request.old_size > checkpoint.size:
            raise Malformed(f"old size {request.old_size} exceeds the checkpoint's size")
        try:
            with self.state.transaction() as tx:
                known = tx.known(checkpoint.origin)
                if known.size != request.old_size:
                    raise SizeConflict(known.size)
                _check_consistency(request, checkpoint, known.root)
                tx.store(
                    checkpoint.origin, checkpoint.size, checkpoint.root, signer.vkey, request.signed
                )
        except (Conflict, BadProof) as error:
            # Validly signed yet inconsistent: keep it, it may prove a split view.
            self.state.record_refusal(checkpoint.origin, str(error), body)
            raise
        return self.cosigner.cosign(text, int(self.clock()))


def _check_consistency(
    request: AddCheckpoint, checkpoint: note.Checkpoint, known_root: bytes
) -> None:
    old = request.old_size
    if old == checkpoint.size:
        if checkpoint.root != known_root:
            raise Conflict(f"size {old} was cosigned with another root hash")
        if request.proof:
            raise BadProof("a proof between equal sizes must be empty")
        return
    if old == 0:
        return  # the empty tree is a prefix of every tree
    try:
        merkle.verify_consistency(old, checkpoint.size, request.proof, known_root, checkpoint.root)
    except merkle.ProofError as error:
        raise BadProof(f"the consistency proof from size {old} does not verify: {error}") from error
