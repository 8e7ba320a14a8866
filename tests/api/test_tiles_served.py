"""The app serves the log as C2SP tlog-tiles under /log/. Every expectation
below is computed in this file from the spec's text (c2sp.org/tlog-tiles),
not from `transparency.tiles`: paths in x-prefixed 3-digit groups, full tiles
of 256 hashes, partial tiles of width floor(s / 256**l) mod 256, no empty
tiles, entry bundles of uint16-length-prefixed leaves, RFC 6962 hashing.

Leaves are seeded straight through the tree store (not HTTP), so sizes
around 65,536 take seconds.
"""

from __future__ import annotations

import gzip

import pytest

from api.app import create_app
from tests.tiles_support import AGGREGATE, Tree, expected_tiles, grow, leaf_hash, tile_url
from transparency import note
from transparency.store import LeafRecord

SIZES = [0, 1, 255, 256, 257, 65_535, 65_536, 65_537]


def check_tile(client, tree: Tree, level: int, n: int, width: int) -> None:
    response = client.get(tile_url(level, n, width))
    assert response.status_code == 200, tile_url(level, n, width)
    assert response.content_type == "application/octet-stream"
    cache = response.headers["Cache-Control"]
    assert ("immutable" in cache) == (width == 256), cache
    assert response.data == tree.tile(level, n, width), tile_url(level, n, width)
    if level == 0:
        bundle = client.get(tile_url("entries", n, width))
        assert bundle.status_code == 200 and bundle.content_type == "application/octet-stream"
        assert bundle.data == tree.bundle(n, width)
        entries, offset = [], 0
        while offset < len(bundle.data):  # each entry hashes to its leaf hash in the tile
            length = int.from_bytes(bundle.data[offset : offset + 2], "big")
            entries.append(bundle.data[offset + 2 : offset + 2 + length])
            offset += 2 + length
        assert [leaf_hash(e) for e in entries] == [
            response.data[i : i + 32] for i in range(0, len(response.data), 32)
        ]


def check_checkpoint(client, system, size: int) -> None:
    response = client.get("/log/checkpoint")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "max-age=2" in response.headers["Cache-Control"]
    verifier = note.parse_vkey(system.transparency.vkey)
    checkpoint = note.parse_checkpoint(note.open_note(response.get_data(as_text=True), verifier))
    assert checkpoint.size == size
    assert checkpoint.origin == "test.labledger.local/log"


