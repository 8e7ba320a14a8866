"""The transparency log over HTTP: checkpoints, the key, proofs, leaves and
ownership certificates. Everything here is public."""

from __future__ import annotations

import base64
from typing import Any
from uuid import UUID

from flask import Response
from marshmallow import Schema

from api import read_responses as r
from api.bootstrap import System
from api.errors import ProblemError
from api.freshness import refuse_stuck, wait_until
from api.openapi import Blueprint, problems
from api.schemas import integer, limit_field, min_position_field
from api.services import system
from ledger.events import redacted
from ledger.faults import Fault
from ledger.log import read_page
from transparency import merkle
from transparency.certificate import certificate_bytes
from transparency.follower import TreeBuilder
from transparency.service import NotInTree, TransparencyLog
from transparency.store import Head

blp = Blueprint(
    "transparency", __name__, description="The transparency log (RFC 9162 tree, C2SP checkpoints)"
)

# Readiness fails when the tree lags the log by more than this many positions.
LAG_LIMIT = 1000
# Tree sizes and indexes: stored node ids reach twice the size, so stay well
# inside 64 bits.
_MAX_SIZE = 2**62


def _log() -> TransparencyLog:
    return system().transparency


def _text(body: str) -> Response:
    return Response(body, mimetype="text/plain", content_type="text/plain; charset=utf-8")


def _head_at_least(min_position: int | None) -> Head:
    """The tree head, once it holds log position `min_position` (bounded wait)."""
    store = _log().store
    if min_position:
        stuck = _stuck(system(), store.head())
        if stuck is not None and not stuck.due():  # waiting cannot help before its next attempt
            refuse_stuck("transparency tree", stuck, min_position)
        try:
            wait_until(lambda: store.head().position, min_position, "transparency tree")
        except ProblemError as error:  # still stuck after its retry: say where, as reads do
            if error.status == 503:
                refuse_stuck("transparency tree", _stuck(system(), store.head()), min_position)
            raise
    return store.head()


def _stuck(current: System, head: Head) -> Fault | None:
    """The tree builder's fault, while it holds the tree below its position."""
    fault = current.faults.get(TreeBuilder.name)
    return fault if fault is not None and fault.position > head.position else None


def _proof_size(size: int | None, head: Head, name: str) -> int:
    if size is None:
        return head.size
    if size > head.size:
        raise ProblemError(
            404,
            f"{name} {size} is beyond the tree's size {head.size}",
            title="Beyond the tree",
            tree_size=head.size,
        )
    return size


class FreshQuery(Schema):
    """Every read of the log waits, as the API's reads do, for the tree to
    hold `min_position` (a write's position): an artist who just declared a
    work asks for its certificate at that position, not in a retry loop."""

    min_position = min_position_field()


class InclusionQuery(FreshQuery):
    index = integer(0, _MAX_SIZE, required=True)
    tree_size = integer(1, _MAX_SIZE, load_default=None)


class ConsistencyQuery(FreshQuery):
    first = integer(1, _MAX_SIZE, required=True)
    second = integer(1, _MAX_SIZE, load_default=None)


@blp.get("/v1/transparency/checkpoint")
@blp.arguments(FreshQuery, location="query")
@blp.response(200, r.TEXT, content_type="text/plain")
def checkpoint(args: dict[str, Any]) -> Response:
    """The newest signed checkpoint, with the witness cosignatures it has so far
    (C2SP tlog-checkpoint signed note, text/plain)"""
    head = _head_at_least(args["min_position"])
    _, signed = _log().latest(head)
    response = _text(signed)
    response.headers["Cache-Control"] = "no-cache"
    return response


class CheckpointsQuery(FreshQuery):
    after = integer(
        0,
        _MAX_SIZE,
        load_default=None,
        metadata={"description": "list past this size (default: from the empty tree's, if signed)"},
    )
    limit = limit_field()


@blp.get("/v1/transparency/checkpoints")
@blp.arguments(CheckpointsQuery, location="query")
@blp.response(200, r.CheckpointPage)
def checkpoints(args: dict[str, Any]) -> dict[str, Any]:
    """Every checkpoint the log has signed, oldest first: size, root, when it was signed, and
    the signed note with its witness cosignatures (a consistency proof links each to the last)"""
    _head_at_least(args["min_position"])
    limit = args["limit"]
    after = -1 if args["after"] is None else args["after"]  # a log signs its empty tree too
    items = _log().history(after=after, limit=limit + 1)
    cursor = items[limit - 1]["size"] if len(items) > limit else None
    return {"items": items[:limit], "next": cursor}


@blp.get("/v1/transparency/public-key")
@blp.arguments(FreshQuery, location="query")
@blp.response(200, r.TEXT, content_type="text/plain")
def public_key(args: dict[str, Any]) -> Response:
    """The log's verifier key (signed-note vkey form, text/plain)"""
    _head_at_least(args["min_position"])
    return _text(_log().vkey + "\n")


