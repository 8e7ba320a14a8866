"""The log as C2SP tlog-tiles under `/log/`: the checkpoint, hash tiles and
entry bundles, public and cacheable, for any tiles client (a monitor, a
mirror, a witness's auditor).

A tile exists while the tree holds every hash it covers: full tiles from
their stored rows (written by the append that completed them), partial
tiles from the stored nodes, entry bundles from the stored leaves. Anything
else under `/log/` is 404, as a static file server would answer. Every
answer under `/log/`, a refusal included, is readable by a verifier in any
web page (`Access-Control-Allow-Origin: *`), so a browser tells a tile not
there yet from a network failure. Entry bundles are gzipped for a client
that accepts it, as the spec asks (`Vary: Accept-Encoding`); tiles of
hashes are not (random bytes do not compress).
"""

from __future__ import annotations

import gzip

from flask import Response, request

from api.errors import problem
from api.openapi import Blueprint
from api.services import system
from transparency import tiles
from transparency.service import TransparencyLog

blp = Blueprint(
    "log",
    __name__,
    url_prefix="/log",
    description="The transparency log as C2SP tlog-tiles: static, cacheable, verifiable",
)

IMMUTABLE = "public, max-age=31536000, immutable"
# A partial tile never changes either, but the spec lets a log drop it once the
# full tile exists; the checkpoint changes as the tree grows ("a few seconds").
PARTIAL = "public, max-age=60"
CHECKPOINT = "public, max-age=2"
BINARY = {"type": "string", "format": "binary"}
NOT_FOUND = "no such tile in the tree (yet), or not a tile path (application/problem+json)"


def _log() -> TransparencyLog:
    return system().transparency


def _public(body: bytes | str, content_type: str, cache: str) -> Response:
    response = Response(body, content_type=content_type)
    response.headers["Cache-Control"] = cache
    return response


@blp.after_app_request
def _readable_anywhere(response: Response) -> Response:
    # On the app, not the blueprint: a 404 or 405 of a path under /log/ that
    # no view matched gets it too.
    if request.path.startswith("/log/"):
        response.headers["Access-Control-Allow-Origin"] = "*"  # public data, for web verifiers
    return response


def _compressed(response: Response) -> Response:
    """An entry bundle gzipped when the client accepts gzip (the same bytes
    each time: `mtime=0`, so its ETag holds)."""
    response.vary.add("Accept-Encoding")
    if request.accept_encodings["gzip"] > 0:
        response.set_data(gzip.compress(response.get_data(), mtime=0))
        response.headers["Content-Encoding"] = "gzip"
    return response


def _not_found(path: str) -> Response:
    return problem(404, "Not Found", f"/log/{path} is not a tile of this log's tree")


@blp.get("/checkpoint")
@blp.response(200, {"type": "string"}, content_type="text/plain; charset=utf-8")
def checkpoint() -> Response:
    """The latest checkpoint a quorum of witnesses cosigned, with the cosignatures
    (the latest signed one while none is); C2SP tlog-checkpoint signed note"""
    _, signed = _log().published()
    return _public(signed, "text/plain; charset=utf-8", CHECKPOINT)


def _tile(path: str) -> Response:
    try:
        tile = tiles.parse_path(path)
    except tiles.TileError:
        return _not_found(path)
    store = _log().store
    if not tiles.is_available(tile, store.head().size):
        return _not_found(path)
    if tile.entries:
        first = tile.first_node()
        try:
            data = tiles.bundle(store.leaves_between(first, first + tile.width))
        except tiles.EntryTooLarge as error:  # a leaf written before the write-time limit
            return problem(
                404,
                "Not servable as a tile",
                f"/log/{path} would hold a leaf over 65,535 bytes, written before the log "
                f"refused such leaves ({error}); read its leaves at /v1/transparency/leaves/N",
            )
    else:
        stored = store.full_tile(tile) if tile.is_full else None
        data = stored if stored is not None else tiles.tile_hashes(tile, store.fetch_nodes)
    response = _public(data, "application/octet-stream", IMMUTABLE if tile.is_full else PARTIAL)
    return _compressed(response) if tile.entries else response


@blp.get("/tile/entries/<path:tile>")
@blp.response(200, BINARY, content_type="application/octet-stream")
@blp.alt_response(404, description=NOT_FOUND)
def entry_bundle(tile: str) -> Response:
    """Entry bundle N (`x001/x234/067`, `.p/W` for a partial one): the leaves of
    level-0 tile N, each a big-endian uint16 length then the leaf's bytes"""
    return _tile(f"tile/entries/{tile}")


@blp.get("/tile/<level>/<path:tile>")
@blp.response(200, BINARY, content_type="application/octet-stream")
@blp.alt_response(404, description=NOT_FOUND)
def hash_tile(level: str, tile: str) -> Response:
    """Hash tile N at level L (0-63): 256 hashes of 32 bytes (full), or the first
    W of them (`N.p/W`, a partial tile at the tree's right edge)"""
    return _tile(f"tile/{level}/{tile}")