def check_absent(client, size: int) -> None:
    """No tile beyond the tree: the next one at each level, a wider partial, a
    level above the top, and no empty tile."""
    for level in range(4):
        hashes = size // 256**level
        beyond = hashes // 256 + (1 if hashes % 256 else 0)
        assert client.get(tile_url(level, beyond, 256)).status_code == 404
        if hashes % 256 and hashes % 256 < 255:
            wider = tile_url(level, hashes // 256, hashes % 256 + 1)
            assert client.get(wider).status_code == 404, wider
        if not hashes % 256:
            assert client.get(tile_url(level, hashes // 256, 1)).status_code == 404
    assert client.get(tile_url("entries", size // 256 + 1, 256)).status_code == 404


def test_tiles_paths_widths_and_bundles_follow_the_spec_at_every_edge_size(client, system):
    tree, previous = Tree(), 0
    for size in SIZES:
        grow(system, tree, size)
        system.transparency.checkpoint()
        check_checkpoint(client, system, size)
        seen = set(expected_tiles(previous))
        for level, n, width in expected_tiles(size):
            if width < 256 or (level, n, width) not in seen:
                check_tile(client, tree, level, n, width)
        check_absent(client, size)
        previous = size
    # Every tile of the largest tree, and the partial tiles of each earlier checkpoint.
    for level, n, width in expected_tiles(SIZES[-1]):
        check_tile(client, tree, level, n, width)
    for size in SIZES[1:]:
        for level, n, width in expected_tiles(size):
            if width < 256:
                check_tile(client, tree, level, n, width)
    full = sum(1 for *_, width in expected_tiles(SIZES[-1]) if width == 256)
    assert full == 257
    stored = system.db.fetchall("SELECT path FROM {t}tlog_tiles")
    assert len(stored) == full  # every full tile computed once, by the append


@pytest.mark.parametrize(
    "path",
    [
        "/log/tile/0/1",  # not three digits
        "/log/tile/0/000.p/0",  # an empty tile
        "/log/tile/0/000.p/256",
        "/log/tile/00/000",
        "/log/tile/64/000",
        "/log/tile/0/x000/000",  # a leading zero group
        "/log/tile/0/000/",
        "/log/tile/entries/000.p/01",
        "/log/tile/x/000",
        "/log/tiles",
    ],
)
def test_anything_but_a_canonical_tile_path_is_404(client, system, path):
    grow(system, Tree(), 300)
    response = client.get(path)
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"


def test_tiles_are_served_from_either_store(store_system, store_settings):
    app = create_app(store_settings, system=store_system)
    client = app.test_client()
    tree = Tree()
    for size in (0, 1, 256, 700):
        grow(store_system, tree, size)
        store_system.transparency.checkpoint()
        check_checkpoint(client, store_system, size)
        for level, n, width in expected_tiles(size):
            check_tile(client, tree, level, n, width)
        check_absent(client, size)
    assert len(store_system.db.fetchall("SELECT path FROM {t}tlog_tiles")) == 2


def test_the_log_routes_are_documented_with_their_media_types(client):
    paths = client.get("/openapi.json").get_json()["paths"]
    checkpoint = paths["/log/checkpoint"]["get"]["responses"]["200"]["content"]
    assert "text/plain; charset=utf-8" in checkpoint
    for path in ("/log/tile/{level}/{tile}", "/log/tile/entries/{tile}"):
        ok = paths[path]["get"]["responses"]["200"]["content"]
        assert ok["application/octet-stream"]["schema"]["format"] == "binary"
        assert "404" in paths[path]["get"]["responses"]


def test_a_bundle_holding_a_leaf_written_before_the_size_limit_is_a_404_not_a_500(client, system):
    store = system.transparency.store
    huge = b'{"big":"' + b"x" * 70_000 + b'"}'
    records = [LeafRecord(1, AGGREGATE, 1, "test.leaf", huge)]
    store.append(store.head(), records)
    response = client.get("/log/tile/entries/000.p/1")
    assert response.status_code == 404
    assert "over 65,535 bytes" in response.get_json()["detail"]
    assert client.get("/log/tile/0/000.p/1").status_code == 200  # its hash is served


def test_an_entry_bundle_comes_gzipped_to_a_client_that_accepts_gzip(client, system):
    tree = Tree()
    grow(system, tree, 300)
    plain = client.get("/log/tile/entries/000")
    zipped = client.get("/log/tile/entries/000", headers={"Accept-Encoding": "gzip, identity"})

    assert "Content-Encoding" not in plain.headers and plain.data == tree.bundle(0, 256)
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data and len(zipped.data) < len(plain.data)
    for response in (plain, zipped):
        assert "Accept-Encoding" in response.headers["Vary"]
    assert zipped.headers["ETag"] != plain.headers["ETag"]  # two representations, two tags
    again = client.get(
        "/log/tile/entries/000",
        headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]},
    )
    assert again.status_code == 304
    refused = client.get("/log/tile/entries/000", headers={"Accept-Encoding": "gzip;q=0"})
    assert "Content-Encoding" not in refused.headers
    hashes = client.get("/log/tile/0/000", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in hashes.headers  # random bytes: nothing to gain


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/log/tile/0/001", 404),  # not in the tree yet
        ("GET", "/log/tiles", 404),  # no such route
        ("POST", "/log/checkpoint", 405),
        ("GET", "/log/checkpoint", 200),
    ],
)
def test_every_answer_under_log_is_readable_by_a_web_verifier(client, system, method, path, status):
    grow(system, Tree(), 3)
    system.transparency.checkpoint()
    response = client.open(path, method=method)
    assert response.status_code == status
    assert response.headers["Access-Control-Allow-Origin"] == "*"