@blp.get("/v1/transparency/proofs/inclusion")
@blp.arguments(InclusionQuery, location="query")
@blp.response(200, r.InclusionProof)
@problems(404)  # a size beyond the tree
def inclusion_proof(args: dict[str, Any]) -> dict[str, Any]:
    """RFC 9162 inclusion proof of a leaf in a tree size (default: the current one)"""
    store = _log().store
    head = _head_at_least(args["min_position"])
    size = _proof_size(args["tree_size"], head, "tree_size")
    index = args["index"]
    if index >= size:
        raise ProblemError(
            422,
            f"leaf index {index} is not in a tree of size {size}",
            title="Index out of range",
            tree_size=size,
        )
    # The leaf's hash, the root and the path: one read of the stored nodes.
    leaf, root, *path = store.hashes(
        [(index, index + 1), (0, size), *merkle.inclusion_ranges(index, size)]
    )
    return {
        "leaf_index": index,
        "tree_size": size,
        "leaf_hash": leaf.hex(),
        "audit_path": [h.hex() for h in path],
        "root_hash": root.hex(),
    }


@blp.get("/v1/transparency/proofs/consistency")
@blp.arguments(ConsistencyQuery, location="query")
@blp.response(200, r.ConsistencyProof)
@problems(404)  # a size beyond the tree
def consistency_proof(args: dict[str, Any]) -> dict[str, Any]:
    """RFC 9162 consistency proof between two tree sizes (second defaults to the current)"""
    store = _log().store
    head = _head_at_least(args["min_position"])
    second = _proof_size(args["second"], head, "second")
    first = args["first"]
    if first > second:
        raise ProblemError(
            422,
            f"first ({first}) must not exceed second ({second})",
            title="Sizes out of order",
            tree_size=head.size,
        )
    # Both roots and the proof: one read of the stored nodes.
    first_root, second_root, *proof = store.hashes(
        [(0, first), (0, second), *merkle.consistency_ranges(first, second)]
    )
    return {
        "first": first,
        "second": second,
        "proof": [h.hex() for h in proof],
        "first_root": first_root.hex(),
        "second_root": second_root.hex(),
    }


@blp.get("/v1/transparency/leaves/<int:index>")
@blp.arguments(FreshQuery, location="query")
@blp.response(200, r.Leaf)
def leaf(args: dict[str, Any], index: int) -> dict[str, Any]:
    """One leaf: its canonical bytes (base64) and the redacted event it commits to"""
    _head_at_least(args["min_position"])
    store = _log().store
    row = store.leaf(index) if index < _MAX_SIZE else None
    if row is None:
        raise ProblemError(
            404, f"there is no leaf {index}; the tree has {store.head().size}", title="No such leaf"
        )
    data = row["leaf"].encode("utf-8")
    position = int(row["position"])
    events = read_page(system().log, position - 1, 1)
    event = redacted(events[0]) if events and events[0]["position"] == position else None
    return {
        "index": index,
        "position": position,
        "leaf": base64.b64encode(data).decode("ascii"),
        "leaf_hash": merkle.leaf_hash(data).hex(),
        "event": event,
    }


@blp.get("/v1/works/<uuid:work_id>/certificate")
@blp.arguments(FreshQuery, location="query")
@blp.response(200, r.Certificate)
@problems(503)
def work_certificate(args: dict[str, Any], work_id: UUID) -> Response:
    """The work's ownership certificate (RFC 8785 canonical JSON, verified by its facts)"""
    _head_at_least(args["min_position"])
    try:
        body = _log().certificate(str(work_id))
    except NotInTree:
        if system().store.ledger.has_work(work_id):
            raise ProblemError(
                503,
                f"work {work_id} is declared but not yet in the tree",
                title="Not yet in the log",
                headers={"Retry-After": "1"},
            ) from None
        raise ProblemError(
            404, f"no ownership declaration for work {work_id}", title="Not Found"
        ) from None
    return Response(certificate_bytes(body), mimetype="application/json")


def readiness(current: System) -> tuple[dict[str, Any], bool]:
    """The tree's size, position and lag behind the log, and whether it is
    ready; with the size of the latest signed checkpoint (reported, never a
    reason to stop serving: the tree builder signs the head by itself, after
    a restart too)."""
    store = current.transparency.store
    head = store.head()
    lag = max(0, current.log.head() - head.position)
    latest = store.latest_checkpoint()
    detail: dict[str, Any] = {
        "tree_size": head.size,
        "signed_size": int(latest["size"]) if latest else 0,
        "position": head.position,
        "lag": lag,
    }
    fault = _stuck(current, head)
    if fault is not None:
        detail["stuck"] = fault.public()
    if current.witness_policy.witnesses:  # reported, never a reason to stop serving
        detail["witnessing"] = current.transparency.witnessing()
    return detail, lag <= LAG_LIMIT and fault is None
