"""`labledger monitor` reads a log whose tiles come gzipped. tlog-tiles lets a
log (or the nginx or CDN in front of it) send `Content-Encoding: gzip`
without negotiation, and a hash tile does not shrink under gzip: its 32·W
random bytes come back a few bytes longer. The monitor used to read the
compressed body only up to the tile's own length, so it cut every gzipped
hash tile short and gave up (`UNAVAILABLE: … bad gzip body`) on a log that
Go's reference client verifies through the same front. The limit is on the
decoded bytes: a front that serves more than the tile holds is still refused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.conftest import Server, stop_server
from tests.integration.interop_support import (
    apply_many,
    gzip_front,
    monitor,
    serve,
    settings_for,
)
from transparency import note


@pytest.fixture(scope="module")
def log(tmp_path_factory) -> Iterator[tuple[Server, note.Signer]]:
    tmp_path = tmp_path_factory.mktemp("monitor_gzip")
    server, signer, _ = serve(tmp_path, settings_for(tmp_path), None)
    try:
        yield server, signer
    finally:
        stop_server(server.process)


def test_the_monitor_follows_a_log_whose_tiles_are_gzipped(log, tmp_path):
    server, signer = log
    vkey = signer.verifier.vkey
    state = tmp_path / "monitor.json"
    with gzip_front(server.base) as front:
        first = monitor(f"{front}/log", vkey, state)
        assert first.returncode == 0, first.stderr
        assert first.stdout.startswith(f"OK: log {signer.name} size ")
        size = int(first.stdout.split(" size ")[1].split(" ")[0])
        assert f"(first run: the whole log; {size} new entries verified)" in first.stdout
        apply_many(server, 300 - size)  # past a full level-0 tile: level 1 comes gzipped too
        later = monitor(f"{front}/log", vkey, state)
        assert later.returncode == 0, later.stderr
        assert f"(consistent with size {size}; " in later.stdout


def test_a_gzipped_tile_longer_than_the_tile_is_still_refused(log, tmp_path):
    server, signer = log
    with gzip_front(server.base, pad=bytes(32)) as front:
        padded = monitor(f"{front}/log", signer.verifier.vkey, tmp_path / "monitor.json")
    assert padded.returncode == 2, padded.stdout
    tile, limit = padded.stderr.split(f"UNAVAILABLE: GET {front}/log/tile/0/", 1)[1].split(": ")
    width = int(tile.split(".p/")[1]) if ".p/" in tile else 256
    assert limit == f"more than {32 * width} bytes\n"
