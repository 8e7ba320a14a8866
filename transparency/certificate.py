"""Ownership certificates: one self-contained, offline-verifiable JSON bundle.

A certificate is served as RFC 8785 canonical JSON (plus one trailing
newline), but it is verified by its facts: the work id, the leaf, its index,
the inclusion proof, the signed checkpoint, the key, the proof text and the
credit. Any re-encoding of the JSON (pretty-printed by `jq .`, keys
reordered, unicode escaped) verifies; any changed fact, missing field or
unknown field fails. The leaf itself is hashed into the tree, so its bytes
must stay canonical.

Its `credit` is the opening of the declaration's `credit_name_commitment`:
the credited name and the salt, so whoever holds the certificate can prove
the name the log committed to, even after the artist's personal data was
erased (the service then serves `credit: null`). The field is always there,
null or not, so a renamed key cannot make a verifier skip the check.

A declaration retracted or disputed later has `corrections`: those events'
leaves, proven in the same checkpoint (`transparency.corrections`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import rfc8785

from transparency import corrections, cosignature, merkle, note

TLOG_PROOF_HEADER = "c2sp.org/tlog-proof@v1"
DECLARATION_TYPE = "work.ownership_declared"
FIELDS = {
    "work_id",
    "leaf_index",
    "leaf",
    "inclusion_proof",
    "checkpoint",
    "verifier_key",
    "tlog_proof",
    "credit",
}
# The leaf field whose `<field>_commitment` the credit opens.
CREDIT_FIELD = "credit_name"
_HEX_HASH = re.compile(r"[0-9a-f]{64}")


class CertificateError(ValueError):
    """Why a certificate does not verify."""


@dataclass(frozen=True)
class VerifiedCertificate:
    work_id: str
    leaf_index: int
    tree_size: int
    origin: str
    key_pinned: bool
    event: dict[str, Any]
    cosigned_by: tuple[str, ...] = ()  # vkeys of the given witnesses that validly cosigned
    credited_name: str | None = None  # the name the credit opening proved, if it has one
    corrections: tuple[dict[str, Any], ...] = ()  # proven retractions and disputes, in log order

    @property
    def status(self) -> str:
        """declared, disputed or retracted (as far as this certificate proves)."""
        return corrections.standing(self.corrections)


def credit_commitment(salt_hex: str, name: str) -> str:
    """SHA-256(salt ‖ "credit_name" ‖ 0x00 ‖ name): `ledger.events.commitment`
    of the credit, restated here so the verifier needs no server package."""
    material = bytes.fromhex(salt_hex) + CREDIT_FIELD.encode() + b"\x00" + name.encode("utf-8")
    return hashlib.sha256(material).hexdigest()


def tlog_proof_text(leaf: bytes, index: int, path: list[bytes], signed_checkpoint: str) -> str:
    """c2sp.org/tlog-proof@v1; the extra line carries the leaf bytes themselves."""
    lines = [TLOG_PROOF_HEADER, "extra " + base64.b64encode(leaf).decode("ascii"), f"index {index}"]
    lines += [base64.b64encode(h).decode("ascii") for h in path]
    return "\n".join(lines) + "\n\n" + signed_checkpoint


def build_certificate(
    work_id: str,
    leaf_index: int,
    leaf: bytes,
    tree_size: int,
    path: list[bytes],
    signed_checkpoint: str,
    vkey: str,
    credit: dict[str, str] | None = None,
    corrected: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """`credit` is `{name, salt}`, or None when the service cannot open it
    (the artist's personal data was erased); `corrected`, the work's
    retractions and disputes proven in the same tree (`corrections.correction`),
    is there only when it has any."""
    certificate = {
        "work_id": work_id,
        "leaf_index": leaf_index,
        "leaf": base64.b64encode(leaf).decode("ascii"),
        "inclusion_proof": {"tree_size": tree_size, "audit_path": [h.hex() for h in path]},
        "checkpoint": signed_checkpoint,
        "verifier_key": vkey,
        "tlog_proof": tlog_proof_text(leaf, leaf_index, path, signed_checkpoint),
        "credit": credit,
    }
    if corrected:
        certificate[corrections.FIELD] = corrected
    return certificate


def certificate_bytes(certificate: dict[str, Any]) -> bytes:
    return rfc8785.dumps(certificate) + b"\n"


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise CertificateError("the certificate repeats a field")
    return dict(pairs)


def _json(data: bytes, what: str) -> Any:
    """The value, refusing a repeated field: a reader could take either copy."""
    try:
        return json.loads(data.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CertificateError(f"{what} is not valid JSON: {error}") from error


def _canonical_json(data: bytes, what: str) -> Any:
    value = _json(data, what)
    try:
        canonical = rfc8785.dumps(value)
    except Exception as error:  # rfc8785 refuses values it cannot canonicalise
        raise CertificateError(f"{what} cannot be canonicalised: {error}") from error
    if canonical != data:
        raise CertificateError(f"{what} is not RFC 8785 canonical JSON (altered or re-encoded)")
    return value


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _parse(data: bytes) -> dict[str, Any]:
    cert = _json(data, "the certificate")
    if not isinstance(cert, dict) or set(cert) - {corrections.FIELD} != FIELDS:
        raise CertificateError(
            f"a certificate has exactly the fields {sorted(FIELDS)} (and maybe {corrections.FIELD})"
        )
    try:
        if str(UUID(cert["work_id"])) != cert["work_id"]:
            raise ValueError
    except (ValueError, TypeError, AttributeError) as error:
        raise CertificateError("work_id is not a lowercase UUID") from error
    proof = cert["inclusion_proof"]
    if not _is_int(cert["leaf_index"]):
        raise CertificateError("leaf_index is not a non-negative integer")
    if not isinstance(proof, dict) or set(proof) != {"tree_size", "audit_path"}:
        raise CertificateError("inclusion_proof has exactly tree_size and audit_path")
    if not _is_int(proof["tree_size"]) or not isinstance(proof["audit_path"], list):
        raise CertificateError("inclusion_proof is malformed")
    if not all(isinstance(h, str) and _HEX_HASH.fullmatch(h) for h in proof["audit_path"]):
        raise CertificateError("audit_path entries are not lowercase hex SHA-256 hashes")
    for field in ("leaf", "checkpoint", "verifier_key", "tlog_proof"):
        if not isinstance(cert[field], str):
            raise CertificateError(f"{field} is not a string")
    credit = cert["credit"]
    if credit is not None and not (
        isinstance(credit, dict)
        and set(credit) == {"name", "salt"}
        and isinstance(credit["name"], str)
        and isinstance(credit["salt"], str)
        and _HEX_HASH.fullmatch(credit["salt"])
    ):
        raise CertificateError("credit is not null or {name, salt} (salt: 64 lowercase hex)")
    return cert


def _credited_name(cert: dict[str, Any], event: dict[str, Any]) -> str | None:
    """The name the credit opening proves the declaration credited, if any."""
    credit = cert["credit"]
    if credit is None:
        return None
    data = event.get("data")
    committed = data.get(f"{CREDIT_FIELD}_commitment") if isinstance(data, dict) else None
    if not isinstance(committed, str):
        raise CertificateError(f"the leaf has no {CREDIT_FIELD}_commitment to open")
    if credit_commitment(credit["salt"], credit["name"]) != committed:
        raise CertificateError("the credited name and salt do not open the commitment in the leaf")
    return str(credit["name"])


def verify_certificate(
    data: bytes,
    trusted_vkey: str | None = None,
    witnesses: Sequence[str | cosignature.WitnessKey] = (),
    quorum: int | None = None,
) -> VerifiedCertificate:
    """Check the leaf, the proof, the checkpoint signature and the key, and that
    `quorum` of `witnesses` (default: all of them) cosigned the checkpoint; raise
    CertificateError with the reason on the first failure (ValueError for a
    malformed witness key or an impossible quorum)."""
    witness_keys, needed = cosignature.quorum_of(witnesses, quorum)
    cert = _parse(data)
    try:
        verifier = note.parse_vkey(cert["verifier_key"])
        if trusted_vkey is not None and note.parse_vkey(trusted_vkey) != verifier:
            raise CertificateError("the certificate's verifier key is not the trusted key")
        text = note.open_note(cert["checkpoint"], verifier)
        checkpoint = note.parse_checkpoint(text)
        leaf = note.b64decode_strict(cert["leaf"], "leaf")
        cosigned_by: tuple[str, ...] = ()
        if witness_keys:
            cosigned = cosignature.open_cosigned(cert["checkpoint"], verifier, witness_keys)
            cosigned.require(needed)
            cosigned_by = tuple(cosigned.cosigned_by)
    except note.NoteError as error:
        raise CertificateError(str(error)) from error
    if checkpoint.origin != verifier.name:
        raise CertificateError(f"checkpoint origin {checkpoint.origin!r} is not the key's log")
    index, size = cert["leaf_index"], cert["inclusion_proof"]["tree_size"]
    if size != checkpoint.size:
        raise CertificateError(
            f"the proof is for size {size}, the checkpoint for {checkpoint.size}"
        )
    path = [bytes.fromhex(h) for h in cert["inclusion_proof"]["audit_path"]]
    try:
        merkle.verify_inclusion(merkle.leaf_hash(leaf), index, size, path, checkpoint.root)
    except merkle.ProofError as error:
        raise CertificateError(f"inclusion proof: {error}") from error
    event = _canonical_json(leaf, "the leaf")
    if not isinstance(event, dict) or event.get("type") != DECLARATION_TYPE:
        raise CertificateError(f"the leaf is not a {DECLARATION_TYPE} event")
    if event.get("aggregate_id") != cert["work_id"] or event.get("aggregate_version") != 1:
        raise CertificateError("the leaf is not the ownership declaration of this work")
    if cert["tlog_proof"] != tlog_proof_text(leaf, index, path, cert["checkpoint"]):
        raise CertificateError(
            "tlog_proof does not match the certificate's leaf, proof and checkpoint"
        )
    try:
        corrected = corrections.verify(
            cert.get(corrections.FIELD, []), cert["work_id"], size, checkpoint.root
        )
    except corrections.CorrectionError as error:
        raise CertificateError(str(error)) from error
    return VerifiedCertificate(
        cert["work_id"],
        index,
        size,
        checkpoint.origin,
        trusted_vkey is not None,
        event,
        cosigned_by,
        _credited_name(cert, event),
        corrected,
    )
