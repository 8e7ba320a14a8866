"""A certificate's `corrections`: the later events of its work that change
whether its declaration stands (a retraction by the artist, a dispute by
staff), each as its leaf and its inclusion proof in the certificate's own
checkpoint. So a retracted declaration's certificate still verifies, and
says, provably, that it was retracted: a marking nobody can forge onto
another work's certificate.

The field is optional (a certificate issued before any correction, or before
this field existed, has none): holding an older certificate cannot prove that
no correction followed. The registry says what stands now.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from transparency import merkle

# Correction event types, and what each makes of the declaration.
CORRECTIONS = {"work.ownership_retracted": "retracted", "work.ownership_disputed": "disputed"}
FIELD = "corrections"
_ITEM = {"leaf_index", "leaf", "audit_path"}


class CorrectionError(ValueError):
    """Why a certificate's corrections do not verify."""


def correction(leaf_index: int, leaf: bytes, path: list[bytes]) -> dict[str, Any]:
    return {
        "leaf_index": leaf_index,
        "leaf": base64.b64encode(leaf).decode("ascii"),
        "audit_path": [h.hex() for h in path],
    }


def _leaf(item: Any) -> tuple[int, bytes, list[bytes]]:
    if not isinstance(item, dict) or set(item) != _ITEM:
        raise CorrectionError(f"a correction has exactly the fields {sorted(_ITEM)}")
    index, path = item["leaf_index"], item["audit_path"]
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        raise CorrectionError("a correction's leaf_index is not a non-negative integer")
    if not isinstance(path, list) or not all(
        isinstance(h, str) and len(h) == 64 and h == h.lower() for h in path
    ):
        raise CorrectionError("a correction's audit_path is not a list of hex SHA-256 hashes")
    try:
        leaf = base64.b64decode(item["leaf"], validate=True)
        nodes = [bytes.fromhex(h) for h in path]
    except (ValueError, TypeError) as error:
        raise CorrectionError(f"a correction's leaf or path is malformed: {error}") from error
    if base64.b64encode(leaf).decode("ascii") != item["leaf"]:
        raise CorrectionError("a correction's leaf is not canonical base64")
    return index, leaf, nodes


def verify(items: Any, work_id: str, size: int, root: bytes) -> tuple[dict[str, Any], ...]:
    """The correction events, each proven to be in the tree of `size` and
    `root`, of work `work_id`, and of a correction type; in log order."""
    if not isinstance(items, list):
        raise CorrectionError("corrections is not a list")
    events: list[tuple[int, dict[str, Any]]] = []
    for item in items:
        index, leaf, path = _leaf(item)
        try:
            merkle.verify_inclusion(merkle.leaf_hash(leaf), index, size, path, root)
        except merkle.ProofError as error:
            raise CorrectionError(f"correction {index}: inclusion proof: {error}") from error
        try:
            event = json.loads(leaf.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise CorrectionError(f"correction {index}: the leaf is not JSON") from error
        if not isinstance(event, dict) or event.get("type") not in CORRECTIONS:
            raise CorrectionError(f"correction {index} is not a retraction or a dispute")
        version = event.get("aggregate_version")
        if event.get("aggregate_id") != work_id or not isinstance(version, int) or version < 2:
            raise CorrectionError(f"correction {index} is not an event of work {work_id}")
        events.append((index, event))
    if len({index for index, _ in events}) != len(events):
        raise CorrectionError("a correction is listed twice")
    return tuple(event for _, event in sorted(events, key=lambda pair: pair[0]))


def standing(events: tuple[dict[str, Any], ...]) -> str:
    """declared, disputed or retracted, from the proven corrections."""
    found = {CORRECTIONS[e["type"]] for e in events}
    return "retracted" if "retracted" in found else "disputed" if found else "declared"
